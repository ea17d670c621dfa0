import { Client, cacheExchange, fetchExchange } from '@urql/core';

// newClient talks to the same origin's /graphql with the token in the
// Authorization header, as every other billingd client does. A new client
// per sign-in drops the previous user's cache with it.
export function newClient(token: string): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    requestPolicy: 'cache-and-network',
    preferGetMethod: false,
    fetchOptions: () => ({
      headers: { Authorization: `APIToken ${token}` },
      credentials: 'omit',
    }),
  });
}

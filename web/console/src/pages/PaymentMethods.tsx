import { useMutation, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import type { CombinedError } from '@urql/core';
import type { UserErr } from '../components/states';
import { graphql } from '../gql';
import { Card, PageHeader } from '../components/Layout';
import { Empty, QueryState, Refusal } from '../components/states';
import { Badge, Time } from '../components/format';
import { useViewer } from '../viewer';

const PaymentMethodsDocument = graphql(`
  query PaymentMethods {
    paymentMethods {
      name
      role
      createdAt
      contact {
        city
        country
      }
    }
  }
`);

const CreateDocument = graphql(`
  mutation CreatePaymentMethod($input: CreatePaymentMethodInput!) {
    createPaymentMethod(input: $input) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const PrimaryDocument = graphql(`
  mutation MakePrimary($name: String!) {
    makePaymentMethodPrimary(name: $name) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const SecondaryDocument = graphql(`
  mutation MakeSecondary($name: String!) {
    makePaymentMethodSecondary(name: $name) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const SwapDocument = graphql(`
  mutation SwapRole($name: String!) {
    swapPaymentMethodRole(name: $name) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const DeleteDocument = graphql(`
  mutation DeletePaymentMethod($name: String!) {
    deletePaymentMethod(name: $name) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);

export function PaymentMethods() {
  const v = useViewer();
  const [res, refetch] = useQuery({ query: PaymentMethodsDocument });
  const [token, setToken] = useState('');
  const [refusal, setRefusal] = useState<{ error?: CombinedError; userErrors?: UserErr[] } | null>(null);
  const [, create] = useMutation(CreateDocument);
  const [, primary] = useMutation(PrimaryDocument);
  const [, secondary] = useMutation(SecondaryDocument);
  const [, swap] = useMutation(SwapDocument);
  const [, del] = useMutation(DeleteDocument);
  // act runs one change and shows the server's refusal, if any, as a
  // message: a payload's userErrors or the request's error.
  const act = async (p: Promise<{ error?: CombinedError; data?: Record<string, { userErrors: UserErr[] } | null> }>) => {
    const r = await p;
    const userErrors = Object.values(r.data ?? {}).flatMap((x) => x?.userErrors ?? []);
    const ok = !r.error && userErrors.length === 0;
    setRefusal(ok ? null : { error: r.error, userErrors });
    refetch({ requestPolicy: 'network-only' });
    return ok;
  };
  return (
    <>
      <PageHeader title="Payment methods" />
      {refusal && <Refusal error={refusal.error} userErrors={refusal.userErrors} />}
      {v.canAdmin && (
        <Card title="Add a payment method">
          <form
            class="inline-form"
            data-write
            onSubmit={async (e) => {
              e.preventDefault();
              if (await act(create({ input: { token: token.trim() } }))) setToken('');
            }}
          >
            <div class="field">
              <label for="pm-token">Payment provider token</label>
              <input id="pm-token" value={token} required onInput={(e) => setToken((e.target as HTMLInputElement).value)} placeholder="tok_…" />
            </div>
            <button type="submit" class="btn btn-primary">
              Add
            </button>
          </form>
        </Card>
      )}
      <QueryState {...res}>
        {(d) =>
          !d.paymentMethods || d.paymentMethods.length === 0 ? (
            <Empty>No payment method yet.</Empty>
          ) : (
            <Card>
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    <th scope="col" class="hide-narrow">Added</th>
                    {v.canAdmin && (
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {d.paymentMethods.map((m) => (
                    <tr key={m.name}>
                      <td>{m.name}</td>
                      <td>
                        <Badge value={m.role} />
                      </td>
                      <td class="hide-narrow">
                        <Time at={m.createdAt} />
                      </td>
                      {v.canAdmin && (
                        <td class="actions" data-write>
                          <button type="button" class="btn btn-ghost" onClick={() => act(primary({ name: m.name }))} aria-label={`Make ${m.name} primary`}>
                            Primary
                          </button>
                          <button type="button" class="btn btn-ghost" onClick={() => act(secondary({ name: m.name }))} aria-label={`Make ${m.name} secondary`}>
                            Secondary
                          </button>
                          <button type="button" class="btn btn-ghost" onClick={() => act(swap({ name: m.name }))} aria-label={`Swap roles making ${m.name} primary`}>
                            Swap
                          </button>
                          <button
                            type="button"
                            class="btn btn-danger"
                            onClick={() => window.confirm(`Delete ${m.name}?`) && act(del({ name: m.name }))}
                            aria-label={`Delete ${m.name}`}
                          >
                            Delete
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )
        }
      </QueryState>
    </>
  );
}

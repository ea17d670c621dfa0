import { graphql } from './gql';
import type { ViewerQuery } from './gql/graphql';
import type { Viewer } from './viewer';

// Until the schema has a viewer query, the first namespaces page checks the
// token; the role is unknown, so no write control is shown.
export const ViewerDocument = graphql(`
  query Viewer {
    namespaces(first: 1) {
      edges {
        node {
          name
        }
      }
    }
  }
`);

export function toViewer(_d: ViewerQuery): Viewer {
  return { tenant: '', role: 'VIEWER', namespace: null, canWrite: false, canAdmin: false, tenantWide: true };
}

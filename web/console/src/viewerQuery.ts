import type { Client } from '@urql/core';
import { graphql } from './gql';
import type { Viewer } from './viewer';

// Until the schema has a viewer query, the role is probed: the audit log is
// for admins only, the plan catalog for tenant-wide tokens only. An editor
// cannot be told from a viewer, so non-admins get no write control.
const NamespacesProbe = graphql(`
  query ViewerNamespaces {
    namespaces(first: 2) {
      edges {
        node {
          name
        }
      }
    }
  }
`);
const AdminProbe = graphql(`
  query ViewerAdmin {
    auditLog(first: 1) {
      pageInfo {
        hasNextPage
      }
    }
  }
`);
const TenantProbe = graphql(`
  query ViewerTenant {
    currentPlan {
      name
    }
  }
`);

export async function loadViewer(client: Client): Promise<Viewer> {
  const ns = await client.query(NamespacesProbe, {}, { requestPolicy: 'network-only' }).toPromise();
  if (ns.error) throw ns.error;
  const [admin, tenant] = await Promise.all([
    client.query(AdminProbe, {}, { requestPolicy: 'network-only' }).toPromise(),
    client.query(TenantProbe, {}, { requestPolicy: 'network-only' }).toPromise(),
  ]);
  const tenantWide = !tenant.error;
  const names = ns.data?.namespaces.edges.map((e) => e.node.name) ?? [];
  const canAdmin = !admin.error;
  return {
    tenant: '',
    role: canAdmin ? 'ADMIN' : 'VIEWER',
    namespace: tenantWide ? null : (names[0] ?? null),
    canWrite: canAdmin,
    canAdmin,
    tenantWide,
  };
}

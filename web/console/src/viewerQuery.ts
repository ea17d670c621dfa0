import { graphql } from './gql';
import type { ViewerQuery } from './gql/graphql';
import type { Viewer } from './viewer';

export const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      tenant
      role
      namespace
      operator
      capabilities
    }
  }
`);

export function toViewer(d: ViewerQuery): Viewer {
  const v = d.viewer;
  const can = (c: string) => v.capabilities.includes(c as never);
  return {
    tenant: v.tenant ?? '',
    role: v.operator ? 'OPERATOR' : (v.role ?? 'VIEWER'),
    namespace: v.namespace ?? null,
    canWrite: can('WRITE_QUOTAS'),
    canAdmin: can('MANAGE_BILLING'),
    canAudit: can('READ_AUDIT_LOG'),
    tenantWide: can('READ_TENANT'),
  };
}

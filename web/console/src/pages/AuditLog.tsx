import { useQuery } from '@urql/preact';
import { useMemo, useState } from 'preact/hooks';
import { graphql } from '../gql';
import { Card, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { Time } from '../components/format';

const AuditDocument = graphql(`
  query AuditLog($filter: AuditLogFilter) {
    auditLog(first: 100, filter: $filter) {
      edges {
        node {
          seq
          at
          actor
          action
          namespace
          object
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

// The actions the services record (domain/*: s.audit(...)), for the
// filter's choices; the server does the filtering.
const ACTIONS = [
  'addon.subscribe',
  'addon.unsubscribe',
  'certificate.create',
  'certificate.revoke',
  'invoice.issue',
  'invoice.status',
  'payment_method.create',
  'payment_method.delete',
  'payment_method.role',
  'plan_transition.decide',
  'plan_transition.initiate',
  'quota.create',
  'quota.delete',
  'quota.replace',
  'token.create',
  'token.revoke',
  'usage.late_window',
];

export function AuditLog() {
  const [action, setAction] = useState('');
  const [ns, setNs] = useState('');
  const [since, setSince] = useState('');
  const filter = useMemo(
    () => ({
      actions: action ? [action] : null,
      namespace: ns.trim() || null,
      from: since ? new Date(since).toISOString() : null,
    }),
    [action, ns, since],
  );
  const [res] = useQuery({ query: AuditDocument, variables: { filter } });
  return (
    <>
      <PageHeader title="Audit log" />
      <Card>
        <form class="filters" role="search" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="audit-action">Action</label>
            <select id="audit-action" value={action} onChange={(e) => setAction((e.target as HTMLSelectElement).value)}>
              <option value="">All actions</option>
              {ACTIONS.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="audit-ns">Namespace</label>
            <input id="audit-ns" value={ns} placeholder="any" onChange={(e) => setNs((e.target as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="audit-since">Since</label>
            <input id="audit-since" type="date" value={since} onChange={(e) => setSince((e.target as HTMLInputElement).value)} />
          </div>
        </form>
        <QueryState {...res}>
          {(d) => {
            const rows = (d.auditLog?.edges ?? []).map((e) => e.node);
            return rows.length === 0 ? (
              <Empty>No audit record matches.</Empty>
            ) : (
              <table class="table">
                <caption class="sr-only">Changes, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Action</th>
                    <th scope="col">Object</th>
                    <th scope="col" class="hide-narrow">
                      Namespace
                    </th>
                    <th scope="col" class="hide-narrow">
                      Actor
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.seq}>
                      <td>
                        <Time at={r.at} />
                      </td>
                      <td>
                        <code>{r.action}</code>
                      </td>
                      <td class="wrap">{r.object}</td>
                      <td class="hide-narrow">{r.namespace}</td>
                      <td class="hide-narrow wrap">{r.actor}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </QueryState>
      </Card>
    </>
  );
}

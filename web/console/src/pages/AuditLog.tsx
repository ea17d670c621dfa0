import { useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { graphql } from '../gql';
import { Card, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { Time } from '../components/format';

const AuditDocument = graphql(`
  query AuditLog {
    auditLog(first: 100) {
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
    }
  }
`);

export function AuditLog() {
  const [res] = useQuery({ query: AuditDocument });
  const [action, setAction] = useState('');
  const [ns, setNs] = useState('');
  return (
    <>
      <PageHeader title="Audit log" />
      <QueryState {...res}>
        {(d) => {
          const all = d.auditLog.edges.map((e) => e.node).reverse();
          const actions = [...new Set(all.map((r) => r.action))].sort();
          const rows = all.filter((r) => (!action || r.action === action) && (!ns || r.namespace.includes(ns)));
          return (
            <Card>
              <div class="filters">
                <div class="field">
                  <label for="audit-action">Action</label>
                  <select id="audit-action" value={action} onChange={(e) => setAction((e.target as HTMLSelectElement).value)}>
                    <option value="">All actions</option>
                    {actions.map((a) => (
                      <option key={a}>{a}</option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for="audit-ns">Namespace</label>
                  <input id="audit-ns" value={ns} onInput={(e) => setNs((e.target as HTMLInputElement).value)} />
                </div>
              </div>
              {rows.length === 0 ? (
                <Empty>No audit record matches.</Empty>
              ) : (
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Action</th>
                      <th scope="col">Object</th>
                      <th scope="col" class="hide-narrow">Namespace</th>
                      <th scope="col" class="hide-narrow">Actor</th>
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
                        <td>{r.object}</td>
                        <td class="hide-narrow">{r.namespace}</td>
                        <td class="hide-narrow">{r.actor}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
          );
        }}
      </QueryState>
    </>
  );
}

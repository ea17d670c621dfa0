import { useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { graphql } from '../gql';
import { Card, Link, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { QuotaBar } from '../components/QuotaBar';
import { ratio } from '../format';

const NamespacesDocument = graphql(`
  query Namespaces {
    namespaces(first: 100) {
      edges {
        node {
          name
          quotaUsage {
            objects {
              key
              displayName
              limit
              current
              tenantLimit
              tenantCurrent
            }
            resources {
              key
              displayName
              limit
              current
              tenantLimit
              tenantCurrent
            }
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

type Item = { key: string; displayName: string; limit?: string | null; current: string };

// busiest picks the keys nearest their limit: a table row shows a few bars,
// the namespace page shows them all.
export function busiest<T extends Item>(items: T[], n: number): T[] {
  return items
    .filter((i) => ratio(i.current, i.limit) !== null)
    .sort((a, b) => (ratio(b.current, b.limit) ?? 0) - (ratio(a.current, a.limit) ?? 0))
    .slice(0, n);
}

export function Namespaces() {
  const [res] = useQuery({ query: NamespacesDocument });
  const [search, setSearch] = useState('');
  return (
    <>
      <PageHeader title="Namespaces">
        <label class="search">
          <span class="sr-only">Search namespaces</span>
          <input type="search" placeholder="Search namespaces" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </label>
      </PageHeader>
      <QueryState {...res}>
        {(d) => {
          const rows = d.namespaces.edges.map((e) => e.node).filter((n) => n.name.includes(search.trim().toLowerCase()));
          return (
            <Card>
              {rows.length === 0 ? (
                <Empty>No namespace matches “{search}”.</Empty>
              ) : (
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Namespace</th>
                      <th scope="col">Busiest quotas</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((n) => {
                      const items = busiest([...n.quotaUsage.objects, ...n.quotaUsage.resources], 2);
                      return (
                        <tr key={n.name}>
                          <td>
                            <Link to={`/namespaces/${encodeURIComponent(n.name)}`}>{n.name}</Link>
                            {n.name === 'system' && <span class="muted small"> (tenant-wide)</span>}
                          </td>
                          <td class="bars">
                            {items.length === 0 ? (
                              <span class="muted">No limits</span>
                            ) : (
                              items.map((i) => <QuotaBar key={i.key} label={i.displayName || i.key} current={i.current} limit={i.limit} />)
                            )}
                          </td>
                        </tr>
                      );
                    })}
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

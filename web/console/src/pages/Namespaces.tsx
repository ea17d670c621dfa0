import { useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { graphql } from '../gql';
import type { QuotaItemFieldsFragment } from '../gql/graphql';
import { Card, Link, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { QuotaBar } from '../components/QuotaBar';
import { ratio } from '../format';
import { useViewer } from '../viewer';

const NamespacesDocument = graphql(`
  query Namespaces {
    namespaces(first: 100) {
      totalCount
      edges {
        node {
          name
          quotaUsage {
            objects {
              ...QuotaItemFields
            }
            resources {
              ...QuotaItemFields
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

type Item = { key: string; limit?: string | null; current: string };

// busiest picks the keys nearest their limit, at least one unit in use: a
// table row shows a few bars, the namespace page shows them all.
export function busiest<T extends Item>(items: T[], n: number, limit = (i: T) => i.limit, current = (i: T) => i.current): T[] {
  return items
    .filter((i) => ratio(current(i), limit(i)) !== null && Number(current(i)) > 0)
    .sort((a, b) => (ratio(current(b), limit(b)) ?? 0) - (ratio(current(a), limit(a)) ?? 0))
    .slice(0, n);
}

export function Namespaces() {
  const v = useViewer();
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
          const all = (d.namespaces?.edges ?? []).map((e) => e.node);
          const rows = all.filter((n) => n.name.includes(search.trim().toLowerCase()));
          const first = all[0]?.quotaUsage;
          const tenantItems: QuotaItemFieldsFragment[] = first ? [...first.objects, ...first.resources] : [];
          const tenantBusy = busiest(tenantItems, 4, (i) => i.tenantLimit, (i) => i.tenantCurrent);
          return (
            <>
              {!v.namespace && tenantBusy.length > 0 && (
                <Card title="Tenant-wide quotas (every namespace together)">
                  <div class="quota-grid">
                    {tenantBusy.map((i) => (
                      <QuotaBar key={i.key} label={i.displayName || i.key} current={i.tenantCurrent} limit={i.tenantLimit} source={i.tenantLimitSource} />
                    ))}
                  </div>
                </Card>
              )}
              <Card>
                {rows.length === 0 ? (
                  <Empty>{search ? `No namespace matches “${search}”.` : 'No namespace yet.'}</Empty>
                ) : (
                  <table class="table">
                    <caption class="sr-only">Namespaces and the quotas nearest their limit</caption>
                    <thead>
                      <tr>
                        <th scope="col">Namespace</th>
                        <th scope="col">Busiest quotas</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((n) => {
                        const items = n.quotaUsage ? busiest([...n.quotaUsage.objects, ...n.quotaUsage.resources], 2) : [];
                        return (
                          <tr key={n.name}>
                            <td>
                              <Link to={`/namespaces/${encodeURIComponent(n.name)}`}>{n.name}</Link>
                              {n.name === 'system' && <span class="muted small"> (tenant)</span>}
                            </td>
                            <td class="bars">
                              {items.length === 0 ? (
                                <span class="muted small">{n.quotaUsage ? 'Nothing in use' : 'Quota usage unavailable'}</span>
                              ) : (
                                items.map((i) => <QuotaBar key={i.key} label={i.displayName || i.key} current={i.current} limit={i.limit} source={i.limitSource} />)
                              )}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                )}
                {d.namespaces?.pageInfo.hasNextPage && <p class="muted small">Showing the first 100 of {d.namespaces.totalCount} namespaces.</p>}
              </Card>
            </>
          );
        }}
      </QueryState>
    </>
  );
}

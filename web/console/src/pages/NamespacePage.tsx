import { useQuery } from '@urql/preact';
import { useMemo, useState } from 'preact/hooks';
import { graphql } from '../gql';
import { Card, Link, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { QuotaBar } from '../components/QuotaBar';
import { UsageChart, type Series } from '../components/Chart';
import { Money } from '../components/format';
import { formatQuantity } from '../format';

const NamespaceDocument = graphql(`
  query NamespacePage($name: String!, $from: Time!) {
    namespace(name: $name) {
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
      usage(from: $from) {
        hourly {
          usageType
          quantity
          unitName
          start
        }
      }
      cost(from: $from) {
        totalCents
        currency
        lines {
          usageType
          quantity
          unitName
          amountCents
          currency
          fixed
        }
      }
    }
  }
`);

type Granularity = 'hour' | 'day';

export function NamespacePage({ name }: { name: string }) {
  const [gran, setGran] = useState<Granularity>('day');
  const from = useMemo(() => {
    const d = new Date();
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
  }, []);
  const [res] = useQuery({ query: NamespaceDocument, variables: { name, from } });
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link to="/namespaces">Namespaces</Link> / <span aria-current="page">{name}</span>
      </nav>
      <PageHeader title={name} />
      <QueryState {...res}>
        {(d) => {
          const ns = d.namespace;
          if (!ns) return <Empty>No namespace called {name}.</Empty>;
          const items = [...ns.quotaUsage.objects, ...ns.quotaUsage.resources];
          const step = gran === 'hour' ? 3600 : 86400;
          const buckets = new Map<number, Map<string, number>>();
          const types = new Set<string>();
          for (const h of ns.usage.hourly) {
            const t = Math.floor(Date.parse(h.start) / 1000 / step) * step;
            const m = buckets.get(t) ?? new Map<string, number>();
            m.set(h.usageType, (m.get(h.usageType) ?? 0) + Number(h.quantity));
            buckets.set(t, m);
            types.add(h.usageType);
          }
          const times = [...buckets.keys()].sort((a, b) => a - b);
          const series: Series[] = [...types].sort().map((u) => ({ label: u, values: times.map((t) => buckets.get(t)?.get(u) ?? null) }));
          return (
            <>
              <div class="grid-2">
                <Card title="Quotas">
                  {items.length === 0 ? (
                    <Empty>No quota keys.</Empty>
                  ) : (
                    items.map((i) => <QuotaBar key={i.key} label={i.displayName || i.key} current={i.current} limit={i.limit} />)
                  )}
                </Card>
                <Card title="Cost this month">
                  <p class="kpi-value">
                    <Money cents={ns.cost.totalCents} currency={ns.cost.currency} />
                  </p>
                  <table class="table compact">
                    <thead>
                      <tr>
                        <th scope="col">Usage type</th>
                        <th scope="col" class="num">Quantity</th>
                        <th scope="col" class="num">Amount</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ns.cost.lines.map((l, i) => (
                        <tr key={i}>
                          <td>{l.usageType}</td>
                          <td class="num">
                            {formatQuantity(l.quantity)} {l.unitName}
                          </td>
                          <td class="num">
                            <Money cents={l.amountCents} currency={l.currency} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </Card>
              </div>
              <Card title="Usage">
                <div class="segmented" role="group" aria-label="Granularity">
                  {(['hour', 'day'] as const).map((g) => (
                    <button type="button" key={g} aria-pressed={gran === g} onClick={() => setGran(g)}>
                      {g === 'hour' ? 'Hourly' : 'Daily'}
                    </button>
                  ))}
                </div>
                <UsageChart times={times} series={series} bars={gran === 'day'} summary={`${gran === 'hour' ? 'Hourly' : 'Daily'} usage of ${name} this month`} />
              </Card>
            </>
          );
        }}
      </QueryState>
    </>
  );
}

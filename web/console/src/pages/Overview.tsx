import { useQuery } from '@urql/preact';
import { useMemo } from 'preact/hooks';
import { graphql } from '../gql';
import { Card, Link, PageHeader } from '../components/Layout';
import { QueryState } from '../components/states';
import { Money } from '../components/format';
import { UsageChart, type Series } from '../components/Chart';
import { useViewer } from '../viewer';
import { formatMoney } from '../format';

const OverviewDocument = graphql(`
  query Overview($from: Time!) {
    invoices(first: 1) {
      edges {
        node {
          name
          status
          totalCents
          currency
          periodStart
          periodEnd
        }
      }
    }
    namespaces(first: 100) {
      edges {
        node {
          name
          cost(from: $from) {
            totalCents
            currency
          }
        }
      }
    }
    namespace(name: "system") {
      usage(from: $from) {
        hourly {
          usageType
          quantity
          start
        }
      }
    }
  }
`);

function monthStart(): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
}

export function Overview() {
  const v = useViewer();
  const from = useMemo(monthStart, []);
  const [res] = useQuery({ query: OverviewDocument, variables: { from } });
  return (
    <>
      <PageHeader title="Overview" />
      <QueryState {...res}>
        {(d) => {
          const running = d.invoices.edges[0]?.node;
          const top = [...d.namespaces.edges.map((e) => e.node)]
            .filter((n) => n.name !== 'system')
            .sort((a, b) => b.cost.totalCents - a.cost.totalCents)
            .slice(0, 5);
          const days = new Map<number, Map<string, number>>();
          const types = new Set<string>();
          for (const h of d.namespace?.usage.hourly ?? []) {
            const t = new Date(h.start);
            const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()) / 1000;
            const m = days.get(day) ?? new Map<string, number>();
            m.set(h.usageType, (m.get(h.usageType) ?? 0) + Number(h.quantity));
            days.set(day, m);
            types.add(h.usageType);
          }
          const times = [...days.keys()].sort((a, b) => a - b);
          const series: Series[] = [...types].sort().map((u) => ({ label: u, values: times.map((t) => days.get(t)?.get(u) ?? null) }));
          return (
            <>
              <div class="kpis">
                <Card title="Month to date" class="kpi">
                  <p class="kpi-value" data-testid="mtd">
                    <Money cents={running?.totalCents ?? 0} currency={running?.currency} />
                  </p>
                  <p class="muted">{running ? <Link to={`/invoices/${encodeURIComponent(running.name)}`}>Running invoice {running.name}</Link> : 'No running invoice'}</p>
                </Card>
                <Card title="Namespaces" class="kpi">
                  <p class="kpi-value num">{d.namespaces.edges.length}</p>
                  <p class="muted">
                    <Link to="/namespaces">See all</Link>
                  </p>
                </Card>
              </div>
              <Card title="Daily usage by usage type">
                <UsageChart
                  times={times}
                  series={series}
                  bars
                  summary={`Daily usage this month for ${series.map((s) => s.label).join(', ') || 'no usage type'}`}
                />
              </Card>
              <Card title="Top namespaces by cost this month">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Namespace</th>
                      <th scope="col" class="num">Cost</th>
                    </tr>
                  </thead>
                  <tbody>
                    {top.map((n) => (
                      <tr key={n.name}>
                        <td>
                          <Link to={`/namespaces/${encodeURIComponent(n.name)}`}>{n.name}</Link>
                        </td>
                        <td class="num">{formatMoney(n.cost.totalCents, n.cost.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
              {v.role === '' && null}
            </>
          );
        }}
      </QueryState>
    </>
  );
}

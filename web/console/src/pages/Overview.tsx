import { useQuery } from '@urql/preact';
import { useMemo } from 'preact/hooks';
import { graphql } from '../gql';
import { Card, Link, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { Money, Time } from '../components/format';
import { UsageChart } from '../components/Chart';
import { UsageCharts } from '../components/UsageCharts';
import { useViewer } from '../viewer';
import { formatMoney, formatMoneyCompact } from '../format';
import { browserTimeZone, byUsageType, lastDays, monthStart } from '../series';

const OverviewDocument = graphql(`
  query Overview(
    $ns: String!
    $from: Time!
    $to: Time!
    $tz: String!
    $month: Time!
    $costFilter: CostFilter
    $tenantWide: Boolean!
  ) {
    forecast(namespace: $ns) {
      asOf
      to
      toDateCents
      projectedCents
      currency
    }
    invoices(first: 1) @include(if: $tenantWide) {
      edges {
        node {
          name
          status
          totalCents
          currency
        }
      }
    }
    usageSeries(from: $from, to: $to, granularity: DAY, groupBy: [USAGE_TYPE], timeZone: $tz) {
      buckets {
        from
        points {
          usageType
          usageTypeName
          unit
          quantity
        }
      }
    }
    costSeries(from: $from, to: $to, granularity: DAY, timeZone: $tz, filter: $costFilter) {
      currency
      buckets {
        from
        totalCents
      }
    }
    namespaces(first: 100) {
      totalCount
      edges {
        node {
          name
          cost(from: $month) {
            totalCents
            currency
          }
        }
      }
    }
  }
`);

const DAYS = 30;

export function Overview() {
  const v = useViewer();
  const vars = useMemo(() => {
    const w = lastDays(DAYS);
    return {
      ns: v.namespace ?? 'system',
      from: w.from,
      to: w.to,
      tz: browserTimeZone(),
      month: monthStart(),
      costFilter: v.namespace ? { namespaces: [v.namespace] } : null,
      tenantWide: v.tenantWide,
    };
  }, [v.namespace, v.tenantWide]);
  const [res] = useQuery({ query: OverviewDocument, variables: vars });
  const range: [number, number] = [Date.parse(vars.from) / 1000, Date.parse(vars.to) / 1000 - 86400];
  return (
    <>
      <PageHeader title="Overview">{v.namespace && <span class="muted">Namespace {v.namespace}</span>}</PageHeader>
      <QueryState {...res}>
        {(d) => {
          const running = d.invoices?.edges[0]?.node;
          const f = d.forecast;
          const currency = running?.currency ?? f?.currency ?? 'USD';
          const top = (d.namespaces?.edges ?? [])
            .map((e) => e.node)
            .filter((n) => n.name !== 'system' && n.cost)
            .sort((a, b) => (b.cost?.totalCents ?? 0) - (a.cost?.totalCents ?? 0))
            .slice(0, 5);
          const maxCost = Math.max(1, ...top.map((n) => n.cost?.totalCents ?? 0));
          const usage = byUsageType(d.usageSeries?.buckets ?? []);
          const costs = d.costSeries?.buckets ?? [];
          return (
            <>
              <div class="kpis">
                <Card title="Month to date" class="kpi">
                  <p class="kpi-value" data-testid="mtd">
                    <Money cents={running ? running.totalCents : f?.toDateCents} currency={currency} />
                  </p>
                  <p class="muted small">
                    {running ? (
                      <Link to={`/invoices/${encodeURIComponent(running.name)}`}>Running invoice {running.name}</Link>
                    ) : (
                      'Cost so far this month'
                    )}
                  </p>
                </Card>
                <Card title="Forecast to month end" class="kpi">
                  <p class="kpi-value" data-testid="forecast">
                    <Money cents={f?.projectedCents} currency={f?.currency ?? currency} />
                  </p>
                  <p class="muted small">
                    {f ? (
                      <>
                        Usage so far extrapolated to <Time at={f.to} dateOnly />
                      </>
                    ) : (
                      'No forecast'
                    )}
                  </p>
                </Card>
                <Card title="Namespaces" class="kpi">
                  <p class="kpi-value num">{d.namespaces?.totalCount ?? '—'}</p>
                  <p class="muted small">
                    <Link to="/namespaces">Quotas and usage per namespace</Link>
                  </p>
                </Card>
              </div>
              <Card title={`Daily cost, last ${DAYS} days`}>
                {costs.length === 0 ? (
                  <Empty>No cost in this period.</Empty>
                ) : (
                  <UsageChart
                    times={costs.map((b) => Date.parse(b.from) / 1000)}
                    series={[{ label: 'Cost', values: costs.map((b) => b.totalCents / 100) }]}
                    bars
                    height={220}
                    range={range}
                    valueFormat={(x) => formatMoneyCompact(x, d.costSeries?.currency)}
                    legend={false}
                    summary={`Daily cost over the last ${DAYS} days, ${formatMoney(
                      costs.reduce((a, b) => a + b.totalCents, 0),
                      d.costSeries?.currency,
                    )} in all`}
                  />
                )}
              </Card>
              <Card title={`Daily usage by usage type, last ${DAYS} days`}>
                <UsageCharts series={usage} range={range} period={`the last ${DAYS} days`} />
              </Card>
              {!v.namespace && (
                <Card title="Top namespaces by cost this month">
                  {top.length === 0 ? (
                    <Empty>No namespace has a cost this month.</Empty>
                  ) : (
                    <table class="table">
                      <thead>
                        <tr>
                          <th scope="col">Namespace</th>
                          <th scope="col" class="hide-narrow">
                            <span class="sr-only">Share</span>
                          </th>
                          <th scope="col" class="num">
                            Cost
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {top.map((n) => (
                          <tr key={n.name}>
                            <td>
                              <Link to={`/namespaces/${encodeURIComponent(n.name)}`}>{n.name}</Link>
                            </td>
                            <td class="hide-narrow share">
                              <div class="share-bar" style={{ width: `${(((n.cost?.totalCents ?? 0) / maxCost) * 100).toFixed(1)}%` }} />
                            </td>
                            <td class="num">{formatMoney(n.cost?.totalCents, n.cost?.currency)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </Card>
              )}
            </>
          );
        }}
      </QueryState>
    </>
  );
}

import { useQuery } from '@urql/preact';
import { useMemo, useState } from 'preact/hooks';
import { graphql } from '../gql';
import { Card, Link, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { QuotaBar } from '../components/QuotaBar';
import { UsageCharts } from '../components/UsageCharts';
import { Money } from '../components/format';
import { formatQuantity, ratio } from '../format';
import { browserTimeZone, byUsageType, lastDays, lastHours, monthStart } from '../series';

const NamespaceDocument = graphql(`
  query NamespacePage($name: String!, $from: Time!, $to: Time!, $granularity: Granularity!, $tz: String!, $month: Time!) {
    namespace(name: $name) {
      name
      quotaUsage {
        objects {
          ...QuotaItemFields
        }
        resources {
          ...QuotaItemFields
        }
      }
      cost(from: $month) {
        totalCents
        currency
        lines {
          description
          usageType
          usageTypeName
          quantity
          unit
          billableQuantity
          billableUnit
          amountCents
          currency
        }
      }
    }
    usageSeries(from: $from, to: $to, granularity: $granularity, groupBy: [USAGE_TYPE], filter: { namespaces: [$name] }, timeZone: $tz) {
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
  }
`);

type Granularity = 'HOUR' | 'DAY';

export function NamespacePage({ name }: { name: string }) {
  const [gran, setGran] = useState<Granularity>('DAY');
  const vars = useMemo(() => {
    const w = gran === 'HOUR' ? lastHours(48) : lastDays(30);
    return { name, from: w.from, to: w.to, granularity: gran, tz: browserTimeZone(), month: monthStart() };
  }, [name, gran]);
  const [res] = useQuery({ query: NamespaceDocument, variables: vars });
  const step = gran === 'HOUR' ? 3600 : 86400;
  const range: [number, number] = [Date.parse(vars.from) / 1000, Date.parse(vars.to) / 1000 - step];
  const period = gran === 'HOUR' ? 'the last 48 hours' : 'the last 30 days';
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link to="/namespaces">Namespaces</Link> / <span aria-current="page">{name}</span>
      </nav>
      <PageHeader title={name} />
      <QueryState {...res}>
        {(d) => {
          const ns = d.namespace;
          if (!ns) return <Empty>The tenant has never used a namespace called {name}.</Empty>;
          const items = ns.quotaUsage ? [...ns.quotaUsage.objects, ...ns.quotaUsage.resources] : [];
          // keys in use first, then the rest by name
          items.sort((a, b) => (ratio(b.current, b.limit) ?? -1) - (ratio(a.current, a.limit) ?? -1) || a.displayName.localeCompare(b.displayName));
          return (
            <>
              <div class="grid-2">
                <Card title="Quotas">
                  {items.length === 0 ? (
                    <Empty>No quota keys.</Empty>
                  ) : (
                    items.map((i) => <QuotaBar key={i.key} label={i.displayName || i.key} current={i.current} limit={i.limit} source={i.limitSource} />)
                  )}
                </Card>
                <Card title="Cost this month">
                  {ns.cost ? (
                    <>
                      <p class="kpi-value">
                        <Money cents={ns.cost.totalCents} currency={ns.cost.currency} />
                      </p>
                      <table class="table compact">
                        <thead>
                          <tr>
                            <th scope="col">Usage type</th>
                            <th scope="col" class="num">
                              Quantity
                            </th>
                            <th scope="col" class="num">
                              Amount
                            </th>
                          </tr>
                        </thead>
                        <tbody>
                          {ns.cost.lines.map((l, i) => (
                            <tr key={i}>
                              <td>{l.usageTypeName ?? l.description}</td>
                              <td class="num">
                                {l.billableUnit ? `${formatQuantity(l.billableQuantity)} ${l.billableUnit}` : `${formatQuantity(l.quantity)} ${l.unit}`}
                              </td>
                              <td class="num">
                                <Money cents={l.amountCents} currency={l.currency} />
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </>
                  ) : (
                    <Empty>Cost unavailable.</Empty>
                  )}
                </Card>
              </div>
              <Card title="Usage">
                <div class="segmented" role="group" aria-label="Granularity">
                  {(['HOUR', 'DAY'] as const).map((g) => (
                    <button type="button" key={g} aria-pressed={gran === g} onClick={() => setGran(g)}>
                      {g === 'HOUR' ? 'Hourly, 48 h' : 'Daily, 30 days'}
                    </button>
                  ))}
                </div>
                <UsageCharts series={byUsageType(d.usageSeries?.buckets ?? [])} range={range} period={period} />
              </Card>
            </>
          );
        }}
      </QueryState>
    </>
  );
}

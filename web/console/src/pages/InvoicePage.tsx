import { useQuery } from '@urql/preact';
import { graphql } from '../gql';
import { Card, Link, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { Badge, Money, Time } from '../components/format';
import { PdfButton } from '../components/PdfButton';
import { formatPrice, formatQuantity, humanize } from '../format';

const InvoiceDocument = graphql(`
  query InvoicePage {
    invoices(first: 100) {
      edges {
        node {
          name
          number
          status
          period
          periodStart
          periodEnd
          plan
          issuedAt
          dueAt
          totalCents
          subtotalCents
          taxCents
          taxName
          currency
          lines {
            kind
            description
            usageType
            quantity
            unit
            billableQuantity
            billableUnit
            unitPrice
            amountCents
          }
        }
      }
    }
  }
`);

export function InvoicePage({ name }: { name: string }) {
  const [res] = useQuery({ query: InvoiceDocument });
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link to="/invoices">Invoices</Link> / <span aria-current="page">{name}</span>
      </nav>
      <QueryState {...res}>
        {(d) => {
          const inv = d.invoices.edges.map((e) => e.node).find((i) => i.name === name);
          if (!inv) return <Empty>No invoice called {name}.</Empty>;
          return (
            <>
              <PageHeader title={`Invoice ${inv.name}`}>
                <Badge value={inv.status} />
                <PdfButton name={inv.name} />
              </PageHeader>
              <div class="kpis">
                <Card title="Total" class="kpi">
                  <p class="kpi-value">
                    <Money cents={inv.totalCents} currency={inv.currency} />
                  </p>
                  <p class="muted">
                    Subtotal <Money cents={inv.subtotalCents} currency={inv.currency} />
                    {inv.taxCents > 0 && (
                      <>
                        {' '}
                        · {inv.taxName || 'Tax'} <Money cents={inv.taxCents} currency={inv.currency} />
                      </>
                    )}
                  </p>
                </Card>
                <Card title="Period" class="kpi">
                  <p>
                    <Time at={inv.periodStart} dateOnly /> – <Time at={inv.periodEnd} dateOnly />
                  </p>
                  <p class="muted">Plan {inv.plan}</p>
                </Card>
                <Card title="Dates" class="kpi">
                  <p>
                    Issued <Time at={inv.issuedAt} />
                  </p>
                  <p>
                    Due <Time at={inv.dueAt} />
                  </p>
                </Card>
              </div>
              <Card title="Lines">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Description</th>
                      <th scope="col" class="hide-narrow">Kind</th>
                      <th scope="col" class="num">Quantity</th>
                      <th scope="col" class="num hide-narrow">Unit price</th>
                      <th scope="col" class="num">Amount</th>
                    </tr>
                  </thead>
                  <tbody>
                    {inv.lines.map((l, i) => (
                      <tr key={i}>
                        <td>{l.description}</td>
                        <td class="hide-narrow">{humanize(l.kind)}</td>
                        <td class="num">
                          {formatQuantity(l.billableQuantity)} {l.billableUnit}
                        </td>
                        <td class="num hide-narrow">{formatPrice(l.unitPrice, inv.currency)}</td>
                        <td class="num">
                          <Money cents={l.amountCents} currency={inv.currency} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
            </>
          );
        }}
      </QueryState>
    </>
  );
}

import { useQuery } from '@urql/preact';
import { graphql } from '../gql';
import { Card, Link, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { Badge, Money, Time } from '../components/format';
import { PdfButton } from '../components/PdfButton';
import { formatPrice, formatQuantity, humanize } from '../format';

const InvoiceDocument = graphql(`
  query InvoicePage($name: String!) {
    invoice(name: $name) {
      name
      number
      status
      from
      to
      plan
      issuedAt
      dueAt
      totalCents
      subtotalCents
      taxCents
      taxName
      taxNote
      currency
      pdfUrl
      lines {
        kind
        description
        quantity
        unit
        billableQuantity
        billableUnit
        unitPrice
        amountCents
      }
      statusHistory {
        at
        actor
        from
        to
      }
    }
  }
`);

export function InvoicePage({ name }: { name: string }) {
  const [res] = useQuery({ query: InvoiceDocument, variables: { name } });
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link to="/invoices">Invoices</Link> / <span aria-current="page">{name}</span>
      </nav>
      <QueryState {...res}>
        {(d) => {
          const inv = d.invoice;
          if (!inv) return <Empty>No invoice called {name}.</Empty>;
          return (
            <>
              <PageHeader title={`Invoice ${inv.name}`}>
                <Badge value={inv.status} />
                <PdfButton name={inv.name} url={inv.pdfUrl} />
              </PageHeader>
              <div class="kpis">
                <Card title="Total" class="kpi">
                  <p class="kpi-value">
                    <Money cents={inv.totalCents} currency={inv.currency} />
                  </p>
                  <p class="muted small">
                    Subtotal <Money cents={inv.subtotalCents} currency={inv.currency} />
                    {' · '}
                    {inv.taxName ?? 'Tax'} <Money cents={inv.taxCents} currency={inv.currency} />
                  </p>
                </Card>
                <Card title="Period" class="kpi">
                  <p>
                    <Time at={inv.from} dateOnly /> – <Time at={inv.to} dateOnly />
                  </p>
                  <p class="muted small">Plan {inv.plan}</p>
                </Card>
                <Card title="Dates" class="kpi">
                  <p>
                    Issued <Time at={inv.issuedAt} />
                  </p>
                  <p class="muted small">
                    Due <Time at={inv.dueAt} />
                  </p>
                </Card>
              </div>
              <Card title="Lines">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Description</th>
                      <th scope="col" class="hide-narrow">
                        Kind
                      </th>
                      <th scope="col" class="num">
                        Quantity
                      </th>
                      <th scope="col" class="num hide-narrow">
                        Unit price
                      </th>
                      <th scope="col" class="num">
                        Amount
                      </th>
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
                {inv.taxNote && <p class="muted small">{inv.taxNote}</p>}
              </Card>
              <Card title="Status history">
                {!inv.statusHistory || inv.statusHistory.length === 0 ? (
                  <Empty>No status change yet: the invoice is still running.</Empty>
                ) : (
                  <ol class="timeline" data-testid="status-history">
                    {inv.statusHistory.map((h, i) => (
                      <li key={i}>
                        <Time at={h.at} />
                        <span>
                          <Badge value={h.from} /> → <Badge value={h.to} />
                        </span>
                        <span class="muted small">by {h.actor}</span>
                      </li>
                    ))}
                  </ol>
                )}
              </Card>
            </>
          );
        }}
      </QueryState>
    </>
  );
}

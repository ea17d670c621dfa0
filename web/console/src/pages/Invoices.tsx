import { useQuery } from '@urql/preact';
import { graphql } from '../gql';
import { Card, Link, PageHeader } from '../components/Layout';
import { Empty, QueryState } from '../components/states';
import { Badge, Money, Time } from '../components/format';
import { PdfButton } from '../components/PdfButton';

const InvoicesDocument = graphql(`
  query Invoices {
    invoices(first: 50) {
      edges {
        node {
          name
          status
          from
          to
          issuedAt
          dueAt
          totalCents
          currency
          pdfUrl
          lines {
            kind
          }
        }
      }
    }
  }
`);

export function Invoices() {
  const [res] = useQuery({ query: InvoicesDocument });
  return (
    <>
      <PageHeader title="Invoices" />
      <QueryState {...res}>
        {(d) =>
          !d.invoices || d.invoices.edges.length === 0 ? (
            <Empty>No invoices yet.</Empty>
          ) : (
            <Card>
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Invoice</th>
                    <th scope="col">Period</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num hide-narrow">
                      Lines
                    </th>
                    <th scope="col" class="hide-narrow">
                      Due
                    </th>
                    <th scope="col" class="num">
                      Total
                    </th>
                    <th scope="col">
                      <span class="sr-only">Document</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {d.invoices.edges.map(({ node: inv }) => (
                    <tr key={inv.name}>
                      <td>
                        <Link to={`/invoices/${encodeURIComponent(inv.name)}`}>{inv.name}</Link>
                      </td>
                      <td>
                        <Time at={inv.from} dateOnly /> – <Time at={inv.to} dateOnly />
                      </td>
                      <td>
                        <Badge value={inv.status} />
                      </td>
                      <td class="num hide-narrow">{inv.lines.length}</td>
                      <td class="hide-narrow">
                        <Time at={inv.dueAt} dateOnly />
                      </td>
                      <td class="num">
                        <Money cents={inv.totalCents} currency={inv.currency} />
                      </td>
                      <td class="right">
                        <PdfButton name={inv.name} url={inv.pdfUrl} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )
        }
      </QueryState>
    </>
  );
}

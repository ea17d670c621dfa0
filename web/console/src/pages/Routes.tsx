import { usePath } from '../router';
import { Overview } from './Overview';
import { Namespaces } from './Namespaces';
import { NamespacePage } from './NamespacePage';
import { Invoices } from './Invoices';
import { InvoicePage } from './InvoicePage';
import { PlanPage } from './Plan';
import { PaymentMethods } from './PaymentMethods';
import { AuditLog } from './AuditLog';
import { PageHeader } from '../components/Layout';

export function Routes() {
  const path = usePath();
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (seg[0]) {
    case undefined:
      return <Overview />;
    case 'namespaces':
      return seg[1] ? <NamespacePage name={seg[1]} /> : <Namespaces />;
    case 'invoices':
      return seg[1] ? <InvoicePage name={seg[1]} /> : <Invoices />;
    case 'plan':
      return <PlanPage />;
    case 'payment-methods':
      return <PaymentMethods />;
    case 'audit':
      return <AuditLog />;
    default:
      return (
        <PageHeader title="Not found">
          <span class="muted">No console page at {path}.</span>
        </PageHeader>
      );
  }
}

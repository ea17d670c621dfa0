import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

// Viewer is who the token is, from the API's `viewer` query: the console
// hides what the credential may not do (the server refuses it anyway;
// hiding only spares the user a refusal).
export type Viewer = {
  tenant: string;
  role: string; // ADMIN | EDITOR | VIEWER, or OPERATOR for an operator token
  namespace: string | null; // the one namespace a bound token may use
  canWrite: boolean; // quota objects and reservations
  canAdmin: boolean; // billing: plan, add-ons, payment methods
  canAudit: boolean; // the audit log
  tenantWide: boolean; // tenant-wide data: plan, invoices, payment methods
};

export const ViewerContext = createContext<Viewer | null>(null);

export function useViewer(): Viewer {
  const v = useContext(ViewerContext);
  if (!v) throw new Error('useViewer outside a signed-in console');
  return v;
}

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

// Viewer is who the token is: the console hides what it may not do (the
// server refuses it anyway; hiding only spares the user a refusal).
export type Viewer = {
  tenant: string;
  role: string; // ADMIN | EDITOR | VIEWER | OPERATOR
  namespace: string | null; // the one namespace a bound token may use
  canWrite: boolean;
  canAdmin: boolean;
  tenantWide: boolean; // may read tenant-wide data (plan, invoices, payment methods)
};

export const ViewerContext = createContext<Viewer | null>(null);

export function useViewer(): Viewer {
  const v = useContext(ViewerContext);
  if (!v) throw new Error('useViewer outside a signed-in console');
  return v;
}

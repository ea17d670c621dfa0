import { useState } from 'preact/hooks';
import { downloadInvoicePDF } from '../pdf';

export function PdfButton({ name, url }: { name: string; url?: string | null }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  return (
    <span class="pdf">
      <button
        type="button"
        class="btn btn-secondary"
        disabled={busy}
        aria-label={`Download PDF of ${name}`}
        onClick={async () => {
          setBusy(true);
          setErr('');
          try {
            await downloadInvoicePDF(name, url);
          } catch (e) {
            setErr(`PDF download failed: ${(e as Error).message}`);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Downloading…' : 'Download PDF'}
      </button>
      {err && (
        <span class="field-error" role="alert">
          {err}
        </span>
      )}
    </span>
  );
}

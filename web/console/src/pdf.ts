import { loadToken } from './auth';

// downloadInvoicePDF fetches the invoice document from billingd's invoice
// PDF route (the legacy DownloadInvoicePdf answer: {"pdf": "<base64>"})
// with the signed-in token and saves it as a file.
export async function downloadInvoicePDF(name: string, url?: string | null): Promise<void> {
  const target = url || `/api/web/namespaces/system/usage/invoice_pdf?name=${encodeURIComponent(name)}`;
  const resp = await fetch(target, { headers: { Authorization: `APIToken ${loadToken() ?? ''}` }, credentials: 'omit' });
  if (!resp.ok) {
    let msg = `${resp.status} ${resp.statusText}`;
    try {
      const body = (await resp.json()) as { message?: string };
      if (body.message) msg = body.message;
    } catch {
      // not JSON
    }
    throw new Error(msg);
  }
  let blob: Blob;
  if ((resp.headers.get('Content-Type') ?? '').includes('application/pdf')) {
    blob = await resp.blob();
  } else {
    const body = (await resp.json()) as { pdf?: string };
    const bin = atob(body.pdf ?? '');
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    blob = new Blob([bytes], { type: 'application/pdf' });
  }
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = `${name}.pdf`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

// Display formatting: the browser's locale and time zone, money from exact
// integer cents (never a float on the way: Intl formats the decimal string).

export function centsToDecimal(cents: number | string): string {
  const s = String(cents);
  const neg = s.startsWith('-');
  const digits = (neg ? s.slice(1) : s).padStart(3, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

export function formatMoney(cents: number | string | null | undefined, currency = 'USD', locale?: string): string {
  if (cents === null || cents === undefined) return '—';
  const f = new Intl.NumberFormat(locale, { style: 'currency', currency: currency || 'USD' });
  return f.format(centsToDecimal(cents) as unknown as number);
}

export function formatQuantity(q: string | number | null | undefined, locale?: string): string {
  if (q === null || q === undefined || q === '') return '—';
  const f = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
  return f.format(String(q) as unknown as number);
}

export function formatCompact(q: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(q);
}

export function formatTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatDate(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(d);
}

export function utcTitle(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('.000Z', 'Z') + ' (UTC)';
}

// ratio is current/limit in [0, ∞), or null when there is no limit.
export function ratio(current: string | number, limit: string | number | null | undefined): number | null {
  if (limit === null || limit === undefined) return null;
  const l = Number(limit);
  if (!(l >= 0)) return null; // -1: unlimited
  const c = Number(current);
  if (l === 0) return c > 0 ? Infinity : 0;
  return c / l;
}

export function percent(r: number | null, locale?: string): string {
  if (r === null) return 'unlimited';
  if (!Number.isFinite(r)) return 'over limit';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(r);
}

// humanize turns enum names like STATUS_WAITING_FOR_APPROVAL into "Waiting for approval".
export function humanize(v: string | null | undefined): string {
  if (!v) return '—';
  const s = v.replace(/^(STATUS|STATE|ROLE|KIND)_/, '').replace(/_/g, ' ').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// formatPrice formats a unit price given in currency units (a decimal
// string such as "0.045"), keeping its precision.
export function formatPrice(price: string | null | undefined, currency = 'USD', locale?: string): string {
  if (price === null || price === undefined || price === '') return '—';
  const decimals = (price.split('.')[1] ?? '').length;
  const f = new Intl.NumberFormat(locale, { style: 'currency', currency: currency || 'USD', maximumFractionDigits: Math.max(2, Math.min(decimals, 6)) });
  return f.format(price as unknown as number);
}

// periodUnit turns "month", "PERIOD_MONTH" or "MONTH" into "month".
export function periodUnit(u: string | null | undefined): string {
  return (u ?? '').replace(/^(PERIOD|RENEWAL_PERIOD)_/i, '').toLowerCase() || 'month';
}

// formatMoneyCompact is for chart axes: "$1.2K", "$300".
export function formatMoneyCompact(units: number, currency = 'USD', locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: currency || 'USD', notation: 'compact', maximumFractionDigits: 1 }).format(units);
}

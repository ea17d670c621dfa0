import { formatMoney, formatTime, formatDate, utcTitle, humanize } from '../format';

export function Money({ cents, currency }: { cents: number | string | null | undefined; currency?: string }) {
  return <span class="num">{formatMoney(cents, currency)}</span>;
}

// Time shows the instant in the browser's zone, with UTC on hover.
export function Time({ at, dateOnly = false }: { at: string | null | undefined; dateOnly?: boolean }) {
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at} title={utcTitle(at)}>
      {dateOnly ? formatDate(at) : formatTime(at)}
    </time>
  );
}

const TONES: Record<string, string> = {
  PENDING: 'info',
  ISSUED: 'warn',
  OVERDUE: 'bad',
  PAID: 'good',
  VOID: 'muted',
  CANCELLED: 'muted',
  REFUNDED: 'info',
  CREATING: 'info',
  INCLUDED: 'good',
  SUBSCRIBED: 'info',
  FINISHED: 'good',
  FAILED: 'bad',
  WAITING_FOR_APPROVAL: 'warn',
  REJECTED: 'bad',
  PRIMARY: 'good',
  SECONDARY: 'info',
  NORMAL: 'muted',
  ADMIN: 'good',
  EDITOR: 'info',
  VIEWER: 'muted',
};

export function Badge({ value }: { value: string | null | undefined }) {
  const key = (value ?? '').replace(/^(STATUS|STATE|ROLE|KIND)_/, '').toUpperCase();
  return <span class={`badge badge-${TONES[key] ?? 'muted'}`}>{humanize(value)}</span>;
}

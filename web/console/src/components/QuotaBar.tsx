import { formatQuantity, percent, ratio } from '../format';

// SOURCES names the layer an effective limit comes from.
const SOURCES: Record<string, string> = {
  PLAN: 'the plan',
  SYSTEM: 'the tenant’s quota (system)',
  NAMESPACE: 'the namespace’s quota',
};

export type QuotaBarProps = {
  label: string;
  current: string;
  limit: string | null | undefined;
  source?: string | null;
};

// QuotaBar is one utilisation bar: a native <meter> (so assistive technology
// reads the value), the figures, and the layer the limit comes from.
export function QuotaBar({ label, current, limit, source }: QuotaBarProps) {
  const r = ratio(current, limit);
  const tone = r === null ? 'none' : r >= 1 ? 'bad' : r >= 0.8 ? 'warn' : 'good';
  const unlimited = r === null;
  const shown = unlimited ? 0 : Math.min(r, 1);
  return (
    <div class={`quota quota-${tone}`} data-testid="quota-bar">
      <div class="quota-head">
        <span class="quota-label">{label}</span>
        <span class="quota-figures num">
          {formatQuantity(current)} / {unlimited ? '∞' : formatQuantity(limit)}
          <span class="quota-pct"> · {percent(r)}</span>
        </span>
      </div>
      <div class="quota-track" aria-hidden="true">
        <div class="quota-fill" style={{ width: `${(shown * 100).toFixed(1)}%` }} />
      </div>
      <meter
        class="sr-only"
        min={0}
        max={1}
        low={0.8}
        high={0.99}
        optimum={0}
        value={shown}
        aria-label={`${label}: ${formatQuantity(current)} of ${unlimited ? 'unlimited' : formatQuantity(limit)}`}
      />
      {source && <span class="quota-source">limit from {SOURCES[source] ?? source.toLowerCase()}</span>}
    </div>
  );
}

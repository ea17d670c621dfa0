// Helpers turning usageSeries/costSeries buckets into chart series.

export type Point = { usageType: string; usageTypeName: string; unit: string; quantity: string; namespace?: string | null };
export type Bucket = { from: string; points: Point[] };

// UNIT_SCALE shows bytes as GB (the rate cards bill data by the GB).
const UNIT_SCALE: Record<string, [string, number]> = { byte: ['GB', 1e9] };

export type TypeSeries = { usageType: string; name: string; unit: string; times: number[]; values: (number | null)[]; total: number };

// byUsageType gives one series per usage type (each has its own unit, so
// each gets its own chart), over the buckets' start times.
export function byUsageType(buckets: Bucket[]): TypeSeries[] {
  const times = buckets.map((b) => Date.parse(b.from) / 1000);
  const out = new Map<string, TypeSeries>();
  buckets.forEach((b, i) => {
    for (const p of b.points) {
      let s = out.get(p.usageType);
      if (!s) {
        s = { usageType: p.usageType, name: p.usageTypeName || p.usageType, unit: UNIT_SCALE[p.unit]?.[0] ?? p.unit, times, values: times.map(() => null), total: 0 };
        out.set(p.usageType, s);
      }
      const q = Number(p.quantity) / (UNIT_SCALE[p.unit]?.[1] ?? 1);
      s.values[i] = (s.values[i] ?? 0) + q;
      s.total += q;
    }
  });
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// window returns [from, to) of the last `days` whole days up to the next
// midnight in the browser's zone, as RFC 3339 instants.
export function lastDays(days: number, now = new Date()): { from: string; to: string } {
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  const start = new Date(end.getFullYear(), end.getMonth(), end.getDate() - days);
  return { from: start.toISOString(), to: end.toISOString() };
}

export function lastHours(hours: number, now = new Date()): { from: string; to: string } {
  const end = new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000);
  return { from: new Date(end.getTime() - hours * 3_600_000).toISOString(), to: end.toISOString() };
}

// monthStart is the first instant of the current UTC month (billing months are UTC).
export function monthStart(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

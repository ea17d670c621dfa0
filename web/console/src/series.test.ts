import { describe, expect, it } from 'vitest';
import { byUsageType, lastDays, lastHours, monthStart } from './series';

describe('byUsageType', () => {
  it('gives one series per usage type over every bucket, gaps as null', () => {
    const s = byUsageType([
      { from: '2026-11-01T00:00:00Z', points: [{ usageType: 'http_requests', usageTypeName: 'HTTP requests', unit: 'request', quantity: '1000' }] },
      {
        from: '2026-11-02T00:00:00Z',
        points: [
          { usageType: 'http_requests', usageTypeName: 'HTTP requests', unit: 'request', quantity: '500.5' },
          { usageType: 'vcpu_hours', usageTypeName: 'vCPU hours', unit: 'hour', quantity: '3' },
        ],
      },
    ]);
    expect(s.map((x) => x.name)).toEqual(['HTTP requests', 'vCPU hours']);
    expect(s[0].times).toEqual([Date.UTC(2026, 10, 1) / 1000, Date.UTC(2026, 10, 2) / 1000]);
    expect(s[0].values).toEqual([1000, 500.5]);
    expect(s[0].total).toBe(1500.5);
    expect(s[1].values).toEqual([null, 3]);
    expect(s[1].unit).toBe('hour');
  });
});

describe('windows', () => {
  it('cover whole days and hours up to now', () => {
    const now = new Date('2026-12-01T05:30:00Z');
    const d = lastDays(30, now);
    expect((Date.parse(d.to) - Date.parse(d.from)) / 86_400_000).toBeCloseTo(30, 0);
    expect(Date.parse(d.to)).toBeGreaterThan(now.getTime());
    const h = lastHours(48, now);
    expect(h.to).toBe('2026-12-01T06:00:00.000Z');
    expect(h.from).toBe('2026-11-29T06:00:00.000Z');
    expect(monthStart(now)).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('units', () => {
  it('shows bytes as GB', () => {
    const s = byUsageType([{ from: '2026-11-01T00:00:00Z', points: [{ usageType: 'data_transfer', usageTypeName: 'Data', unit: 'byte', quantity: '2500000000' }] }]);
    expect(s[0].unit).toBe('GB');
    expect(s[0].values).toEqual([2.5]);
  });
});

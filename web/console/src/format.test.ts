import { describe, expect, it } from 'vitest';
import { centsToDecimal, formatMoney, formatPrice, humanize, percent, periodUnit, ratio, utcTitle } from './format';

describe('money', () => {
  it('turns cents into an exact decimal string', () => {
    expect(centsToDecimal(0)).toBe('0.00');
    expect(centsToDecimal(5)).toBe('0.05');
    expect(centsToDecimal(9950)).toBe('99.50');
    expect(centsToDecimal(-120)).toBe('-1.20');
    // 2^53 + 1 cents would be rounded as a float; the string stays exact
    expect(centsToDecimal('9007199254740993')).toBe('90071992547409.93');
  });
  it('formats by locale with the currency', () => {
    expect(formatMoney(9950, 'USD', 'en-US')).toBe('$99.50');
    expect(formatMoney(123456, 'EUR', 'de-DE')).toBe('1.234,56\u00a0€');
    expect(formatMoney(null)).toBe('—');
  });
});

describe('utilisation', () => {
  it('is current over limit, null when unlimited', () => {
    expect(ratio('5', '10')).toBe(0.5);
    expect(ratio('1', '-1')).toBeNull();
    expect(ratio('1', null)).toBeNull();
    expect(ratio('1', '0')).toBe(Infinity);
    expect(ratio('0', '0')).toBe(0);
    expect(percent(0.5, 'en-US')).toBe('50%');
    expect(percent(null)).toBe('unlimited');
  });
});

describe('labels', () => {
  it('humanizes enum names', () => {
    expect(humanize('STATUS_WAITING_FOR_APPROVAL')).toBe('Waiting for approval');
    expect(humanize('PAID')).toBe('Paid');
    expect(humanize('')).toBe('—');
  });
  it('shows UTC on hover', () => {
    expect(utcTitle('2026-11-26T10:00:00Z')).toBe('2026-11-26T10:00:00Z (UTC)');
  });
});

describe('prices', () => {
  it('keep the precision of the rate card', () => {
    expect(formatPrice('0.045', 'USD', 'en-US')).toBe('$0.045');
    expect(formatPrice('99', 'USD', 'en-US')).toBe('$99.00');
    expect(periodUnit('PERIOD_MONTH')).toBe('month');
  });
});

import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatBudget,
  formatCompact,
  formatMemberBudget,
  formatModels,
  formatMs,
  formatPeriodBudget,
  formatSpend,
  formatUsd,
} from './format';

describe('format', () => {
  it('should show spend to the micro-dollar, so one cheap request is visible', () => {
    expect(formatSpend(0)).toBe('$0.000000');
    expect(formatSpend(0.000123)).toBe('$0.000123');
    expect(formatSpend(0.00005)).not.toBe(formatSpend(0.0001));
    expect(formatSpend(12.5)).toBe('$12.500000');
  });

  it('should show budgets and prices in dollars and cents', () => {
    expect(formatBudget(null)).toBe('No limit');
    expect(formatBudget(10)).toBe('$10.00');
    expect(formatUsd(0.0375)).toBe('$0.0375');
    // Under a cent to the last digit: a tiny budget is not "$0.00", and spend near it is not rounded up to it.
    expect(formatUsd(0.0000001)).toBe('$0.0000001');
    expect(formatUsd(0.000476)).toBe('$0.000476');
    expect(formatUsd(0.0005)).toBe('$0.0005');
    expect(formatUsd(0)).toBe('$0.00');
  });

  it("should name a budget's period, and a member budget's as what it is per", () => {
    expect(formatPeriodBudget(10, '1d')).toBe('$10.00 daily budget');
    expect(formatPeriodBudget(10, null)).toBe('$10.00');
    expect(formatMemberBudget(50, '1mo')).toBe('$50.00 per member per month');
    expect(formatMemberBudget(5, '30d')).toBe('$5.00 per member per 30 days');
    expect(formatMemberBudget(50, null)).toBe('$50.00 per member');
    expect(formatMemberBudget(50, '2w')).toBe('$50.00 per member');
  });

  it('should call an empty model list "All models"', () => {
    expect(formatModels([])).toBe('All models');
    expect(formatModels(['a', 'b'])).toBe('a, b');
  });

  it('should show durations in the unit a person reads them in', () => {
    expect(formatMs(250)).toBe('250 ms');
    expect(formatMs(1500)).toBe('1.5 s');
    expect(formatMs(30_000)).toBe('30 s');
    expect(formatMs(120_000)).toBe('2 min');
    expect(formatMs(90_000)).toBe('90 s');
  });

  it('should shorten large counts', () => {
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(128_000)).toBe('128K');
    expect(formatCompact(1_500_000)).toBe('1.5M');
  });

  it('should say how long ago something happened, with a clock running ahead as just now', () => {
    const now = Date.parse('2025-01-02T12:00:00.000Z');
    const ago = (ms: number) => formatAgo(new Date(now - ms).toISOString(), now);
    expect(ago(10_000)).toBe('just now');
    expect(ago(-60_000)).toBe('just now');
    expect(ago(50_000)).toBe('1 min ago');
    expect(ago(5 * 60_000)).toBe('5 min ago');
    expect(ago(59 * 60_000)).toBe('59 min ago');
    expect(ago(3 * 3_600_000 + 20 * 60_000)).toBe('3 h ago');
    expect(ago(49 * 3_600_000)).toBe('2 d ago');
    expect(formatAgo('soon', now)).toBe('soon');
  });
});

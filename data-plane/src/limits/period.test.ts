import { describe, expect, it } from 'vitest';
import { budgetPeriod, isBudgetDuration } from './period.js';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('budgetPeriod', () => {
  it('without a duration, is one period that never ends', () => {
    expect(budgetPeriod(null, null, at('2026-11-25T13:00:00Z'))).toEqual({ periodId: 'all', periodEndMs: null });
    expect(budgetPeriod(null, '2026-11-01T00:00:00Z', at('2030-01-01T00:00:00Z'))).toEqual({ periodId: 'all', periodEndMs: null });
  });

  it('ends a rolling period at the next reset time while that is still ahead', () => {
    const period = budgetPeriod('1d', '2026-11-26T09:30:00Z', at('2026-11-25T13:00:00Z'));
    expect(period.periodEndMs).toBe(at('2026-11-26T09:30:00Z'));
  });

  it('moves on by whole durations when the reset time has passed (the reset job is late)', () => {
    const reset = '2026-11-20T09:30:00Z';
    expect(budgetPeriod('1d', reset, at('2026-11-25T13:00:00Z')).periodEndMs).toBe(at('2026-11-26T09:30:00Z'));
    expect(budgetPeriod('7d', reset, at('2026-11-25T13:00:00Z')).periodEndMs).toBe(at('2026-11-27T09:30:00Z'));
    expect(budgetPeriod('1h', reset, at('2026-11-25T13:00:00Z')).periodEndMs).toBe(at('2026-11-25T13:30:00Z'));
    expect(budgetPeriod('30d', reset, at('2027-01-01T00:00:00Z')).periodEndMs).toBe(at('2027-01-19T09:30:00Z'));
  });

  it('names each period differently, and the same period the same way on every data plane', () => {
    const reset = '2026-11-20T09:30:00Z';
    const a = budgetPeriod('1d', reset, at('2026-11-25T09:29:59.999Z'));
    const b = budgetPeriod('1d', reset, at('2026-11-25T09:30:00Z'));
    expect(a.periodEndMs).toBe(at('2026-11-25T09:30:00Z'));
    expect(b.periodEndMs).toBe(a.periodEndMs! + DAY);
    expect(b.periodId).not.toBe(a.periodId);
    // A control plane that has moved its reset time on by a period describes the same grid.
    expect(budgetPeriod('1d', '2026-11-26T09:30:00Z', at('2026-11-25T10:00:00Z'))).toEqual(b);
    // Another duration ending at the same moment is another period.
    expect(budgetPeriod('1h', reset, at('2026-11-25T09:00:00Z')).periodId).not.toBe(a.periodId);
  });

  it('without a reset time, rolls on a grid from the Unix epoch (UTC midnights for 1d)', () => {
    expect(budgetPeriod('1d', null, at('2026-11-25T13:00:00Z')).periodEndMs).toBe(at('2026-11-26T00:00:00Z'));
    expect(budgetPeriod('1h', null, at('2026-11-25T13:00:00Z')).periodEndMs).toBe(at('2026-11-25T14:00:00Z'));
  });

  it('for 1mo, is the calendar month in UTC, whatever the reset time', () => {
    expect(budgetPeriod('1mo', null, at('2026-11-25T13:00:00Z'))).toEqual({ periodId: '1mo:2026-11', periodEndMs: at('2026-12-01T00:00:00Z') });
    expect(budgetPeriod('1mo', '2026-11-15T00:00:00Z', at('2026-11-25T13:00:00Z')).periodEndMs).toBe(at('2026-12-01T00:00:00Z'));
  });

  it('for 1mo, turns at the first instant of a month, across years and February', () => {
    expect(budgetPeriod('1mo', null, at('2026-12-31T23:59:59.999Z'))).toEqual({ periodId: '1mo:2026-12', periodEndMs: at('2027-01-01T00:00:00Z') });
    expect(budgetPeriod('1mo', null, at('2027-01-01T00:00:00Z'))).toEqual({ periodId: '1mo:2027-01', periodEndMs: at('2027-02-01T00:00:00Z') });
    expect(budgetPeriod('1mo', null, at('2028-02-29T12:00:00Z'))).toEqual({ periodId: '1mo:2028-02', periodEndMs: at('2028-03-01T00:00:00Z') });
    // Local time zones play no part: 23:30 UTC on Jan 31 is still January.
    expect(budgetPeriod('1mo', null, at('2027-01-31T23:30:00-00:00')).periodId).toBe('1mo:2027-01');
    expect(budgetPeriod('1mo', null, at('2027-02-01T00:30:00+01:00')).periodId).toBe('1mo:2027-01');
  });

  it('asked again with the same settings, answers for the moment asked, across period ends and a clock stepped back', () => {
    const reset = '2026-11-26T09:30:00Z';
    const first = budgetPeriod('1h', reset, at('2026-11-25T13:10:00Z'));
    expect(first.periodEndMs).toBe(at('2026-11-25T13:30:00Z'));
    expect(budgetPeriod('1h', reset, at('2026-11-25T13:29:59.999Z'))).toEqual(first);
    expect(budgetPeriod('1h', reset, at('2026-11-25T13:30:00Z')).periodEndMs).toBe(at('2026-11-25T14:30:00Z'));
    expect(budgetPeriod('1h', reset, at('2026-11-25T12:29:59Z')).periodEndMs).toBe(at('2026-11-25T12:30:00Z'));
    expect(budgetPeriod('1h', reset, at('2026-11-25T13:10:00Z'))).toEqual(first);
    expect(budgetPeriod('1mo', reset, at('2026-11-30T23:59:59Z')).periodId).toBe('1mo:2026-11');
    expect(budgetPeriod('1mo', reset, at('2026-12-01T00:00:00Z')).periodId).toBe('1mo:2026-12');
    expect(budgetPeriod('1mo', reset, at('2026-10-31T23:59:59Z')).periodId).toBe('1mo:2026-10');
  });

  it('accepts reset times with an offset', () => {
    expect(budgetPeriod('1d', '2026-11-20T10:30:00+01:00', at('2026-11-25T13:00:00Z')).periodEndMs).toBe(at('2026-11-26T09:30:00Z'));
  });
});

describe('isBudgetDuration', () => {
  it('knows the durations the config may carry, and nothing else', () => {
    for (const d of ['1h', '1d', '7d', '30d', '1mo']) expect(isBudgetDuration(d)).toBe(true);
    for (const d of ['', '2d', '1m', 'toString', '1MO']) expect(isBudgetDuration(d)).toBe(false);
  });
});

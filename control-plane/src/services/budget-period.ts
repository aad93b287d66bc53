import type { BudgetDuration } from '../db/entities/governed.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ROLLING: Record<Exclude<BudgetDuration, '1mo'>, number> = { '1h': HOUR, '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY };

/**
 * Each budget duration's length in seconds, as an SQL relation `p(d, secs)` to join on the duration (a calendar
 * month's is not fixed: 0, and callers treat `1mo` apart).
 */
export const PERIOD_SECONDS_SQL = `(values ${Object.entries(ROLLING)
  .map(([duration, ms]) => `('${duration}', ${ms / 1000})`)
  .join(', ')}, ('1mo', 0)) as p(d, secs)`;

/** The length of the budget period `duration` (an SQL expression) names, as an SQL interval; null for none. */
export function periodIntervalSql(duration: string): string {
  const rolling = Object.entries(ROLLING).map(([d, ms]) => `when '${d}' then interval '${ms / 1000} seconds'`);
  return `case ${duration} ${rolling.join(' ')} when '1mo' then interval '1 month' end`;
}

/**
 * When a budget period that starts at `from` ends: `from` plus the duration, or for `1mo` the start of the next
 * calendar month (UTC). Null when there is no duration (the budget never resets).
 */
export function nextBudgetReset(duration: BudgetDuration | null, from: Date = new Date()): Date | null {
  if (duration === null) return null;
  if (duration === '1mo') return new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  return new Date(from.getTime() + ROLLING[duration]);
}

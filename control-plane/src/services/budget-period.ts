import type { BudgetDuration } from '../db/entities/governed.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ROLLING: Record<Exclude<BudgetDuration, '1mo'>, number> = { '1h': HOUR, '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY };

/**
 * When a budget period that starts at `from` ends: `from` plus the duration, or for `1mo` the start of the next
 * calendar month (UTC). Null when there is no duration (the budget never resets).
 */
export function nextBudgetReset(duration: BudgetDuration | null, from: Date = new Date()): Date | null {
  if (duration === null) return null;
  if (duration === '1mo') return new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  return new Date(from.getTime() + ROLLING[duration]);
}

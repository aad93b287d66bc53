/** How often a budget starts over: rolling durations, or `1mo`, the calendar month in UTC. */
export type BudgetDuration = '1h' | '1d' | '7d' | '30d' | '1mo';

const ROLLING_MS: Readonly<Record<Exclude<BudgetDuration, '1mo'>, number>> = {
  '1h': 3_600_000,
  '1d': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

/** The config carries durations as free strings; this is the set the limiter understands. */
export function isBudgetDuration(value: string): value is BudgetDuration {
  return value === '1mo' || Object.hasOwn(ROLLING_MS, value);
}

export interface BudgetPeriod {
  /** Names the period in counter keys: the same on every data plane that has the same config. */
  readonly periodId: string;
  /** When the period ends, epoch ms; null: never. */
  readonly periodEndMs: number | null;
}

/**
 * The budget period containing `nowMs`. Rolling periods form a grid anchored at `resetAt` (the control plane's
 * next or last reset; the Unix epoch when there is none), so a period ends on time even if the control plane's reset
 * job runs late: the data plane moves on by whole durations by itself. `1mo` is the calendar month in UTC whatever
 * `resetAt` says. No duration: one period that never ends.
 */
export function budgetPeriod(duration: BudgetDuration | null, resetAt: string | null, nowMs: number): BudgetPeriod {
  if (duration === null) return FOREVER;
  let byReset = periods.get(duration);
  if (byReset === undefined) periods.set(duration, (byReset = new Map()));
  const known = byReset.get(resetAt ?? '');
  if (known !== undefined && nowMs >= known.startMs && nowMs < known.period.periodEndMs!) return known.period;
  const found = periodAt(duration, resetAt, nowMs);
  if (byReset.size >= MAX_PERIODS) byReset.clear();
  byReset.set(resetAt ?? '', found);
  return found.period;
}

const FOREVER: BudgetPeriod = Object.freeze({ periodId: 'all', periodEndMs: null });

/**
 * The periods found last, by duration and reset time (each request with a budget asks for its period; the same few
 * come back until they end); past this many per duration the map starts over.
 */
const MAX_PERIODS = 10_000;
const periods = new Map<BudgetDuration, Map<string, { readonly startMs: number; readonly period: BudgetPeriod }>>();

function periodAt(duration: BudgetDuration, resetAt: string | null, nowMs: number): { startMs: number; period: BudgetPeriod } {
  if (duration === '1mo') {
    const now = new Date(nowMs);
    const [year, month] = [now.getUTCFullYear(), now.getUTCMonth()];
    const period = { periodId: `1mo:${year}-${String(month + 1).padStart(2, '0')}`, periodEndMs: Date.UTC(year, month + 1, 1) };
    return { startMs: Date.UTC(year, month, 1), period };
  }
  const length = ROLLING_MS[duration];
  const parsed = resetAt === null ? 0 : instantOf(resetAt);
  const anchor = Number.isFinite(parsed) ? parsed : 0;
  const end = anchor + (Math.floor((nowMs - anchor) / length) + 1) * length;
  return { startMs: end - length, period: { periodId: `${duration}:${end}`, periodEndMs: end } };
}

/** Instants read recently, by their text; past this many the map starts over. */
const MAX_INSTANTS = 10_000;
const instants = new Map<string, number>();

/**
 * `Date.parse` of a config timestamp (a budget's reset, a raise's expiry), remembered: the same few timestamps are
 * read on every request that has a budget, and parsing one costs more than the rest of building its rule.
 */
export function instantOf(text: string): number {
  let ms = instants.get(text);
  if (ms === undefined) {
    if (instants.size >= MAX_INSTANTS) instants.clear();
    ms = Date.parse(text);
    instants.set(text, ms);
  }
  return ms;
}

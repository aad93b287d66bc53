/** Display formatting shared by the views. Pure functions, no Vue. */
import type { BudgetDuration } from './api/operations';

/** How the budget period choices read in forms. */
export const BUDGET_PERIOD_LABELS: Readonly<Record<BudgetDuration, string>> = {
  '1h': 'Hourly',
  '1d': 'Daily',
  '7d': 'Weekly',
  '30d': 'Every 30 days',
  '1mo': 'Monthly',
};

const usdPrecise = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 6,
  maximumFractionDigits: 6,
});

const usdPlain = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Spend, to the micro-dollar: `$0.000123`. One request to a cheap model costs a few hundred-thousandths of a
 * dollar, so fewer decimals would hide it.
 */
export function formatSpend(amount: number): string {
  return usdPrecise.format(amount);
}

/** Amounts under a cent, to their last digit (a budget of $0.0000001 is not $0.00). */
const usdSmall = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 12,
});

/** A budget or price: `$10.00`, `$0.15`, `$0.0375`; under a cent to its last digit, `$0.000476`. */
export function formatUsd(amount: number): string {
  return amount !== 0 && Math.abs(amount) < 0.01 ? usdSmall.format(amount) : usdPlain.format(amount);
}

/** A max budget, or "No limit" when there is none. */
export function formatBudget(maxBudget: number | null): string {
  return maxBudget === null ? 'No limit' : formatUsd(maxBudget);
}

export function formatCount(value: number): string {
  return integer.format(value);
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** A large count, short: `128K`, `1.5M`, `950`. */
export function formatCompact(value: number): string {
  return compact.format(value);
}

/** A duration in milliseconds, in the unit a person reads it in: `250 ms`, `1.5 s`, `2 min`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** A model access list; an empty list means every model. */
export function formatModels(models: readonly string[]): string {
  return models.length === 0 ? 'All models' : models.join(', ');
}

/** `DateTimeISO` → a short local date and time; the raw value when it does not parse. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * How long ago something happened, as a person says it: `just now`, `5 min ago`, `3 h ago`, `2 d ago`. A time in the
 * future (another machine's clock running ahead) is `just now`; the raw value when it does not parse.
 */
export function formatAgo(iso: string, now: number = Date.now()): string {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return iso;
  const seconds = Math.max(0, (now - at) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** Budget periods by their duration, as words ("daily"). */
const PERIODS: Record<string, string> = { '1h': 'hourly', '1d': 'daily', '7d': 'weekly', '30d': '30-day', '1mo': 'monthly' };

/** A budget with its period: "$10.00 daily budget"; a budget that never resets (or an unknown period) is the amount alone. */
export function formatPeriodBudget(amount: number, duration: string | null): string {
  const period = duration === null ? undefined : PERIODS[duration];
  return period === undefined ? formatUsd(amount) : `${formatUsd(amount)} ${period} budget`;
}

/** Budget periods as what a budget is per ("month"). */
const PERIOD_UNITS: Record<string, string> = { '1h': 'hour', '1d': 'day', '7d': 'week', '30d': '30 days', '1mo': 'month' };

/**
 * Each member's budget in a team, in the team's period: "$50.00 per member per month"; a budget that never resets (or
 * an unknown period) is "$50.00 per member".
 */
export function formatMemberBudget(amount: number, duration: string | null): string {
  const unit = duration === null ? undefined : PERIOD_UNITS[duration];
  return unit === undefined ? `${formatUsd(amount)} per member` : `${formatUsd(amount)} per member per ${unit}`;
}

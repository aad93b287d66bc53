import { BigIntType, type Opt, Property } from '@mikro-orm/core';
import { money } from './columns.js';

/** Budget periods: rolling hours or days, or the calendar month (resets at 00:00 UTC on the 1st). */
export const BUDGET_DURATIONS = ['1h', '1d', '7d', '30d', '1mo'] as const;
export type BudgetDuration = (typeof BUDGET_DURATIONS)[number];

/**
 * What every governed subject has (organizations, teams, users, keys, end users, tags): a hard and a soft budget
 * over a period, the spend counted in it, and rate limits. Enforcement is the data plane's (hot path, counters);
 * these are the settings and the control plane's record. Columns keep the names the first tables used.
 */
export abstract class Governed {
  /** Hard budget in USD for the current period; requests beyond it are refused. Null: none. */
  @Property({ ...money(), nullable: true })
  maxBudget: number | null = null;

  /** Soft budget in USD: crossing it raises an alert (once per period), nothing is refused. */
  @Property({ ...money(), nullable: true })
  softBudget: number | null = null;

  @Property({ ...money(), default: 0 })
  spend: Opt<number> = 0;

  /** Null: the budget never resets. */
  @Property({ type: 'text', nullable: true })
  budgetDuration: BudgetDuration | null = null;

  /** When the current period ends and `spend` starts again from zero. */
  @Property({ type: 'datetime', nullable: true })
  budgetResetAt: Date | null = null;

  /** Requests per minute; null: unlimited. */
  @Property({ type: 'integer', nullable: true })
  rpmLimit: number | null = null;

  /** Tokens per minute (input + output); null: unlimited. */
  @Property({ type: new BigIntType('number'), nullable: true })
  tpmLimit: number | null = null;

  /** Requests in flight at once; null: unlimited. */
  @Property({ type: 'integer', nullable: true })
  maxParallelRequests: number | null = null;
}

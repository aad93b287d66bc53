import type { EntityManager } from '@mikro-orm/postgresql';
import type { BudgetDuration, Governed } from '../db/entities/governed.js';
import { badUserInput } from '../errors.js';
import { BUDGET_SUBJECTS, budgetPeriodStart, lockSubjectsSql, nextBudgetReset, periodSpendSql, type BudgetSubjectKind } from './budget-period.js';
import { softBudgetProblem } from './inputs.js';

/**
 * The rules every admin change of a governed subject's budget settings follows (keys, organizations, teams, users,
 * end users, tags, and end users through their budget tier), whichever service or the config file makes it:
 *
 * - a soft budget is never above the hard one (`assertSoftWithinMax`);
 * - a new duration starts a new period, whose spend is what the ledger holds since it began (`startNewPeriod`);
 * - afterwards the subject's alerts are checked in the same transaction (`recordSubjectAlerts` in budget-alerts.ts),
 *   so a budget lowered below the spend already made alerts at once.
 */

type Subject = Governed & { id: string };

/** Fields whose change can make a subject's budget alert. */
const BUDGET_FIELDS: readonly string[] = ['maxBudget', 'softBudget', 'budgetDuration', 'tempBudgetIncrease', 'tempBudgetExpiresAt'];
/** The budget and limit settings every governed subject has. */
const GOVERNED_FIELDS: readonly string[] = ['maxBudget', 'softBudget', 'budgetDuration', 'rpmLimit', 'tpmLimit', 'maxParallelRequests'];

/** Whether a change (the fields it sets) touches a budget, so the subject's alerts are to be checked. */
export const budgetChanged = (changes: object): boolean => Object.keys(changes).some((field) => BUDGET_FIELDS.includes(field));

/** Whether a change (the fields it sets) touches a budget or a limit. */
export const governedChanged = (changes: object): boolean => Object.keys(changes).some((field) => GOVERNED_FIELDS.includes(field));

/**
 * BAD_USER_INPUT when a subject's budgets, as a change leaves them, have the soft budget above the hard one. The
 * error names the field the change set: `softBudget`, or `maxBudget` when only that was lowered.
 */
export function assertSoftWithinMax(subject: Pick<Governed, 'maxBudget' | 'softBudget'>, changed: object): void {
  const problem = softBudgetProblem(subject.softBudget, subject.maxBudget);
  if (problem === null) return;
  if (!('softBudget' in changed) && 'maxBudget' in changed) {
    throw badUserInput({ maxBudget: [`must not be less than softBudget (${subject.softBudget}); lower or clear softBudget as well`] });
  }
  throw badUserInput({ softBudget: [problem] });
}

/**
 * Starts a new budget period of `duration` for an existing subject, now: its reset time is the new period's end, and
 * its spend what the ledger holds since the new period began (the calendar month so far for `1mo`; for a rolling
 * period, which begins now, nothing yet). The old period's spend is not carried over: a key moved from 30 days to one
 * day starts its day with nothing spent, not with its month's spend (which would refuse it, and alert again). Without a duration the budget no longer resets: the
 * period running now goes on for good, and its spend is kept.
 *
 * The subject's row is locked before the ledger is read, as the budget-reset job does (see `lockSubjectsSql`), so a
 * concurrent ingest's spend is counted once: in the ledger read, or added after this commits.
 */
export async function startNewPeriod(em: EntityManager, kind: BudgetSubjectKind, subject: Subject, duration: BudgetDuration | null, now = new Date()): Promise<void> {
  subject.budgetResetAt = nextBudgetReset(duration, now);
  if (duration === null) return;
  await em.execute(lockSubjectsSql(kind, `t."id" = ?`), [subject.id]);
  const [row] = await em.execute<Array<{ spend: string | number }>>(
    `select ${periodSpendSql(kind, '?::timestamptz')} as "spend" from "${BUDGET_SUBJECTS[kind].table}" t where t."id" = ?`,
    [budgetPeriodStart(duration, subject.budgetResetAt!), subject.id],
  );
  subject.spend = Number(row?.spend ?? 0);
}

/**
 * Assigns an update's changes to an existing subject and applies the budget rules above: the soft budget within the
 * hard one, and a new period (with its spend recounted) only for a new duration, so a client that sends the whole
 * subject back does not move its reset (which would put it off, and let its alerts fire again).
 */
export async function assignGoverned<T extends Subject>(em: EntityManager, kind: BudgetSubjectKind, subject: T, changes: Partial<T> & object): Promise<void> {
  const duration = subject.budgetDuration;
  em.assign(subject, changes as never);
  assertSoftWithinMax(subject, changes);
  if ('budgetDuration' in changes && subject.budgetDuration !== duration) await startNewPeriod(em, kind, subject, subject.budgetDuration);
}

/**
 * A budget tier's duration changed: every end user on it without a duration of its own (whose period is the tier's)
 * starts a new period, as `startNewPeriod` does, in one statement. Returns their ids, to be recorded as config
 * changes. End users with a duration of their own keep their periods.
 */
export async function moveTierPeriods(em: EntityManager, tierId: string, duration: BudgetDuration | null, now = new Date()): Promise<string[]> {
  const onTier = `t."budget_tier_id" = ? and t."budget_duration" is null`;
  await em.execute(lockSubjectsSql('end_user', onTier), [tierId]);
  const resetAt = nextBudgetReset(duration, now);
  const rows =
    duration === null || resetAt === null
      ? await em.execute<Array<{ id: string }>>(`update "end_user" t set "budget_reset_at" = null where ${onTier} returning t."id"`, [tierId])
      : await em.execute<Array<{ id: string }>>(
          `update "end_user" t set "budget_reset_at" = ?, "spend" = ${periodSpendSql('end_user', '?::timestamptz')} where ${onTier} returning t."id"`,
          [resetAt, budgetPeriodStart(duration, resetAt), tierId],
        );
  return rows.map((r) => r.id);
}

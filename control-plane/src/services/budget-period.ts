import type { EntityManager } from '@mikro-orm/postgresql';
import { ANY_END_USER } from '@tollgate/schema';
import type { AlertSubjectKind } from '../db/entities/budget-alert.entity.js';
import type { EndUser } from '../db/entities/index.js';
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
 * Whether the time `at` (an SQL timestamptz) falls in subject `a`'s current budget period or later: a request counts
 * in the period it started in, so one from an earlier period that arrives late (a data plane's backlog after an
 * outage) is that period's, not the current one's. Subjects without a period (no duration, or no reset time yet)
 * take every time. `budget_reset_at` is the period's end (a month before it taken in UTC, as periods are).
 */
export const inPeriodSql = (a: string, at: string) =>
  `(${a}."budget_duration" is null or ${a}."budget_reset_at" is null or ${at} >= ${periodStartOfSql(a)})`;

/** When subject `a`'s current budget period began (null without one): its reset time less its duration, in UTC. */
export const periodStartOfSql = (a: string) =>
  `((${a}."budget_reset_at" at time zone 'UTC') - ${periodIntervalSql(`${a}."budget_duration"`)}) at time zone 'UTC'`;

/**
 * Whether end user `e` follows the end user `*` (ANY_END_USER): it has none of the settings that put an end user in
 * the config (see END_USER_WITH_SETTINGS in config-source.ts), so data planes give it the limits and budget of `*`,
 * in `*`'s budget period. Its `spend` is then what it spent in that period.
 */
export const followsAnyEndUserSql = (e: string) =>
  `(${e}."external_id" <> '${ANY_END_USER}' and ${e}."max_budget" is null and ${e}."soft_budget" is null and ${e}."rpm_limit" is null
    and ${e}."tpm_limit" is null and ${e}."max_parallel_requests" is null and not ${e}."blocked" and ${e}."budget_tier_id" is null)`;

/**
 * Whether the time `at` falls in end user `e`'s budget period: its own (see `inPeriodSql`), or for an end user that
 * follows `*` (or is not saved yet) the period of `*`, `d` (the end user `*`'s row, joined by the caller; when there is
 * none every time counts).
 */
export const endUserInPeriodSql = (e: string, d: string, at: string) =>
  `(case when ${e}."id" is null or ${followsAnyEndUserSql(e)} then ${inPeriodSql(d, at)} else ${inPeriodSql(e, at)} end)`;

/** Locks the end user `*`'s row: FOR SHARE by usage ingest, FOR UPDATE by what starts its new period (see above). */
export const lockAnyEndUserSql = (mode: 'share' | 'update') => `select 1 from "end_user" where "external_id" = '${ANY_END_USER}' for ${mode}`;

/**
 * When a budget period that starts at `from` ends: `from` plus the duration, or for `1mo` the start of the next
 * calendar month (UTC). Null when there is no duration (the budget never resets).
 */
export function nextBudgetReset(duration: BudgetDuration | null, from: Date = new Date()): Date | null {
  if (duration === null) return null;
  if (duration === '1mo') return new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  return new Date(from.getTime() + ROLLING[duration]);
}

/** When the budget period that ends at `resetAt` began: `resetAt` less the duration (a calendar month for `1mo`). */
export function budgetPeriodStart(duration: BudgetDuration, resetAt: Date): Date {
  if (duration !== '1mo') return new Date(resetAt.getTime() - ROLLING[duration]);
  const start = new Date(resetAt);
  start.setUTCMonth(start.getUTCMonth() - 1);
  return start;
}

/**
 * The tables of governed subjects, by the kind config changes and budget alerts name them, and which ledger rows are
 * a subject's (`t` the subject, `l` a `spend_log` row; each has an index starting with its column, then
 * `started_at`). In the order the budget-reset job works through them.
 */
export const BUDGET_SUBJECTS = {
  key: { table: 'virtual_key', mine: `l."key_id" = t."id"::text` },
  team: { table: 'team', mine: `l."team_id" = t."id"::text` },
  org: { table: 'organization', mine: `l."org_id" = t."id"::text` },
  user: { table: 'app_user', mine: `l."user_id" = t."id"::text` },
  end_user: { table: 'end_user', mine: `l."end_user" = t."external_id"` },
  tag: { table: 'tag', mine: `t."name" = any(l."tags")` },
} as const satisfies Record<Exclude<AlertSubjectKind, 'team_member'>, { table: string; mine: string }>;
export type BudgetSubjectKind = keyof typeof BUDGET_SUBJECTS;

/**
 * Sets the spend of every member of the teams `teams` picks (a condition on `t`, the team) to what the ledger holds of
 * their requests through the team's keys they own in the team's current budget period (everything, for a team whose
 * budget never resets): a team member budget runs in its team's period. Run when that period starts anew (the
 * budget-reset job, an admin's new duration), with the team rows locked (FOR UPDATE) and already showing the new
 * period; usage ingest adds to a team before its members, so every ingest that counted against the old period has
 * committed, and none adds to a member until this commits. One scan of the teams' ledger rows in the period.
 */
export const recountMembersSql = (teams: string, members = 'true') => `
with "spent" as (
  select l."team_id", l."user_id", sum(l."cost") as "cost"
    from "team" t join "spend_log" l on l."team_id" = t."id"::text
   where ${teams} and l."user_id" is not null and ${inPeriodSql('t', 'l."started_at"')}
   group by 1, 2)
update "team_membership" m set "spend" = coalesce((select s."cost" from "spent" s where s."team_id" = m."team_id"::text and s."user_id" = m."user_id"::text), 0)
  from "team" t where t."id" = m."team_id" and ${teams} and ${members}
returning m."id"`;

/**
 * `recountMembersSql` for the teams `teamIds`, or only for the membership `membershipId` of them (a new member);
 * returns the ids of the memberships recounted.
 */
export async function recountMembers(em: EntityManager, teamIds: readonly string[], membershipId?: string): Promise<string[]> {
  if (teamIds.length === 0) return [];
  const teams = `{${teamIds.join(',')}}`;
  const rows = await em.execute<Array<{ id: string }>>(
    recountMembersSql(`t."id" = any(?::uuid[])`, membershipId === undefined ? 'true' : `m."id" = ?`),
    membershipId === undefined ? [teams, teams] : [teams, teams, membershipId],
  );
  return rows.map((r) => r.id);
}

/** The ids of the memberships of the teams `teamIds` (team members, as governed subjects). */
export async function membershipIdsOf(em: EntityManager, teamIds: readonly string[]): Promise<string[]> {
  if (teamIds.length === 0) return [];
  const rows = await em.execute<Array<{ id: string }>>(`select "id" from "team_membership" where "team_id" = any(?::uuid[])`, [`{${teamIds.join(',')}}`]);
  return rows.map((r) => r.id);
}

/**
 * What the ledger holds of subject `t`'s spend from `start` (an SQL timestamptz) on, by `started_at` (the period a
 * request counts in is the one it started in): the spend of a period that began at `start`. Shared by the budget-reset
 * job and by admin changes that start a new period (see `startNewPeriod` in services/governed.ts).
 */
export const periodSpendSql = (kind: BudgetSubjectKind, start: string) =>
  `coalesce((select sum(l."cost") from "spend_log" l where ${BUDGET_SUBJECTS[kind].mine} and l."started_at" >= ${start}), 0)`;

/**
 * Locks the subjects of `kind` matching `condition` (on `t`) before their spend is recounted from the ledger. An
 * ingest that has already added to one of them holds its row until it commits; an UPDATE would wait for it too, but
 * then recompute the spend from a ledger read before that ingest committed (READ COMMITTED takes the statement's
 * snapshot when it starts), dropping what the ingest added. Locked first, the recount starts after every such ingest
 * has committed, and ingests that come later wait for the recount's commit and add to its result.
 */
export const lockSubjectsSql = (kind: BudgetSubjectKind, condition: string) =>
  `select t."id", t."spend"::text as "spend" from "${BUDGET_SUBJECTS[kind].table}" t where ${condition} order by t."id" for update`;

/**
 * Sets the spend of the end users that follow `*` and match `which` (on `t`) to what the ledger holds since `*`'s
 * current period began, when `*` has a period. Run when that period starts (the budget-reset job, an admin's new
 * duration for `*`: every follower with spend; one that spent nothing in the old period, and none since, has nothing),
 * and for an end user that has just become a follower. The caller holds `*`'s row locked (FOR UPDATE), which usage
 * ingest locks FOR SHARE before it adds to end users: every ingest that counted spend against the old period has
 * committed, and none adds to an end user until this commits. Returns the ids and spend it set.
 */
export const recountFollowersSql = (which: string) => `
update "end_user" t set "spend" = ${periodSpendSql('end_user', periodStartOfSql('d'))}
  from "end_user" d
 where d."external_id" = '${ANY_END_USER}' and d."budget_duration" is not null and d."budget_reset_at" is not null
   and ${which} and ${followsAnyEndUserSql('t')}
returning t."id", t."spend"::float8 as "spend"`;

/** Every follower of `*` with spend (see recountFollowersSql). */
export const RECOUNT_ANY_END_USER_FOLLOWERS = recountFollowersSql(`t."spend" <> 0`);

/** `followsAnyEndUserSql` for an entity. */
export const followsAnyEndUser = (e: EndUser): boolean =>
  e.externalId !== ANY_END_USER && e.maxBudget === null && e.softBudget === null && e.rpmLimit === null && e.tpmLimit === null &&
  e.maxParallelRequests === null && !e.blocked && e.budgetTier === null;

import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { ANY_END_USER, type UsageEvent } from '@tollgate/schema';
import { visibility } from '../auth/policy.js';
import { ALERT_SUBJECT_KINDS, type AlertSubjectKind } from '../db/entities/budget-alert.entity.js';
import { BudgetAlert } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { badUserInput } from '../errors.js';
import { isUuid, parseInput, SQL_UUID_PATTERN } from '../validation.js';
import type { Actor } from './audit.js';
import { BudgetAlertsInput } from './inputs.js';
import { endUserInPeriodSql, followsAnyEndUserSql, inPeriodSql, periodStartOfSql } from './budget-period.js';
import { NEW_ROWS } from './new-ledger-rows.js';

/**
 * Records budget alerts for the subjects `which` picks: every one whose spend is at or above its soft or hard budget
 * gets an alert for its current period, unless it has one. The one definition both paths use: usage ingest, for the
 * subjects a batch touched, and admin changes of budgets, for the subject changed (see below). `source` is the
 * statement's first CTE (what `which` reads); `which` a condition per kind on its table (`k` keys, `t` teams, `u`
 * users, `o` organizations, `e` end users, `g` tags, `m` team memberships with `mt` their team).
 *
 * The period is the subject's reset time, which the budget-reset job moves on as it sets the spend back: a new period
 * can alert again. The `not exists` skips the common case cheaply (no sequence value drawn), and `on conflict do
 * nothing` on the unique (threshold, subject, period, budget) settles races between batches of several data planes
 * and replicas and admin changes, so each budget alerts once per period and amount. The level, not the crossing, is
 * what counts. A subject whose period ended but was not reset yet alerts only once it has been. Keys' hard budgets
 * include a temporary raise in force and end users fall back to their budget tier's budgets, or without settings of
 * their own take the budgets and period of the end user `*` (`d`), and team members have their team's member
 * budgets (the hard one overridden by their own) in its period, as the data planes enforce them.
 */
const recordAlertsSql = (source: string, which: Record<AlertSubjectKind, string>, reachedWhen = `s."spend" >= x."budget"`, spend = `s."spend"`) => `
with ${source},
"subject" as (
  select 'key' as "kind", k."id", coalesce(k."alias", k."prefix") as "name", k."organization_id" as "org_id",
         k."team_id", k."owner_id", k."spend", k."soft_budget",
         k."max_budget" + case when k."temp_budget_expires_at" > now() then coalesce(k."temp_budget_increase", 0) else 0 end as "max_budget",
         k."budget_reset_at", k."budget_duration"
    from "virtual_key" k where ${which.key}
  union all
  select 'team', t."id", t."name", t."organization_id", t."id", null, t."spend", t."soft_budget", t."max_budget", t."budget_reset_at", t."budget_duration"
    from "team" t where ${which.team}
  union all
  select 'user', u."id", u."email", u."organization_id", null, u."id", u."spend", u."soft_budget", u."max_budget", u."budget_reset_at", u."budget_duration"
    from "app_user" u where ${which.user}
  union all
  select 'org', o."id", o."name", o."id", null, null, o."spend", o."soft_budget", o."max_budget", o."budget_reset_at", o."budget_duration"
    from "organization" o where ${which.org}
  union all
  select 'end_user', e."id", e."external_id", null, null, null, e."spend",
         case when ${followsAnyEndUserSql('e')} then d."soft_budget" else coalesce(e."soft_budget", b."soft_budget") end,
         case when ${followsAnyEndUserSql('e')} then d."max_budget" else coalesce(e."max_budget", b."max_budget") end,
         case when ${followsAnyEndUserSql('e')} then d."budget_reset_at" else e."budget_reset_at" end,
         case when ${followsAnyEndUserSql('e')} then d."budget_duration" else coalesce(e."budget_duration", b."budget_duration") end
    from "end_user" e left join "budget_tier" b on b."id" = e."budget_tier_id"
    left join "end_user" d on d."external_id" = '${ANY_END_USER}'
   where ${which.end_user}
  union all
  select 'tag', g."id", g."name", null, null, null, g."spend", g."soft_budget", g."max_budget", g."budget_reset_at", g."budget_duration"
    from "tag" g where ${which.tag}
  union all
  select 'team_member', m."id", mu."email" || ' in ' || mt."name", mt."organization_id", mt."id", m."user_id", m."spend",
         mt."member_soft_budget", coalesce(m."max_budget", mt."member_max_budget"), mt."budget_reset_at", mt."budget_duration"
    from "team_membership" m join "team" mt on mt."id" = m."team_id" join "app_user" mu on mu."id" = m."user_id"
   where ${which.team_member}
),
"reached" as (
  select x."threshold", s."kind", s."id", s."name", s."org_id", s."team_id", s."owner_id", x."budget", ${spend} as "spend",
         coalesce(to_char(s."budget_reset_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'none') as "period",
         case when s."budget_reset_at" is not null then s."budget_duration" end as "budget_duration",
         case when s."budget_reset_at" is not null then ${periodStartOfSql('s')} end as "period_start"
    from "subject" s
   cross join lateral (values ('soft_budget', s."soft_budget"), ('max_budget', s."max_budget")) as x("threshold", "budget")
   where x."budget" is not null and ${reachedWhen}
     -- A period that has ended but not been reset yet (the job runs every minute) holds the old period's spend and
     -- the new one's: no alert is filed under it; the batch after the reset judges the new period on its own.
     and (s."budget_reset_at" is null or s."budget_reset_at" > now())
)
insert into "budget_alert" ("threshold", "subject_kind", "subject_id", "subject_name", "org_id", "team_id", "owner_id",
                            "period", "budget_duration", "period_start", "budget", "spend")
select r."threshold", r."kind", r."id", r."name", r."org_id", r."team_id", r."owner_id", r."period", r."budget_duration",
       r."period_start", r."budget", r."spend"
  from "reached" r
 where not exists (select 1 from "budget_alert" a
                    where a."threshold" = r."threshold" and a."subject_kind" = r."kind" and a."subject_id" = r."id"
                      and a."period" = r."period" and a."budget" = r."budget")
on conflict ("threshold", "subject_kind", "subject_id", "period", "budget") do nothing
returning "id"`;

const UUID_IDS = (column: string) => `select n."${column}"::uuid from "batch" n where n."${column}" ~ '${SQL_UUID_PATTERN}'`;

/**
 * Ingest: run in the ingest transaction after the spend UPDATEs, so `spend` is this batch's result and the rows are
 * locked until commit. Looks at every subject the batch touched: its keys, teams, key owners, organizations, end
 * users and tags. Its one parameter is the batch's new request ids as JSON.
 */
const RECORD_BATCH_ALERTS = recordAlertsSql(
  `"batch" as (select l."key_id", l."team_id", l."user_id", l."org_id", l."end_user", l."tags" from ${NEW_ROWS})`,
  {
    key: `k."id" in (${UUID_IDS('key_id')})`,
    team: `t."id" in (${UUID_IDS('team_id')})`,
    user: `u."id" in (${UUID_IDS('user_id')})`,
    org: `o."id" in (${UUID_IDS('org_id')})`,
    end_user: `e."external_id" in (select n."end_user" from "batch" n)`,
    tag: `g."name" in (select unnest(n."tags") from "batch" n)`,
    team_member: `(m."team_id"::text, m."user_id"::text) in (select n."team_id", n."user_id" from "batch" n)`,
  },
);

const WANTED_IDS = (kind: AlertSubjectKind) =>
  `select x."id"::uuid from "wanted" w cross join jsonb_array_elements_text(w."ids" -> '${kind}') as x("id")`;

/** The subjects named by id per kind in the statement's one parameter, as JSON (`{"key": ["<uuid>"], …}`). */
const WANTED: [string, Record<AlertSubjectKind, string>] = [
  `"wanted" as (select ?::jsonb as "ids")`,
  {
    key: `k."id" in (${WANTED_IDS('key')})`,
    team: `t."id" in (${WANTED_IDS('team')})`,
    user: `u."id" in (${WANTED_IDS('user')})`,
    org: `o."id" in (${WANTED_IDS('org')})`,
    end_user: `e."id" in (${WANTED_IDS('end_user')})`,
    tag: `g."id" in (${WANTED_IDS('tag')})`,
    team_member: `m."id" in (${WANTED_IDS('team_member')})`,
  },
];

/**
 * Admin changes: run in the admin write's transaction after the change, for the subjects whose budgets it changed,
 * so a budget lowered below the spend already made alerts at once, not with the subject's next request (which an
 * idle subject, or one its hard budget now refuses, may never send).
 */
const RECORD_SUBJECT_ALERTS = recordAlertsSql(...WANTED);

/**
 * Admin changes of the budgets of the end user `*`: every end user that follows it (and has spent) is judged by them at
 * once, as a subject whose own budget changed is. One statement, a scan of the followers that spent.
 */
const RECORD_FOLLOWER_ALERTS = recordAlertsSql(`"none" as (select 1)`, {
  key: 'false',
  team: 'false',
  user: 'false',
  org: 'false',
  end_user: `e."spend" > 0 and ${followsAnyEndUserSql('e')}`,
  tag: 'false',
  team_member: 'false',
});

/**
 * Refusals: a data plane refuses a request its hard budget cannot take (spend plus the request's estimate past it),
 * so spend usually stops just short of the budget and never reaches it; the first refusal is what reaching it looks
 * like. The subjects a batch's `budget_exceeded` events name (`refusedBy`) get their hard-budget alert for the
 * period, with the spend as it stands, once, like any other; but only for a refusal made in the current period (or
 * later): one that reaches the control plane after the budget was reset (a data plane's backlog) was the old
 * period's, and would otherwise use up the new period's one alert before its budget was reached. The statement's
 * one parameter is the refusals as JSON, `[{"kind", "id", "at"}]` (`at`: the latest refused request's start).
 */
const refusedIn = (kind: AlertSubjectKind, a: string) =>
  `exists (select 1 from "refused" r where r."kind" = '${kind}' and r."id" = ${a}."id" and ${inPeriodSql(a, 'r."at"')})`;
/** End users: named by id, or (refused under the budget of `*`) by external id, in their period or `*`'s. */
const endUserRefused = `exists (select 1 from "refused" r where r."kind" = 'end_user'
  and (r."id" = e."id" or r."externalId" = e."external_id") and ${endUserInPeriodSql('e', 'd', 'r."at"')})`;
// The spend the refusing data plane counted, when more than the ledger's (the requests that spent it may come in a later
// batch, from another data plane).
const REFUSED_SPEND = `greatest(s."spend", coalesce((select max(r."spent") from "refused" r where r."kind" = s."kind"
  and (r."id" = s."id" or (s."kind" = 'end_user' and r."externalId" = s."name"))), 0))`;
// Whether a refusal was made under the budget as it is now (or does not say under which: data planes before that),
// not under a lower one an admin has raised since, whose spend is no reason to alert the new one.
const REFUSED_UNDER_BUDGET = `exists (select 1 from "refused" r where r."kind" = s."kind"
  and (r."id" = s."id" or (s."kind" = 'end_user' and r."externalId" = s."name"))
  and (r."limit" is null or r."limit" * 1.000001 >= x."budget"))`;
const RECORD_REFUSAL_ALERTS = recordAlertsSql(
  `"refused" as (select x."kind", x."id", x."externalId", x."at", x."spent", x."limit" from jsonb_to_recordset(?::jsonb) as x("kind" text, "id" uuid, "externalId" text, "at" timestamptz, "spent" numeric, "limit" numeric))`,
  {
    key: refusedIn('key', 'k'),
    team: refusedIn('team', 't'),
    user: refusedIn('user', 'u'),
    org: refusedIn('org', 'o'),
    end_user: endUserRefused,
    tag: refusedIn('tag', 'g'),
    // In the period of the member's team.
    team_member: `exists (select 1 from "refused" r where r."kind" = 'team_member' and r."id" = m."id" and ${inPeriodSql('mt', 'r."at"')})`,
  },
  // A hard budget's alert for a refusal also when the spend counted is short of it (what was left could not take the
  // refused request's estimate), if it was refused under this budget.
  `(${REFUSED_SPEND} >= x."budget" or (x."threshold" = 'max_budget' and ${REFUSED_UNDER_BUDGET}))`,
  REFUSED_SPEND,
);

/** Records the alerts a batch's spend raised (see RECORD_BATCH_ALERTS); `newIds` is the batch's new request ids as JSON. */
export async function recordBudgetAlerts(em: EntityManager, newIds: string): Promise<number> {
  return (await em.execute(RECORD_BATCH_ALERTS, [newIds])).length;
}

/** Subjects by kind, by id. */
export type SubjectIds = Partial<Record<AlertSubjectKind, readonly string[]>>;

/**
 * A subject whose hard budget refused requests, and when the latest of them started. An end user refused under the
 * budget of `*` is named by its external id (`id` null): data planes count it as `<id of *>/<external id>`.
 */
export interface Refusal {
  readonly kind: AlertSubjectKind;
  readonly id: string | null;
  readonly externalId?: string;
  readonly at: string;
  /** The most the refusing data planes counted the subject as having spent (`refusedBy.spent`). */
  readonly spent?: number;
  /** The highest budget it was refused under (`refusedBy.limit`); absent when a refusal does not say. */
  readonly limit?: number;
}

/**
 * The subjects whose hard budgets refused `events` (see RECORD_REFUSAL_ALERTS), each once with its latest refusal;
 * ids that cannot be a subject's (not UUIDs; a key's per-model budget, which the control plane does not keep) are
 * left out.
 */
export function refusingSubjects(events: readonly UsageEvent[]): Refusal[] {
  const found = new Map<string, Refusal>();
  for (const event of events) {
    const refusal = refusalOf(event);
    if (refusal === null) continue;
    const key = `${refusal.kind}/${refusal.id ?? `*/${refusal.externalId}`}`;
    const seen = found.get(key);
    const spent = Math.max(seen?.spent ?? 0, refusal.spent ?? 0);
    // A refusal that does not say its budget makes the subject's unknown (as data planes before it did: alerted).
    const limit = seen === undefined ? refusal.limit : seen.limit === undefined || refusal.limit === undefined ? undefined : Math.max(seen.limit, refusal.limit);
    const { limit: _limit, ...latest } = seen === undefined || Date.parse(event.startedAt) > Date.parse(seen.at) ? refusal : seen;
    found.set(key, { ...latest, ...(spent > 0 && { spent }), ...(limit !== undefined && { limit }) });
  }
  return [...found.values()];
}

function refusalOf(event: UsageEvent): Refusal | null {
  const by = event.refusedBy;
  if (by === undefined || !(ALERT_SUBJECT_KINDS as readonly string[]).includes(by.kind)) return null;
  const kind = by.kind as AlertSubjectKind;
  const spent = { ...(by.spent !== undefined && { spent: by.spent }), ...(by.limit !== undefined && { limit: by.limit }) };
  if (isUuid(by.id)) return { kind, id: by.id, at: event.startedAt, ...spent };
  // `<id of *>/<external id>`: the end user is the event's own (as recorded: a long id is shortened on both).
  const slash = by.id.indexOf('/');
  if (kind === 'end_user' && slash > 0 && isUuid(by.id.slice(0, slash)) && event.endUser !== null) {
    return { kind, id: null, externalId: event.endUser, at: event.startedAt, ...spent };
  }
  return null;
}

/** Records the hard-budget alerts of the subjects that refused requests (see RECORD_REFUSAL_ALERTS). */
export async function recordRefusalAlerts(em: EntityManager, refusals: readonly Refusal[]): Promise<number> {
  if (refusals.length === 0) return 0;
  return (await em.execute(RECORD_REFUSAL_ALERTS, [JSON.stringify(refusals)])).length;
}

/** Records the alerts the budgets of `*` call for now among its followers (see RECORD_FOLLOWER_ALERTS), after a flush. */
export async function recordFollowerAlerts(em: EntityManager): Promise<number> {
  await em.flush();
  return (await em.execute(RECORD_FOLLOWER_ALERTS)).length;
}

/**
 * Records the alerts the budgets of `subjects` call for now (see RECORD_SUBJECT_ALERTS), in the caller's transaction
 * after flushing its changes, so the statement reads the budgets and spend the change left. Returns how many.
 */
export async function recordSubjectAlerts(em: EntityManager, subjects: SubjectIds): Promise<number> {
  const wanted = Object.fromEntries(Object.entries(subjects).filter(([, ids]) => ids !== undefined && ids.length > 0));
  if (Object.keys(wanted).length === 0) return 0;
  await em.flush();
  return (await em.execute(RECORD_SUBJECT_ALERTS, [JSON.stringify(wanted)])).length;
}

export interface BudgetAlertPage {
  alerts: BudgetAlert[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/** An alert as the webhook receives it (documented in docs/architecture.md, "Budget alerts and live spend"). */
export interface BudgetAlertPayload {
  id: string;
  type: 'budget_alert';
  threshold: string;
  subject: { kind: string; id: string; name: string | null };
  organizationId: string | null;
  teamId: string | null;
  ownerId: string | null;
  /** The period's end (ISO 8601), or `none` for a budget that never resets. */
  period: string;
  /** The period's start and length; null for a budget that never resets (and for alerts filed before 2026-11-27). */
  periodStart: string | null;
  budgetDuration: string | null;
  budget: number;
  spend: number;
  createdAt: string;
}

/**
 * Budget alerts: the list callers read (newest first, keyset pages on the id, within what the policy lets them see
 * of spend), and the outbox the delivery job works through.
 */
export class BudgetAlertService {
  constructor(private readonly orm: Orm) {}

  /**
   * Proxy admins and their viewers see every alert; org admins their organization's subjects; internal users
   * their own keys, themselves and their budgets as team members, and as team admins those teams, their keys and their
   * members. End users and tags belong to no
   * organization, so only proxy admins see theirs.
   */
  async list(actor: Actor, rawInput: unknown): Promise<BudgetAlertPage> {
    const input = parseInput(BudgetAlertsInput, rawInput);
    const seen = visibility(actor.principal, 'spend');
    if (seen.kind === 'none') return { alerts: [], endCursor: null, hasNextPage: false };
    const conditions: FilterQuery<BudgetAlert>[] = [];
    if (seen.kind === 'org') conditions.push({ orgId: seen.orgId });
    if (seen.kind === 'own') {
      const own: FilterQuery<BudgetAlert>[] = [
        { subjectKind: 'key', ownerId: seen.userId },
        { subjectKind: 'user', subjectId: seen.userId },
        { subjectKind: 'team_member', ownerId: seen.userId },
      ];
      if (seen.teamIds.length > 0) own.push({ subjectKind: { $in: ['key', 'team', 'team_member'] }, teamId: { $in: [...seen.teamIds] } });
      conditions.push({ $or: own });
    }
    if (input.subjectKind !== null) conditions.push({ subjectKind: input.subjectKind });
    if (input.subjectId !== null) conditions.push({ subjectId: input.subjectId });
    if (input.threshold !== null) conditions.push({ threshold: input.threshold });
    if (input.after !== null) conditions.push({ id: { $lt: decodeCursor(input.after) } });
    const rows = await this.orm.em.fork().find(BudgetAlert, conditions.length > 0 ? { $and: conditions } : {}, {
      orderBy: { id: 'desc' },
      limit: input.first + 1,
    });
    const hasNextPage = rows.length > input.first;
    const alerts = hasNextPage ? rows.slice(0, input.first) : rows;
    const last = alerts.at(-1);
    return { alerts, hasNextPage, endCursor: last && hasNextPage ? encodeCursor(last) : null };
  }

  /**
   * Alerts due for delivery, oldest first, as the webhook receives them: not delivered, past their backoff, and
   * younger than `maxAgeMs` (older ones are given up on: an alert a day late, or one raised before a webhook was
   * configured, is noise). Database time throughout, like the job runner's.
   */
  undelivered({ limit, maxAgeMs }: { limit: number; maxAgeMs: number }): Promise<BudgetAlertPayload[]> {
    return this.orm.em.fork().execute<BudgetAlertPayload[]>(
      `select a."id"::text as "id", 'budget_alert' as "type", a."threshold",
              json_build_object('kind', a."subject_kind", 'id', a."subject_id", 'name', a."subject_name") as "subject",
              a."org_id" as "organizationId", a."team_id" as "teamId", a."owner_id" as "ownerId", a."period",
              to_char(a."period_start" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "periodStart",
              a."budget_duration" as "budgetDuration",
              a."budget"::float8 as "budget", a."spend"::float8 as "spend",
              to_char(a."created_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt"
         from "budget_alert" a
        where a."webhook_delivered_at" is null and coalesce(a."webhook_next_attempt_at", '-infinity') <= now()
          and a."created_at" > now() - make_interval(secs => ?)
        order by a."id" limit ?`,
      [maxAgeMs / 1000, limit],
    );
  }

  /**
   * Gives up on alerts still undelivered at `maxAgeMs` old: their last error says so and no attempt follows. Returns
   * how many were given up now (each once), for the job to log: an alert the webhook never got must not fade silently.
   */
  async abandonExpired(maxAgeMs: number): Promise<number> {
    const rows = await this.orm.em.fork().execute(
      `update "budget_alert" set "webhook_next_attempt_at" = 'infinity',
              "webhook_last_error" = coalesce("webhook_last_error" || '; ', '') || 'not delivered within ' || ? || ' hours: given up'
        where "webhook_delivered_at" is null and "created_at" <= now() - make_interval(secs => ?)
          and "webhook_next_attempt_at" is distinct from 'infinity'
        returning "id"`,
      [String(Math.round(maxAgeMs / 3_600_000)), maxAgeMs / 1000],
    );
    return rows.length;
  }

  /**
   * Records one delivery attempt, committed at once, so a crash later in the run redelivers nothing already
   * delivered. After a failure the next attempt waits `retryBaseMs` doubling per failed attempt up to `retryMaxMs`.
   */
  async recordAttempt(id: string, error: string | null, backoff: { retryBaseMs: number; retryMaxMs: number }): Promise<void> {
    await this.orm.em.fork().execute(
      // In SET, "webhook_attempts" is the count before this attempt.
      `update "budget_alert" set "webhook_attempts" = "webhook_attempts" + 1, "webhook_last_error" = ?,
              "webhook_delivered_at" = case when ? then now() end,
              "webhook_next_attempt_at" = case when not ? then
                now() + least(?, ? * power(2, least("webhook_attempts", 30))) * interval '1 millisecond' end
        where "id" = ?`,
      [error, error === null, error === null, backoff.retryMaxMs, backoff.retryBaseMs, id],
    );
  }
}

function encodeCursor(alert: BudgetAlert): string {
  return Buffer.from(`budget_alert:${alert.id}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^budget_alert:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badUserInput({ after: ['is not a cursor this API returned'] });
  return Number(match[1]);
}

import { ANY_END_USER, UsageAck, UsageEvent, type SpendSubjectKind, type SubjectSpendEntry } from '@tollgate/schema';
import type { Orm } from '../db/orm.js';
import { databaseMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { describeZodError, SQL_UUID_PATTERN } from '../validation.js';
import { recordBudgetAlerts, recordRefusalAlerts, refusingSubjects } from './budget-alerts.js';
import { keyModelLimitedSql } from './config-key-rows.js';
import { endUserInPeriodSql, inPeriodSql, lockAnyEndUserSql, periodStartOfSql } from './budget-period.js';
import { notifySpend } from './live-spend.js';
import { NEW_ROWS } from './new-ledger-rows.js';
import { budgetedSpend, notifySubjectSpend, RETURNING_END_USER_SPEND, RETURNING_KEY_MODEL_SPEND, RETURNING_MEMBER_SPEND, returningSpend, type SpendRow } from './subject-spend.js';

/**
 * One statement for the whole batch: events travel as one jsonb parameter (no parameter-count limit, one round
 * trip) and `on conflict do nothing` skips request ids already in the ledger, so a batch resent after a lost
 * acknowledgement is counted once. `returning` names the rows this batch actually added.
 *
 * A cost sent as a decimal string is a JSON string, which jsonb_to_recordset hands to numeric's own parser, so every
 * digit the column holds (12 places) arrives; a cost sent as a number (older data planes) is already a double.
 */
const INSERT_LEDGER = `
insert into "spend_log" (
  "request_id", "key_id", "team_id", "model", "model_id", "provider", "route", "stream", "status", "http_status",
  "error_type", "error_message", "prompt_tokens", "completion_tokens", "total_tokens", "cache_read_tokens",
  "cache_write_tokens", "reasoning_tokens", "estimated", "cost", "started_at", "duration_ms", "ttft_ms", "end_user",
  "data_plane_id", "user_id", "org_id", "tags", "metadata")
select e."requestId", e."keyId", e."teamId", e."model", e."modelId", e."provider", e."route", e."stream", e."status",
       e."httpStatus", e."errorType", e."errorMessage", e."promptTokens", e."completionTokens", e."totalTokens",
       e."cacheReadTokens", e."cacheWriteTokens", e."reasoningTokens", e."estimated",
       e."cost", e."startedAt", e."durationMs", e."ttftMs", e."endUser", e."dataPlaneId",
       k."owner_id"::text, coalesce(k."organization_id", t."organization_id")::text,
       array(select distinct x from unnest(coalesce(k."tags", '{}') || coalesce(t."tags", '{}') || coalesce(o."tags", '{}') || coalesce(e."tags", '{}')) as x order by x),
       coalesce(t."metadata", '{}') || coalesce(k."metadata", '{}') || coalesce(e."metadata", '{}')
  from jsonb_to_recordset(?::jsonb) as e(
    "requestId" text, "keyId" text, "teamId" text, "model" text, "modelId" text, "provider" text, "route" text,
    "stream" boolean, "status" text, "httpStatus" int, "errorType" text, "errorMessage" text, "promptTokens" int,
    "completionTokens" int, "totalTokens" int, "cacheReadTokens" int, "cacheWriteTokens" int, "reasoningTokens" int,
    "estimated" boolean, "cost" numeric, "startedAt" timestamptz, "durationMs" float8,
    "ttftMs" float8, "endUser" text, "dataPlaneId" text, "metadata" jsonb, "tags" text[])
  -- The key's owner, organization and tags (its own, its team's, its organization's) as they are now; a key id that is not a uuid names no key (the case
  -- keeps the cast from running on it).
  left join "virtual_key" k on k."id" = case when e."keyId" ~ '${SQL_UUID_PATTERN}' then e."keyId"::uuid end
  left join "team" t on t."id" = k."team_id"
  left join "organization" o on o."id" = coalesce(k."organization_id", t."organization_id")
on conflict ("request_id") do nothing
returning "request_id"`;

/** Whether ledger row `l` belongs to subject `a`'s budget period (see `inPeriodSql`). */
const inPeriod = (a: string) => inPeriodSql(a, 'l."started_at"');

// One UPDATE per key (and per team) per batch, however many requests it carries. Ids that cannot be uuids name
// no key; the case keeps the cast from running on them.
const ADD_KEY_SPEND = `
update "virtual_key" k set "spend" = k."spend" + s."cost"
  from (select a."id", sum(l."cost") as "cost" from ${NEW_ROWS}
          join "virtual_key" a on a."id" = case when l."key_id" ~ '${SQL_UUID_PATTERN}' then l."key_id"::uuid end
         where ${inPeriod('a')} group by a."id") s
 where k."id" = s."id"
${returningSpend('k')}`;

// A key's spend on each model with a budget of its own (`modelLimits.<model>.maxBudget`; see KeyModelSpend), after
// ADD_KEY_SPEND, which locks the key first, as what starts its new period does. A row of the key's current period
// takes the batch's cost; a row of an earlier period, or none yet, is counted from the ledger (the batch's rows are
// in it already).
const ADD_KEY_MODEL_SPEND = `
with s as (
  select a."id" as "key_id", ${keyModelLimitedSql('a', 'l', 'd')} as "model", a."budget_reset_at" as "period_end", sum(l."cost") as "cost",
         case when a."budget_duration" is null or a."budget_reset_at" is null then '-infinity'::timestamptz else ${periodStartOfSql('a')} end as "since"
    from ${NEW_ROWS}
    join "virtual_key" a on a."id" = case when l."key_id" ~ '${SQL_UUID_PATTERN}' then l."key_id"::uuid end
    left join "model" d on d."id"::text = l."model_id"
   where a."model_limits" -> ${keyModelLimitedSql('a', 'l', 'd')} -> 'maxBudget' is not null and ${inPeriod('a')}
   group by a."id", 2, a."budget_reset_at", a."budget_duration"
)
insert into "key_model_spend" ("key_id", "model", "period_end", "spend")
select s."key_id", s."model", s."period_end",
       case when x."key_id" is not null and x."period_end" is not distinct from s."period_end" then x."spend" + s."cost"
            else coalesce((select sum(r."cost") from "virtual_key" k cross join "spend_log" r left join "model" m on m."id"::text = r."model_id"
                            where k."id" = s."key_id" and r."key_id" = s."key_id"::text and ${keyModelLimitedSql('k', 'r', 'm')} = s."model"
                              and r."started_at" >= s."since"), 0) end
  from s left join "key_model_spend" x on x."key_id" = s."key_id" and x."model" = s."model"
on conflict ("key_id", "model") do update set "period_end" = excluded."period_end", "spend" = excluded."spend"
${RETURNING_KEY_MODEL_SPEND}`;

const ADD_TEAM_SPEND = `
update "team" t set "spend" = t."spend" + s."cost"
  from (select a."id", sum(l."cost") as "cost" from ${NEW_ROWS}
          join "team" a on a."id" = case when l."team_id" ~ '${SQL_UUID_PATTERN}' then l."team_id"::uuid end
         where ${inPeriod('a')} group by a."id") s
 where t."id" = s."id"
${returningSpend('t')}`;

// A team member's spend in the team: their requests through the team's keys they own, in the team's period (after
// ADD_TEAM_SPEND, which locks the team first, as what starts its new period does).
const ADD_MEMBER_SPEND = `
update "team_membership" m set "spend" = m."spend" + s."cost"
  from (select a."id" as "team_id", l."user_id", sum(l."cost") as "cost" from ${NEW_ROWS}
          join "team" a on a."id" = case when l."team_id" ~ '${SQL_UUID_PATTERN}' then l."team_id"::uuid end
         where l."user_id" is not null and ${inPeriod('a')} group by a."id", l."user_id") s
 where m."team_id" = s."team_id" and m."user_id" = s."user_id"::uuid
${RETURNING_MEMBER_SPEND}`;

const ADD_USER_SPEND = `
update "app_user" u set "spend" = u."spend" + s."cost"
  from (select a."id", sum(l."cost") as "cost" from ${NEW_ROWS}
          join "app_user" a on a."id" = l."user_id"::uuid
         where l."user_id" is not null and ${inPeriod('a')} group by a."id") s
 where u."id" = s."id"
${returningSpend('u')}`;

const ADD_ORG_SPEND = `
update "organization" o set "spend" = o."spend" + s."cost"
  from (select a."id", sum(l."cost") as "cost" from ${NEW_ROWS}
          join "organization" a on a."id" = l."org_id"::uuid
         where l."org_id" is not null and ${inPeriod('a')} group by a."id") s
 where o."id" = s."id"
${returningSpend('o')}`;

// End users are made on first sight, and their spend counted from then on: within their own period, when they have
// one (an end user on a budget tier's period counts everything, as before); an end user without settings (a new one
// too) within the period of the end user `*`, whose budget it follows (see endUserInPeriodSql). A request never spends
// `*` itself (data planes refuse the name; an older one's events under it count for no end user).
const ADD_END_USER_SPEND = `
insert into "end_user" ("id", "external_id", "spend")
select gen_random_uuid(), l."end_user", sum(l."cost") from ${NEW_ROWS}
  left join "end_user" a on a."external_id" = l."end_user"
  left join "end_user" d on d."external_id" = '${ANY_END_USER}'
 where l."end_user" is not null and l."end_user" <> '${ANY_END_USER}' and ${endUserInPeriodSql('a', 'd', 'l."started_at"')} group by l."end_user"
on conflict ("external_id") do update set "spend" = "end_user"."spend" + excluded."spend"
${RETURNING_END_USER_SPEND}`;

const ADD_TAG_SPEND = `
update "tag" g set "spend" = g."spend" + s."cost"
  from (select a."id", sum(l."cost") as "cost" from ${NEW_ROWS} cross join unnest(l."tags") as x("tag")
          join "tag" a on a."name" = x."tag"
         where ${inPeriod('a')} group by a."id") s
 where g."id" = s."id"
${returningSpend('g')}`;

/**
 * The columns every roll-up row sums (see `SpendTotals`), after the counts: `requests`, then those that failed and
 * those the client abandoned (by the ledger's `status`).
 */
const SUMMED = ['prompt_tokens', 'completion_tokens', 'total_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost'];
const COUNTED = ['requests', 'failed_requests', 'aborted_requests'];
const TOTAL_COLUMNS = [...COUNTED, ...SUMMED].map((c) => `"${c}"`).join(', ');
const sums = (alias: string) =>
  [
    'count(*)',
    `count(*) filter (where ${alias}."status" = 'error')`,
    `count(*) filter (where ${alias}."status" = 'aborted')`,
    ...SUMMED.map((c) => `sum(${alias}."${c}")`),
  ].join(', ');
const addTotals = (table: string) => [...COUNTED, ...SUMMED].map((c) => `"${c}" = "${table}"."${c}" + excluded."${c}"`).join(',\n  ');

/**
 * Daily spend per dimension value: one row per (day, dimension, value, organization) touched by the batch, each
 * upserted once. Every request counts once under each dimension that has a value for it (once per tag).
 */
const ADD_ROLLUPS = `
insert into "spend_rollup" ("day", "dimension", "value", "org_id", ${TOTAL_COLUMNS})
select d."day", d."dimension", d."value", d."org_id", ${sums('d')}
  from (
    select (l."started_at" at time zone 'UTC')::date as "day", v."dimension", v."value", coalesce(l."org_id", '') as "org_id",
           l."status", ${SUMMED.map((c) => `l."${c}"`).join(', ')}
      from ${NEW_ROWS}
     cross join lateral (
       select 'key', l."key_id" union all select 'user', l."user_id" union all select 'team', l."team_id"
       union all select 'org', l."org_id" union all select 'end_user', l."end_user" union all select 'model', l."model"
       union all select 'deployment', l."model_id" union all select 'provider', l."provider"
       union all select 'tag', x from unnest(l."tags") as x
     ) as v("dimension", "value")
     where v."value" is not null) d
 group by d."day", d."dimension", d."value", d."org_id"
on conflict ("day", "dimension", "value", "org_id") do update set
  ${addTotals('spend_rollup')}`;

// Grouped first, so each roll-up row is touched once per batch (an upsert may not hit one row twice).
const ADD_DAILY = `
insert into "spend_daily" ("day", "key_id", "team_id", "model", ${TOTAL_COLUMNS})
select (l."started_at" at time zone 'UTC')::date, l."key_id", l."team_id", l."model", ${sums('l')}
  from ${NEW_ROWS}
 group by 1, l."key_id", l."team_id", l."model"
on conflict ("day", "key_id", (coalesce("team_id", '')), "model") do update set
  ${addTotals('spend_daily')}`;

function requestIdOf(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const id = (raw as { requestId?: unknown }).requestId;
  return typeof id === 'string' ? id : null;
}

/**
 * Writes usage events from data planes: idempotent by request id, all-or-nothing per batch. Strings PostgreSQL's
 * jsonb refuses (a NUL, half of a surrogate pair: a client may put either in a model name, a tag or `user`) are
 * mended first (U+FFFD in their place), and a batch PostgreSQL still refuses as data (SQLSTATE class 22: a value
 * out of a column's range) is written in halves down to the one event it refuses, which is rejected: one bad event
 * must never hold back every later one of its data plane, whose shipper resends a failed batch unchanged.
 */
export class UsageIngest {
  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
  ) {}

  async ingest(batch: readonly unknown[]): Promise<UsageAck> {
    const events = new Map<string, UsageEvent>();
    const rejected: UsageAck['rejected'] = [];
    for (const raw of batch) {
      const parsed = UsageEvent.safeParse(raw);
      if (!parsed.success) rejected.push({ requestId: requestIdOf(raw), reason: describeZodError(parsed.error) });
      // A request id repeated within a batch is one request: the first copy is written.
      else if (!events.has(parsed.data.requestId)) events.set(parsed.data.requestId, wellFormed(parsed.data));
    }
    if (events.size === 0) {
      if (rejected.length > 0) this.logger.warn('rejected malformed usage events', { count: rejected.length });
      return { acknowledged: [], rejected };
    }
    const acknowledged: string[] = [];
    const alerts = await this.write([...events.values()], acknowledged, rejected);
    if (rejected.length > 0) this.logger.warn('rejected malformed usage events', { count: rejected.length });
    // Committed: every acknowledged event is now durable, whether written now or by an earlier delivery.
    if (alerts > 0) this.logger.info('budget alerts raised', { count: alerts });
    return { acknowledged, rejected };
  }

  /** Writes `events` in one transaction, or, when PostgreSQL refuses their data, in halves; returns alerts raised. */
  private async write(events: readonly UsageEvent[], acknowledged: string[], rejected: UsageAck['rejected']): Promise<number> {
    try {
      const alerts = await this.writeBatch(events);
      for (const event of events) acknowledged.push(event.requestId);
      return alerts;
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (events.length === 1) {
        rejected.push({ requestId: events[0]!.requestId, reason: `the spend log refused it: ${databaseMessage(err)}` });
        return 0;
      }
      const half = Math.ceil(events.length / 2);
      return (await this.write(events.slice(0, half), acknowledged, rejected)) + (await this.write(events.slice(half), acknowledged, rejected));
    }
  }

  private writeBatch(events: readonly UsageEvent[]): Promise<number> {
    return this.orm.em.fork().transactional(async (em) => {
      const rows = await em.execute<{ request_id: string }[]>(INSERT_LEDGER, [JSON.stringify(events)]);
      if (rows.length === 0) return 0;
      const newIds = JSON.stringify(rows.map((r) => r.request_id));
      // The spend each statement leaves on subjects with a budget, for data planes (see subject-spend.ts).
      const spend: SubjectSpendEntry[] = [];
      const addSpend = async (kind: SpendSubjectKind, statement: string) => budgetedSpend(kind, await em.execute<SpendRow[]>(statement, [newIds]), spend);
      await addSpend('key', ADD_KEY_SPEND);
      await addSpend('key_model', ADD_KEY_MODEL_SPEND);
      await addSpend('team', ADD_TEAM_SPEND);
      await addSpend('team_member', ADD_MEMBER_SPEND);
      await em.execute(ADD_DAILY, [newIds]);
      await addSpend('user', ADD_USER_SPEND);
      await addSpend('org', ADD_ORG_SPEND);
      // The period of `*` cannot start anew (and its followers' spend be recounted) while this adds to end users.
      if (events.some((e) => e.endUser != null)) await em.execute(lockAnyEndUserSql('share'));
      await addSpend('end_user', ADD_END_USER_SPEND);
      await addSpend('tag', ADD_TAG_SPEND);
      await em.execute(ADD_ROLLUPS, [newIds]);
      // After the spend: alerts read the spend this batch left, and live spend goes out when it commits.
      const raised = (await recordBudgetAlerts(em, newIds)) + (await recordRefusalAlerts(em, refusingSubjects(events)));
      await notifySpend(em, newIds);
      await notifySubjectSpend(em, spend);
      return raised;
    });
  }
}

/** PostgreSQL refused a value (SQLSTATE class 22, data exception), not the statement or the connection. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** A NUL, or half of a surrogate pair: what jsonb (and text) refuse. */
const ILL_FORMED = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `value` with every string (and object key) PostgreSQL would refuse mended; the value itself when none is. */
function wellFormed<T>(value: T): T {
  if (typeof value === 'string') {
    ILL_FORMED.lastIndex = 0;
    return (ILL_FORMED.test(value) ? value.replace(ILL_FORMED, '\ufffd') : value) as T;
  }
  if (Array.isArray(value)) return value.map(wellFormed) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormed(v)])) as T;
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { SpendLog } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { visibility, type Visibility } from '../auth/policy.js';
import { AppError, badUserInput, forbidden } from '../errors.js';
import { parseInput } from '../validation.js';
import type { Actor } from './audit.js';
import { SpendLogsInput, SpendReportInput } from './inputs.js';
import { requestLog, type RequestLogPage } from './request-log.js';

export interface SpendTotals {
  totalSpend: number;
  totalRequests: number;
  totalTokens: number;
}

export class SpendService {
  constructor(private readonly orm: Orm) {}

  /**
   * Ledger rows, newest first. Proxy admins and their viewers only for now: per-tenant spend reports (an org
   * admin's organization, a user's own keys) come with the spend reporting API.
   */
  async logs(actor: Actor, keyId: string | null | undefined, limit: number): Promise<SpendLog[]> {
    assertSeesAllSpend(actor);
    const input = parseInput(SpendLogsInput, { keyId, limit });
    return this.orm.em.fork().find(SpendLog, input.keyId !== null ? { keyId: input.keyId } : {}, {
      orderBy: { startedAt: 'desc', requestId: 'desc' },
      limit: input.limit,
    });
  }

  report(actor: Actor, rawInput: unknown): Promise<SpendReportRow[]> {
    return spendReport(this.orm.em.fork(), actor, rawInput);
  }

  requestLog(actor: Actor, rawInput: unknown): Promise<RequestLogPage> {
    return requestLog(this.orm.em.fork(), actor, rawInput);
  }

  /** All-time totals, from the daily roll-up rather than the ledger. */
  summary(actor: Actor, em: EntityManager = this.orm.em.fork()): Promise<SpendTotals> {
    assertSeesAllSpend(actor);
    return spendTotals(em);
  }
}

export interface SpendReportRow {
  /** The UTC day (YYYY-MM-DD) when the report is by day; null for totals over the range. */
  day: string | null;
  /** The key id, user id, team id, organization id, end-user id, model name, provider or tag. */
  value: string;
  requests: number;
  /** Of `requests`, those that failed: refused by the gateway, or the provider's error. */
  failedRequests: number;
  /** Of `requests`, those the client abandoned before the answer ended. */
  abortedRequests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  cost: number;
}

/**
 * Spend by one dimension over a date range, as totals per value or per day and value, from the daily roll-ups (never
 * the ledger). Proxy admins and viewers see everything; org admins their organization's requests; internal users
 * their own keys and their own user (and team admins their teams), and nothing else.
 */
export async function spendReport(em: EntityManager, actor: Actor, rawInput: unknown): Promise<SpendReportRow[]> {
  const input = parseInput(SpendReportInput, rawInput);
  if (input.dimension === 'metadata') return spendByMetadata(em, actor, input);
  const seen = visibility(actor.principal, 'spend');
  const where: string[] = ['r."dimension" = ?'];
  const params: unknown[] = [input.dimension];
  if (seen.kind === 'none') throw forbidden();
  if (seen.kind === 'org') {
    where.push('r."org_id" = ?');
    params.push(seen.orgId);
  }
  if (seen.kind === 'own') {
    const own = await ownSpendValues(em, input.dimension, seen.userId, seen.teamIds);
    // The roll-ups count everyone's requests under a model (provider, tag, …): an internal user's part comes from
    // the ledger, their own keys' and their teams' rows.
    if (own === null) return spendOfOwnKeys(em, seen, input);
    where.push('r."value" = any(?)');
    params.push(`{${own.map((v) => `"${v}"`).join(',')}}`);
  }
  if (input.value !== null) {
    where.push('r."value" = ?');
    params.push(input.value);
  }
  if (input.from !== null) {
    where.push(`r."day" >= (?::timestamptz at time zone 'UTC')::date`);
    params.push(input.from.toISOString());
  }
  if (input.to !== null) {
    // `to` is exclusive, as in the metadata report and the request log: a day counts when it begins before `to`.
    where.push(`r."day" < ?::date`);
    params.push(firstDayNotBefore(input.to));
  }
  const day = input.byDay ? `to_char(r."day", 'YYYY-MM-DD')` : 'null';
  return em.execute<SpendReportRow[]>(
    `select ${day} as "day", r."value", sum(r."requests")::float8 as "requests", sum(r."failed_requests")::float8 as "failedRequests",
            sum(r."aborted_requests")::float8 as "abortedRequests", sum(r."prompt_tokens")::float8 as "promptTokens",
            sum(r."completion_tokens")::float8 as "completionTokens", sum(r."total_tokens")::float8 as "totalTokens",
            sum(r."cache_read_tokens")::float8 as "cacheReadTokens", sum(r."cache_write_tokens")::float8 as "cacheWriteTokens",
            sum(r."reasoning_tokens")::float8 as "reasoningTokens", sum(r."cost")::float8 as "cost"
       from "spend_rollup" r where ${where.join(' and ')}
      group by 1, r."value" order by ${input.byDay ? '1 asc, ' : ''}"cost" desc, r."value" limit ?`,
    [...params, input.first],
  );
}

/**
 * Spend grouped by one metadata field, from the ledger over a bounded range (the started_at index), within the
 * caller's part: everything, their organization, or their own keys.
 */
async function spendByMetadata(em: EntityManager, actor: Actor, input: SpendReportInput): Promise<SpendReportRow[]> {
  const seen = visibility(actor.principal, 'spend');
  if (seen.kind === 'none') throw forbidden();
  return spendFromLedger(em, seen, input, { value: `l."metadata"->>?`, params: [input.metadataKey], where: ['jsonb_exists(l."metadata", ?)'], whereParams: [input.metadataKey] });
}

/** What a ledger report groups by, per dimension: a column of the spend log, or each of its tags. */
const LEDGER_VALUES: Partial<Record<string, { value: string; from?: string }>> = {
  model: { value: 'l."model"' },
  deployment: { value: 'l."model_id"' },
  provider: { value: 'l."provider"' },
  end_user: { value: 'l."end_user"' },
  org: { value: 'l."org_id"' },
  tag: { value: 'x."tag"', from: 'cross join unnest(l."tags") as x("tag")' },
};

/**
 * An internal user's spend by a dimension the roll-ups cannot cut down to their part (model, deployment, provider,
 * tag, end user, organization): from their own keys' and their teams' ledger rows, over a bounded range, like the
 * metadata report.
 */
async function spendOfOwnKeys(em: EntityManager, seen: Extract<Visibility, { kind: 'own' }>, input: SpendReportInput): Promise<SpendReportRow[]> {
  const grouped = LEDGER_VALUES[input.dimension];
  if (grouped === undefined) throw new AppError('FORBIDDEN', `Spend by ${input.dimension} is for admins; ask for key or user instead.`);
  if (input.from === null || input.to === null || input.to.getTime() - input.from.getTime() > 92 * 86_400_000) {
    throw badUserInput({ from: [`spend by ${input.dimension} of your own keys comes from the request log: it needs from and to, at most 92 days apart`] });
  }
  return spendFromLedger(em, seen, input, { value: grouped.value, params: [], where: [], whereParams: [], from: grouped.from });
}

/**
 * Spend from the ledger over `input`'s range (required: an index range scan on `started_at`), grouped by `by.value`
 * (an SQL expression on `l`, with `by.params`), within the caller's part: everything, their organization, or their
 * own keys and their teams' keys.
 */
async function spendFromLedger(
  em: EntityManager,
  seen: Exclude<Visibility, { kind: 'none' }>,
  input: SpendReportInput,
  by: { value: string; params: unknown[]; where: string[]; whereParams: unknown[]; from?: string | undefined },
): Promise<SpendReportRow[]> {
  const where = ['l."started_at" >= ?', 'l."started_at" < ?', ...by.where, `${by.value} is not null`];
  const params: unknown[] = [input.from!.toISOString(), input.to!.toISOString(), ...by.whereParams, ...by.params];
  if (seen.kind === 'org') {
    where.push('l."org_id" = ?');
    params.push(seen.orgId);
  }
  if (seen.kind === 'own') {
    where.push('l."key_id" = any(?)');
    params.push(`{${((await ownSpendValues(em, 'key', seen.userId, seen.teamIds)) ?? []).map((v) => `"${v}"`).join(',')}}`);
  }
  if (input.value !== null) {
    where.push(`${by.value} = ?`);
    params.push(...by.params, input.value);
  }
  const day = input.byDay ? `to_char((l."started_at" at time zone 'UTC')::date, 'YYYY-MM-DD')` : 'null';
  return em.execute<SpendReportRow[]>(
    `select ${day} as "day", ${by.value} as "value", count(*)::float8 as "requests",
            (count(*) filter (where l."status" = 'error'))::float8 as "failedRequests",
            (count(*) filter (where l."status" = 'aborted'))::float8 as "abortedRequests", sum(l."prompt_tokens")::float8 as "promptTokens",
            sum(l."completion_tokens")::float8 as "completionTokens", sum(l."total_tokens")::float8 as "totalTokens",
            sum(l."cache_read_tokens")::float8 as "cacheReadTokens", sum(l."cache_write_tokens")::float8 as "cacheWriteTokens",
            sum(l."reasoning_tokens")::float8 as "reasoningTokens", sum(l."cost")::float8 as "cost"
       from "spend_log" l ${by.from ?? ''} where ${where.join(' and ')}
      group by 1, 2 order by ${input.byDay ? '1 asc, ' : ''}"cost" desc, 2 limit ?`,
    [...by.params, ...params, input.first],
  );
}

/**
 * The first UTC day that begins at or after `to` (`YYYY-MM-DD`): the roll-ups hold whole days, so a range ending at
 * midnight leaves that day out, and one ending within a day keeps it.
 */
function firstDayNotBefore(to: Date): string {
  const midnight = Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate());
  return new Date(to.getTime() === midnight ? midnight : midnight + 86_400_000).toISOString().slice(0, 10);
}

/** The values of a dimension an internal user may report on (null: none of that dimension). */
async function ownSpendValues(em: EntityManager, dimension: string, userId: string, adminTeamIds: readonly string[]): Promise<string[] | null> {
  switch (dimension) {
    case 'user':
      return [userId];
    case 'team':
      return [...adminTeamIds];
    case 'key': {
      const rows = await em.execute<Array<{ id: string }>>(
        `select "id"::text as "id" from "virtual_key" where "owner_id" = ? or "team_id" = any(?::uuid[])`,
        [userId, `{${adminTeamIds.join(',')}}`],
      );
      return rows.map((r) => r.id);
    }
    default:
      return null;
  }
}

export async function spendTotals(em: EntityManager): Promise<SpendTotals> {
  const rows = await em.execute<{ spend: number; requests: number; tokens: number }[]>(
    `select coalesce(sum("cost"), 0)::float8 as "spend",
            coalesce(sum("requests"), 0)::float8 as "requests",
            coalesce(sum("total_tokens"), 0)::float8 as "tokens"
       from "spend_daily"`,
  );
  const row = rows[0];
  return { totalSpend: row?.spend ?? 0, totalRequests: row?.requests ?? 0, totalTokens: row?.tokens ?? 0 };
}

export function assertSeesAllSpend(actor: Actor): void {
  if (visibility(actor.principal, 'spend').kind !== 'all') throw forbidden();
}

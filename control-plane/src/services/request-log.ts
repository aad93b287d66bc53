import type { EntityManager } from '@mikro-orm/postgresql';
import { UsageStatus } from '@tollgate/schema';
import { z } from 'zod';
import { visibility, type Visibility } from '../auth/policy.js';
import { forbidden } from '../errors.js';
import { parseInput } from '../validation.js';
import type { Actor } from './audit.js';

const filterValue = z.string().min(1).max(500, 'must be at most 500 characters').nullish().transform((v) => v ?? null);

export const RequestLogInput = z
  .object({
    status: UsageStatus.nullish().transform((v) => v ?? null),
    model: filterValue,
    keyId: filterValue,
    teamId: filterValue,
    userId: filterValue,
    endUser: filterValue,
    requestId: filterValue,
    from: z.date().nullish().transform((v) => v ?? null),
    to: z.date().nullish().transform((v) => v ?? null),
    first: z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500'),
    after: z
      .string()
      .max(1000)
      .nullish()
      .transform((v, ctx) => {
        if (v == null) return null;
        const cursor = decodeCursor(v);
        if (cursor === null) ctx.issues.push({ code: 'custom', message: 'is not a cursor this API returned', input: v });
        return cursor ?? z.NEVER;
      }),
  })
  .superRefine((input, ctx) => {
    if (input.from && input.to && input.from > input.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from', input: input.to });
  });
export type RequestLogInput = z.output<typeof RequestLogInput>;

/** One ledger row as the request log shows it: what happened, not the key's secrets (the ledger holds none). */
export interface RequestLogEntry {
  requestId: string;
  startedAt: Date;
  status: string;
  httpStatus: number;
  model: string;
  modelId: string | null;
  provider: string | null;
  route: string;
  stream: boolean;
  keyId: string;
  teamId: string | null;
  userId: string | null;
  orgId: string | null;
  endUser: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  estimated: boolean;
  /** USD as stored: a decimal string with 12 places, never rounded through a float. */
  cost: string;
  durationMs: number;
  ttftMs: number | null;
  errorType: string | null;
  errorMessage: string | null;
  tags: string[];
  dataPlaneId: string;
}

export interface RequestLogPage {
  entries: RequestLogEntry[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

// started_at three times: as ISO 8601 for the entry's Date (the ORM's connection reads timestamps as text in the
// session's format), as PostgreSQL prints it (to the microsecond) for the cursor, and as itself to order by.
const COLUMNS = `l."request_id" as "requestId", to_char(l."started_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "startedAt", l."status", l."http_status" as "httpStatus",
  l."model", l."model_id" as "modelId", l."provider", l."route", l."stream", l."key_id" as "keyId", l."team_id" as "teamId",
  l."user_id" as "userId", l."org_id" as "orgId", l."end_user" as "endUser", l."prompt_tokens" as "promptTokens",
  l."completion_tokens" as "completionTokens", l."total_tokens" as "totalTokens", l."cache_read_tokens" as "cacheReadTokens",
  l."cache_write_tokens" as "cacheWriteTokens", l."reasoning_tokens" as "reasoningTokens", l."estimated",
  l."cost"::text as "cost", l."duration_ms" as "durationMs", l."ttft_ms" as "ttftMs", l."error_type" as "errorType",
  l."error_message" as "errorMessage", l."tags", l."data_plane_id" as "dataPlaneId",
  l."started_at" as "at", l."started_at"::text as "cursorAt"`;

/** A condition with its parameters, in the order of its `?`s. */
interface Condition {
  sql: string;
  params: unknown[];
}

const condition = (sql: string, ...params: unknown[]): Condition => ({ sql, params });

/**
 * The part of the ledger a caller may read, as conditions whose union is that part, each served by one index:
 * everything; one organization; or, for other users, the rows of the keys they owned (`user_id`, recorded at ingest)
 * plus the rows of each team they administer. This is `can(…, 'spend.read', { orgId, teamId, ownerId })` for every
 * row, the rule `spendReport` applies to the roll-ups.
 */
function scopeBranches(seen: Exclude<Visibility, { kind: 'none' }>): Condition[] {
  switch (seen.kind) {
    case 'all':
      return [condition('true')];
    case 'org':
      return [condition('l."org_id" = ?', seen.orgId)];
    case 'own':
      // A row can be both the user's own and in a team they administer; each team branch leaves the own ones out.
      return [
        condition('l."user_id" = ?', seen.userId),
        ...seen.teamIds.map((teamId) => condition('l."team_id" = ? and l."user_id" is distinct from ?', teamId, seen.userId)),
      ];
  }
}

function filterConditions(input: RequestLogInput): Condition[] {
  const conditions: Condition[] = [];
  const equal = [
    ['status', 'status'],
    ['model', 'model'],
    ['keyId', 'key_id'],
    ['teamId', 'team_id'],
    ['userId', 'user_id'],
    ['endUser', 'end_user'],
    ['requestId', 'request_id'],
  ] as const;
  for (const [field, column] of equal) {
    const value = input[field];
    if (value !== null) conditions.push(condition(`l."${column}" = ?`, value));
  }
  if (input.from !== null) conditions.push(condition('l."started_at" >= ?', input.from.toISOString()));
  if (input.to !== null) conditions.push(condition('l."started_at" < ?', input.to.toISOString()));
  if (input.after !== null) {
    conditions.push(condition('(l."started_at", l."request_id") < (?::timestamptz, ?)', input.after.startedAt, input.after.requestId));
  }
  return conditions;
}

/**
 * The statement for one page (`first + 1` rows, to tell whether another page follows), exported so the plan tests and
 * the benchmark explain exactly what the service runs. Each scope branch is a range of one index read backwards in
 * page order and stops after a page; several branches (a team admin's) are merged in that order (a Merge Append;
 * without a limit on each branch PostgreSQL 15 plans bitmap scans and a sort of every matching row instead).
 */
export function requestLogStatement(seen: Exclude<Visibility, { kind: 'none' }>, input: RequestLogInput): Condition {
  const filters = filterConditions(input);
  const limit = input.first + 1;
  const branches = scopeBranches(seen).map((scope) => {
    const where = [scope, ...filters];
    return condition(
      `select ${COLUMNS} from "spend_log" l where ${where.map((c) => c.sql).join(' and ')} ${ORDER} limit ?`,
      ...where.flatMap((c) => c.params),
      limit,
    );
  });
  if (branches.length === 1) return branches[0]!;
  return condition(`select * from (${branches.map((b) => `(${b.sql})`).join(' union all ')}) p ${ORDER} limit ?`, ...branches.flatMap((b) => b.params), limit);
}

const ORDER = 'order by "at" desc, "requestId" desc';

/**
 * The request log: ledger rows newest first, filtered by status, model, key, team, user, end user, request id and
 * time, keyset-paginated on (started_at, request_id), so page 1,000 costs what page 1 does at any ledger size.
 */
export async function requestLog(em: EntityManager, actor: Actor, rawInput: unknown): Promise<RequestLogPage> {
  const input = parseInput(RequestLogInput, rawInput);
  const seen = visibility(actor.principal, 'spend');
  if (seen.kind === 'none') throw forbidden();
  const statement = requestLogStatement(seen, input);
  const rows = await em.execute<Array<Omit<RequestLogEntry, 'startedAt'> & { startedAt: string; at: unknown; cursorAt: string }>>(statement.sql, statement.params);
  const hasNextPage = rows.length > input.first;
  const entries = rows.slice(0, input.first).map(({ at: _at, cursorAt: _cursor, startedAt, ...entry }) => ({ ...entry, startedAt: new Date(startedAt) }));
  const last = rows[entries.length - 1];
  return { entries, hasNextPage, endCursor: hasNextPage && last ? encodeCursor(last.cursorAt, last.requestId) : null };
}

/** A timestamptz as PostgreSQL prints it (`2026-11-25 11:05:00.123456+00`), so the cursor compares exactly. */
const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/;

function encodeCursor(startedAt: string, requestId: string): string {
  return Buffer.from(JSON.stringify(['request', startedAt, requestId])).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: string; requestId: string } | null {
  try {
    const [tag, startedAt, requestId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (tag === 'request' && typeof startedAt === 'string' && TIMESTAMP.test(startedAt) && typeof requestId === 'string') {
      return { startedAt, requestId };
    }
  } catch {
    // Not JSON: not ours.
  }
  return null;
}

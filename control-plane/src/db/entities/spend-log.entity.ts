import { ArrayType, Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { money } from './columns.js';

/**
 * The append-only ledger: one row per usage event, keyed by the data plane's request id so a batch resent after
 * a lost acknowledgement is written once. Rows are inserted in bulk by the usage ingest (raw SQL with
 * `on conflict do nothing`); this entity is how they are read back.
 *
 * `keyId`/`teamId` are plain text, not foreign keys: the ledger records what the data plane reported and must
 * accept it even for a key deleted since, and it is never joined on the hot path.
 */
@Entity({ tableName: 'spend_log' })
// The request log (`services/request-log.ts`) reads newest first, keyset-paginated on (started_at, request_id). Each
// filter and each caller's scope has an index ending in those two columns, so a page is a backward index range scan
// that stops after one page, with no sort, at any depth. Every index is paid for on every ingested row: filters on
// values most rows lack get partial indexes (a status other than success, an end user), and the filters people
// rarely combine share none (a model within a key is read from the key's index).
@Index({ name: 'spend_log_page_index', properties: ['startedAt', 'requestId'] })
@Index({ name: 'spend_log_key_page_index', properties: ['keyId', 'startedAt', 'requestId'] })
@Index({ name: 'spend_log_team_page_index', properties: ['teamId', 'startedAt', 'requestId'] })
@Index({ name: 'spend_log_user_page_index', properties: ['userId', 'startedAt', 'requestId'] })
@Index({ name: 'spend_log_org_page_index', properties: ['orgId', 'startedAt', 'requestId'] })
@Index({ name: 'spend_log_model_page_index', properties: ['model', 'startedAt', 'requestId'] })
@Index({
  name: 'spend_log_end_user_page_index',
  expression: 'create index "spend_log_end_user_page_index" on "spend_log" ("end_user", "started_at", "request_id") where "end_user" is not null',
})
@Index({
  name: 'spend_log_status_page_index',
  expression: `create index "spend_log_status_page_index" on "spend_log" ("status", "started_at", "request_id") where "status" <> 'success'`,
})
export class SpendLog {
  @PrimaryKey({ type: 'text' })
  requestId!: string;

  @Property({ type: 'text' })
  keyId!: string;

  @Property({ type: 'text', nullable: true })
  teamId: string | null = null;

  @Property({ type: 'text' })
  model!: string;

  @Property({ type: 'text', nullable: true })
  modelId: string | null = null;

  @Property({ type: 'text', nullable: true })
  provider: string | null = null;

  @Property({ type: 'text' })
  route!: string;

  @Property({ type: 'boolean' })
  stream!: boolean;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'integer' })
  httpStatus!: number;

  @Property({ type: 'text', nullable: true })
  errorType: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorMessage: string | null = null;

  @Property({ type: 'integer' })
  promptTokens!: number;

  @Property({ type: 'integer' })
  completionTokens!: number;

  @Property({ type: 'integer' })
  totalTokens!: number;

  /** The parts of `promptTokens` read from and written to the provider's prompt cache. */
  @Property({ type: 'integer', default: 0 })
  cacheReadTokens: Opt<number> = 0;

  @Property({ type: 'integer', default: 0 })
  cacheWriteTokens: Opt<number> = 0;

  /** The part of `completionTokens` spent reasoning. */
  @Property({ type: 'integer', default: 0 })
  reasoningTokens: Opt<number> = 0;

  /** The provider reported no usage; the data plane counted the tokens itself. */
  @Property({ type: 'boolean', default: false })
  estimated: Opt<boolean> = false;

  /** USD, exactly as the data plane reported it (to 12 decimal places): events carry it as a decimal string. */
  @Property(money())
  cost!: number;

  @Property({ type: 'datetime' })
  startedAt!: Date;

  @Property({ type: 'double' })
  durationMs!: number;

  @Property({ type: 'double', nullable: true })
  ttftMs: number | null = null;

  @Property({ type: 'text', nullable: true })
  endUser: string | null = null;

  @Property({ type: 'text' })
  dataPlaneId!: string;

  /** The key's owner and organization when the event was ingested (looked up then, so later moves do not rewrite history). */
  @Property({ type: 'text', nullable: true })
  userId: string | null = null;

  @Property({ type: 'text', nullable: true })
  orgId: string | null = null;

  /** The key's metadata with the request's over it, when the event was ingested (reported on by `spendReport`). */
  @Property({ type: 'json', default: '{}' })
  metadata: Opt<Record<string, unknown>> = {};

  /** The request's tags and the key's and its team's, when the event was ingested. */
  @Property({ type: ArrayType, default: '{}' })
  tags: Opt<string[]> = [];

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}

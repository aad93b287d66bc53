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
@Index({ name: 'spend_log_started_at_idx', properties: ['startedAt'] })
@Index({ name: 'spend_log_key_started_at_idx', properties: ['keyId', 'startedAt'] })
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

import { BigIntType, Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { SpendTotals } from './spend-totals.js';

/**
 * Daily roll-up of the spend log per (UTC day, key, team, model), upserted once per row per ingested batch.
 * Totals and charts read this instead of scanning the ledger.
 */
@Entity({ tableName: 'spend_daily' })
// `team_id` is nullable and NULLs never collide in a plain unique index, so the index (and the upsert's
// conflict target) uses coalesce(team_id, '') instead; this also works before PostgreSQL 15's NULLS NOT DISTINCT.
@Unique({
  name: 'spend_daily_bucket_unique',
  expression:
    'create unique index "spend_daily_bucket_unique" on "spend_daily" ("day", "key_id", (coalesce("team_id", \'\')), "model")',
})
export class SpendDaily extends SpendTotals {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'date' })
  day!: string;

  @Property({ type: 'text' })
  keyId!: string;

  @Property({ type: 'text', nullable: true })
  teamId: string | null = null;

  @Property({ type: 'text' })
  model!: string;
}

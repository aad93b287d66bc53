import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { money } from './columns.js';

/**
 * What a key has spent on one model in the key's current budget period, for the keys that give that model a budget of
 * its own (`modelLimits.<model>.maxBudget`): usage ingest adds each batch's cost to it, so the spend can go to data
 * planes with every batch (subject-spend.ts) without summing the ledger each time.
 *
 * A row belongs to the period ending at `periodEnd` (the key's `budget_reset_at` when it was counted; null for a
 * budget that never resets). When the key's period has moved on since (the reset job, a new duration), the next
 * batch for the model counts the row again from the ledger, as it does for a model that has no row yet. Rows of a key
 * are dropped when its `modelLimits` change, so a budget given to a model again is counted from the ledger.
 */
@Entity({ tableName: 'key_model_spend' })
export class KeyModelSpend {
  @PrimaryKey({ type: 'uuid' })
  keyId!: string;

  @PrimaryKey({ type: 'text' })
  model!: string;

  @Property({ type: 'timestamptz', nullable: true })
  periodEnd: Date | null = null;

  @Property(money())
  spend = 0;
}

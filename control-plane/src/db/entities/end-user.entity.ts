import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import { BudgetTier } from './budget-tier.entity.js';
import { Governed } from './governed.js';

/**
 * A customer of a customer: the `user` field of a request (OpenAI `user`, Anthropic `metadata.user_id`). Made on
 * first sight by usage ingest or by an admin; has its own budget (or a tier's) and can be blocked.
 */
@Entity({ tableName: 'end_user' })
export class EndUser extends Governed {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** The id clients send. */
  @Unique()
  @Property({ type: 'text' })
  externalId!: string;

  @Property({ type: 'text', nullable: true })
  alias: string | null = null;

  /** A reusable budget; the end user's own fields, where set, win. */
  @Index()
  @ManyToOne({ entity: () => BudgetTier, nullable: true, ref: true, deleteRule: 'restrict' })
  budgetTier: Ref<BudgetTier> | null = null;

  @Property({ type: 'boolean', default: false })
  blocked: Opt<boolean> = false;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}

import { randomUUID } from 'node:crypto';
import { Entity, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Governed } from './governed.js';

/** A named, reusable set of budget and limits ("free", "pro") that end users and keys can be put on. */
@Entity({ tableName: 'budget_tier' })
export class BudgetTier extends Governed {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Unique()
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}

import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { money } from './columns.js';

/** The top tenant: teams, users and keys belong to one organization; org admins govern only their own. */
@Entity({ tableName: 'organization' })
@Unique({
  name: 'organization_name_live_unique',
  expression: 'create unique index "organization_name_live_unique" on "organization" ("name") where "deleted_at" is null',
})
export class Organization {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  /** Model names the organization may use; empty means every model. */
  @Property({ type: ArrayType, default: '{}' })
  models: Opt<string[]> = [];

  @Property({ ...money(), nullable: true })
  maxBudget: number | null = null;

  @Property({ ...money(), default: 0 })
  spend: Opt<number> = 0;

  @Property({ type: 'boolean', default: false })
  blocked: Opt<boolean> = false;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;
}

import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { money } from './columns.js';

@Entity({ tableName: 'team' })
// Names are unique among live teams only, so a deleted team's name can be used again.
@Unique({
  name: 'team_name_live_unique',
  expression: 'create unique index "team_name_live_unique" on "team" ("name") where "deleted_at" is null',
})
export class Team {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  /** Model names the team may use; empty means every model. */
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

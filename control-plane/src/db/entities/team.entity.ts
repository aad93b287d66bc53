import { randomUUID } from 'node:crypto';
import { ArrayType, BigIntType, Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import { money } from './columns.js';
import { Governed } from './governed.js';
import { Organization } from './organization.entity.js';

@Entity({ tableName: 'team' })
// Names are unique among live teams only, so a deleted team's name can be used again.
@Unique({
  name: 'team_name_live_unique',
  expression: 'create unique index "team_name_live_unique" on "team" ("name") where "deleted_at" is null',
})
export class Team extends Governed {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  /** Null for teams made before organizations existed; they belong to no tenant but the proxy admins'. */
  @Index()
  @ManyToOne({ entity: () => Organization, nullable: true, ref: true, deleteRule: 'restrict' })
  organization: Ref<Organization> | null = null;

  /** Model names the team may use; empty means every model. */
  @Property({ type: ArrayType, default: '{}' })
  models: Opt<string[]> = [];

  /**
   * Budget and limits every member of the team gets for their own use of its keys (the keys in the team they own),
   * each counted for that member alone, in the team's budget period. A membership's own `maxBudget` overrides the
   * hard budget. Null: none.
   */
  @Property({ ...money(), nullable: true })
  memberMaxBudget: number | null = null;

  @Property({ ...money(), nullable: true })
  memberSoftBudget: number | null = null;

  @Property({ type: 'integer', nullable: true })
  memberRpmLimit: number | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  memberTpmLimit: number | null = null;

  @Property({ type: 'boolean', default: false })
  blocked: Opt<boolean> = false;

  @Property({ type: 'json', default: '{}' })
  metadata: Opt<Record<string, unknown>> = {};

  @Property({ type: ArrayType, default: '{}' })
  tags: Opt<string[]> = [];

  /** Guardrail policy names applied to every request of this team. */
  @Property({ type: ArrayType, default: '{}' })
  guardrails: Opt<string[]> = [];

  /** `file` when declared in tollgate.yaml (read-only through the API); null when made through the API. */
  @Property({ type: 'text', nullable: true })
  managedBy: string | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;
}

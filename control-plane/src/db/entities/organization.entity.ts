import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Governed } from './governed.js';

/** The top tenant: teams, users and keys belong to one organization; org admins govern only their own. */
@Entity({ tableName: 'organization' })
@Unique({
  name: 'organization_name_live_unique',
  expression: 'create unique index "organization_name_live_unique" on "organization" ("name") where "deleted_at" is null',
})
export class Organization extends Governed {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  /** Model names the organization may use; empty means every model. */
  @Property({ type: ArrayType, default: '{}' })
  models: Opt<string[]> = [];



  @Property({ type: 'boolean', default: false })
  blocked: Opt<boolean> = false;

  @Property({ type: 'json', default: '{}' })
  metadata: Opt<Record<string, unknown>> = {};

  @Property({ type: ArrayType, default: '{}' })
  tags: Opt<string[]> = [];

  /** Guardrail policy names applied to every request of this organization. */
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

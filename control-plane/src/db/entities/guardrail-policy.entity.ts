import { randomUUID } from 'node:crypto';
import { Entity, Enum, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';

export const GUARDRAIL_MODES = ['pre_call', 'during_call', 'post_call'] as const;
export type GuardrailMode = (typeof GUARDRAIL_MODES)[number];

/**
 * A named guardrail: what it checks (`kind`, e.g. pii, secrets, prompt_injection, regex, webhook), when (`mode`),
 * what it does on a hit (`action`: block or mask or log), and its kind-specific `settings`. Applied to every
 * request when `defaultOn`, otherwise to the keys, teams and organizations that name it. Behaviour comes with the
 * guardrails issue; this is the shape the API and the config file manage.
 */
@Entity({ tableName: 'guardrail_policy' })
@Unique({
  name: 'guardrail_policy_name_live_unique',
  expression: 'create unique index "guardrail_policy_name_live_unique" on "guardrail_policy" ("name") where "deleted_at" is null',
})
export class GuardrailPolicy {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  kind!: string;

  @Enum({ items: () => [...GUARDRAIL_MODES] })
  mode!: GuardrailMode;

  @Property({ type: 'text', default: 'block' })
  action: Opt<string> = 'block';

  @Property({ type: 'json', default: '{}' })
  settings: Opt<Record<string, unknown>> = {};

  @Property({ type: 'boolean', default: false })
  defaultOn: Opt<boolean> = false;

  /** `file` when declared in tollgate.yaml (read-only through the API); null when made through the API. */
  @Property({ type: 'text', nullable: true })
  managedBy: string | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;
}

import { BigIntType, Entity, Enum, Index, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { money } from './columns.js';

/** The subjects that carry budgets (`Governed`), by the names spend reports use for them. */
export const ALERT_SUBJECT_KINDS = ['org', 'team', 'user', 'key', 'end_user', 'tag', 'team_member'] as const;
export type AlertSubjectKind = (typeof ALERT_SUBJECT_KINDS)[number];

/** Which budget was reached: the soft one (a warning) or the hard one (requests are refused from here on). */
export const ALERT_THRESHOLDS = ['soft_budget', 'max_budget'] as const;
export type AlertThreshold = (typeof ALERT_THRESHOLDS)[number];

/**
 * A subject's spend reached one of its budgets. Inserted by the usage ingest in the transaction that added the
 * spend, `on conflict do nothing` on the unique key below, so each budget alerts once per period however many
 * batches, data planes and replicas race past it; a new period (a budget reset moves `budget_reset_at`) or a
 * changed budget amount can alert again. Delivered to the alert webhook afterwards by the `budget-alert-delivery`
 * job (an outbox: the delivery columns), at least once.
 */
@Entity({ tableName: 'budget_alert' })
@Unique({ name: 'budget_alert_once_per_period', properties: ['threshold', 'subjectKind', 'subjectId', 'period', 'budget'] })
// Scoped lists read newest first within an organization; the outbox reads the undelivered alerts of the last day.
@Index({ name: 'budget_alert_org_index', properties: ['orgId', 'id'] })
@Index({
  name: 'budget_alert_outbox_index',
  expression: 'create index "budget_alert_outbox_index" on "budget_alert" ("created_at") where "webhook_delivered_at" is null',
})
export class BudgetAlert {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Enum({ items: () => [...ALERT_THRESHOLDS] })
  threshold!: AlertThreshold;

  @Enum({ items: () => [...ALERT_SUBJECT_KINDS] })
  subjectKind!: AlertSubjectKind;

  @Property({ type: 'uuid' })
  subjectId!: string;

  /** What people call the subject, as it was then: the key's alias (or prefix), a name, an email, an external id. */
  @Property({ type: 'text', nullable: true })
  subjectName: string | null = null;

  /** Who may read the alert (see `services/budget-alerts.ts`): the subject's organization, team and owner then. */
  @Property({ type: 'uuid', nullable: true })
  orgId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  teamId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  ownerId: string | null = null;

  /** The end of the budget period the alert belongs to (ISO 8601, UTC), or `none` for a budget that never resets. */
  @Property({ type: 'text' })
  period!: string;

  /** The length of that period (`1h`, `1d`, `7d`, `30d`, `1mo`); null for a budget that never resets (and before 2026-11-27). */
  @Property({ type: 'text', nullable: true })
  budgetDuration: string | null = null;

  /** When that period began; null for a budget that never resets (and before 2026-11-27). */
  @Property({ type: 'datetime', nullable: true })
  periodStart: Date | null = null;

  /** The budget reached, in USD (for a key's hard budget, including a temporary raise in force). */
  @Property({ ...money() })
  budget!: number;

  /** The subject's spend in the period after the batch that reached the budget. */
  @Property({ ...money() })
  spend!: number;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  /** When the webhook accepted the alert (2xx); null while undelivered or without a webhook. */
  @Property({ type: 'datetime', nullable: true })
  webhookDeliveredAt: Date | null = null;

  @Property({ type: 'integer', default: 0 })
  webhookAttempts: Opt<number> = 0;

  @Property({ type: 'text', nullable: true })
  webhookLastError: string | null = null;

  /** Not before this time is delivery tried again (backoff); null: at once. */
  @Property({ type: 'datetime', nullable: true })
  webhookNextAttemptAt: Date | null = null;
}

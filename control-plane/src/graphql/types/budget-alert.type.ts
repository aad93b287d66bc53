import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { BudgetAlert } from '../../db/entities/index.js';
import type { BudgetAlertPage } from '../../services/budget-alerts.js';

@ObjectType('BudgetAlert', { description: 'A subject\'s spend reached one of its budgets: once per budget period.' })
export class BudgetAlertObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'soft_budget (a warning) or max_budget (requests are refused from here on).' })
  threshold!: string;

  @Field(() => String, { description: 'org, team, user, key, end_user or tag.' })
  subjectKind!: string;

  @Field(() => ID)
  subjectId!: string;

  @Field(() => String, { nullable: true, description: 'The key\'s alias or prefix, the name, email or external id, as it was then.' })
  subjectName!: string | null;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The team of a key or team subject.' })
  teamId!: string | null;

  @Field(() => String, { description: 'The end of the budget period (ISO 8601), or none for a budget that never resets.' })
  period!: string;

  @Field(() => Date, { nullable: true, description: 'When the budget period began; null for a budget that never resets.' })
  periodStart!: Date | null;

  @Field(() => String, { nullable: true, description: 'The length of the budget period (1h, 1d, 7d, 30d or 1mo); null for a budget that never resets.' })
  budgetDuration!: string | null;

  @Field(() => Float, { description: 'The budget reached, in USD.' })
  budget!: number;

  @Field(() => Float, { description: 'The spend in the period after the batch that reached it.' })
  spend!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the alert webhook accepted it; null while not (or without a webhook).' })
  webhookDeliveredAt!: Date | null;

  @Field(() => Int)
  webhookAttempts!: number;

  @Field(() => String, { nullable: true })
  webhookLastError!: string | null;

  static from(alert: BudgetAlert): BudgetAlertObject {
    return Object.assign(new BudgetAlertObject(), {
      id: String(alert.id),
      threshold: alert.threshold,
      subjectKind: alert.subjectKind,
      subjectId: alert.subjectId,
      subjectName: alert.subjectName,
      organizationId: alert.orgId,
      teamId: alert.teamId,
      period: alert.period,
      periodStart: alert.periodStart,
      budgetDuration: alert.budgetDuration,
      budget: alert.budget,
      spend: alert.spend,
      createdAt: alert.createdAt,
      webhookDeliveredAt: alert.webhookDeliveredAt,
      webhookAttempts: alert.webhookAttempts,
      webhookLastError: alert.webhookLastError,
    });
  }
}

@ObjectType('BudgetAlertPage')
export class BudgetAlertPageObject {
  @Field(() => [BudgetAlertObject], { description: 'Newest first.' })
  alerts!: BudgetAlertObject[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;

  static from(page: BudgetAlertPage): BudgetAlertPageObject {
    return Object.assign(new BudgetAlertPageObject(), { alerts: page.alerts.map(BudgetAlertObject.from), endCursor: page.endCursor, hasNextPage: page.hasNextPage });
  }
}

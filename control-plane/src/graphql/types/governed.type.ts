import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { Governed } from '../../db/entities/governed.js';

/** The budget and limit fields every governed subject shows. */
export function governedFields(entity: Governed) {
  const { maxBudget, softBudget, spend, budgetDuration, budgetResetAt, rpmLimit, tpmLimit, maxParallelRequests } = entity;
  return { maxBudget, softBudget, spend, budgetDuration, budgetResetAt, rpmLimit, tpmLimit, maxParallelRequests };
}

/**
 * The budget and limits of organizations, teams and users as the API shows them. type-graphql copies a decorated
 * parent class's fields into each type that extends it; the parent itself is never referenced, so it does not
 * appear in the schema.
 */
@ObjectType('GovernedFields')
export abstract class GovernedObject {
  @Field(() => Float, { nullable: true, description: 'Hard budget in USD per period; requests beyond it are refused.' })
  maxBudget!: number | null;

  @Field(() => Float, { nullable: true, description: 'Crossing it raises a budget alert once per period.' })
  softBudget!: number | null;

  @Field(() => Float, { description: 'Spend in the current budget period (all of it without a duration).' })
  spend!: number;

  @Field(() => String, { nullable: true, description: '1h, 1d, 7d, 30d or 1mo; null: the budget never resets.' })
  budgetDuration!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the current budget period ends.' })
  budgetResetAt!: Date | null;

  @Field(() => Int, { nullable: true })
  rpmLimit!: number | null;

  @Field(() => Float, { nullable: true, description: 'Tokens per minute (a Float, since limits can pass 2^31).' })
  tpmLimit!: number | null;

  @Field(() => Int, { nullable: true })
  maxParallelRequests!: number | null;
}

import { Field, Float, InputType, Int } from 'type-graphql';
import { GraphQLJSON } from '../scalars.js';

/**
 * Field groups several inputs share. type-graphql copies a decorated parent class's fields into each input that
 * extends it; the parents themselves are never referenced, so they do not appear in the schema.
 */

/** The budget and limits of every governed subject (organizations, teams, users, keys, budget tiers, tags, end users). */
@InputType('BudgetFieldsInput')
export abstract class BudgetFields {
  @Field(() => Float, { nullable: true })
  maxBudget?: number | null;

  @Field(() => Float, { nullable: true, description: 'Crossing it raises an alert once per budget period; nothing is refused. At most maxBudget.' })
  softBudget?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      '1h, 1d, 7d, 30d or 1mo (calendar month); null: the budget never resets. Changing it starts a new period now, whose spend is what the ledger holds since the period began (the month so far for 1mo).',
  })
  budgetDuration?: string | null;

  @Field(() => Int, { nullable: true })
  rpmLimit?: number | null;

  @Field(() => Float, { nullable: true, description: 'Tokens per minute (a Float, since limits can pass 2^31).' })
  tpmLimit?: number | null;

  @Field(() => Int, { nullable: true })
  maxParallelRequests?: number | null;
}

/** A team's budget and limits, and those it gives each of its members (team member budgets). */
@InputType('TeamBudgetFieldsInput')
export abstract class TeamBudgetFields extends BudgetFields {
  @Field(() => Float, {
    nullable: true,
    description: "Each member's hard budget for their own use of the team's keys (the keys in the team they own), in the team's budget period; a member's own maxBudget (setTeamMember) overrides it.",
  })
  memberMaxBudget?: number | null;

  @Field(() => Float, { nullable: true, description: "Each member's soft budget in the team: an alert once per period. At most memberMaxBudget." })
  memberSoftBudget?: number | null;

  @Field(() => Int, { nullable: true, description: "Requests per minute for each member's use of the team's keys." })
  memberRpmLimit?: number | null;

  @Field(() => Float, { nullable: true, description: "Tokens per minute for each member's use of the team's keys." })
  memberTpmLimit?: number | null;
}

/** A key's settings, as createKey and updateKey take them. */
@InputType('KeySettingsFieldsInput')
export abstract class KeySettingsFields extends BudgetFields {
  @Field(() => String, { nullable: true })
  alias?: string | null;

  @Field(() => [String], { nullable: true })
  models?: string[] | null;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Per model: { "<model>": { "rpm": n, "tpm": n, "maxBudget": usd } }.' })
  modelLimits?: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true, description: '{ "<alias>": "<model name>" }.' })
  modelAliases?: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Free-form, recorded with every request (at most 16 KB).' })
  metadata?: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Guardrail policy names.' })
  guardrails?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Parameters every request must carry, e.g. user or metadata.generation_name.' })
  enforcedParams?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Addresses or CIDR ranges; empty: any.' })
  allowedIps?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Routes such as /v1/chat/completions; empty: all.' })
  allowedRoutes?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Regenerate the key every this many days.' })
  autoRotateDays?: number | null;
}

import { Field, ID, InputType } from 'type-graphql';
import { GraphQLJSON } from '../scalars.js';
import { BudgetFields } from './shared-fields.input.js';

/** Shapes only; the service validates content (zod) and reports field errors. */

@InputType('SaveBudgetTierInput', { description: 'Creates the tier, or replaces the settings of the one with this name.' })
export class SaveBudgetTierInput extends BudgetFields {
  @Field(() => String) name!: string;
}

@InputType('SaveTagInput', { description: 'Creates the tag, or replaces the settings of the one with this name.' })
export class SaveTagInput extends BudgetFields {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType('SaveGuardrailPolicyInput')
export class SaveGuardrailPolicyInput {
  @Field(() => String) name!: string;
  @Field(() => String) kind!: string;
  @Field(() => String, { description: 'pre_call, during_call or post_call.' }) mode!: string;
  @Field(() => String, { nullable: true, description: 'block (default), mask or log.' }) action?: string | null;
  @Field(() => GraphQLJSON, { nullable: true }) settings?: Record<string, unknown> | null;
  @Field(() => Boolean, { nullable: true }) defaultOn?: boolean | null;
}

@InputType('SaveMcpServerInput')
export class SaveMcpServerInput {
  @Field(() => String) name!: string;
  @Field(() => String) url!: string;
  @Field(() => String, { nullable: true, description: 'streamable_http (default) or sse.' }) transport?: string | null;
  @Field(() => String, { nullable: true, description: 'env:NAME or file:/path; never the token itself.' }) authRef?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType('McpToolPermissionInput')
export class McpToolPermissionInput {
  @Field(() => ID) serverId!: string;
  @Field(() => String, { description: 'org, team or key.' }) subjectType!: string;
  @Field(() => ID) subjectId!: string;
  @Field(() => [String], { nullable: true, description: 'Tool names; none or empty: every tool.' }) tools?: string[] | null;
}

@InputType('SaveEndUserInput', {
  description:
    'Creates the end user, or replaces the settings of the one with this id. The end user `*` holds the defaults: its limits and budget apply to each end user without settings of its own, counted for that end user alone, in the budget period of `*`.',
})
export class SaveEndUserInput extends BudgetFields {
  @Field(() => String) externalId!: string;
  @Field(() => String, { nullable: true }) alias?: string | null;
  @Field(() => Boolean, { nullable: true }) blocked?: boolean | null;
  @Field(() => ID, { nullable: true }) budgetTierId?: string | null;
}

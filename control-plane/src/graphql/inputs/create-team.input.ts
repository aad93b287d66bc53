import { Field, ID, InputType } from 'type-graphql';
import { GraphQLJSON } from '../scalars.js';
import { TeamBudgetFields } from './shared-fields.input.js';

/** Shapes only; the service validates content (zod) and reports field errors. */
@InputType('CreateTeamInput')
export class CreateTeamInput extends TeamBudgetFields {
  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true, description: "The team's organization; an org admin's own by default." })
  organizationId?: string | null;

  @Field(() => [String], { nullable: true })
  models?: string[] | null;

  @Field(() => GraphQLJSON, { nullable: true, description: "Free-form, recorded with every request of the team's keys (at most 16 KB)." })
  metadata?: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true, description: "Tags recorded with every request of the team's keys (spend reports and tag budgets)." })
  tags?: string[] | null;
}

import { Field, ID, InputType } from 'type-graphql';
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
}

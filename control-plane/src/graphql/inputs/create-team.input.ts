import { Field, Float, InputType } from 'type-graphql';

/** Shapes only; the service validates content (zod) and reports field errors. */
@InputType('CreateTeamInput')
export class CreateTeamInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { nullable: true })
  models?: string[] | null;

  @Field(() => Float, { nullable: true })
  maxBudget?: number | null;
}

import { Field, Float, ID, InputType } from 'type-graphql';

/** Shapes only; the service validates content (zod) and reports field errors. */
@InputType('CreateKeyInput')
export class CreateKeyInput {
  @Field(() => ID, { nullable: true })
  teamId?: string | null;

  @Field(() => String, { nullable: true })
  alias?: string | null;

  @Field(() => [String], { nullable: true })
  models?: string[] | null;

  @Field(() => Float, { nullable: true })
  maxBudget?: number | null;
}

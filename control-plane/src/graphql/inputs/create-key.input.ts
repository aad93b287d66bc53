import { Field, Float, ID, InputType } from 'type-graphql';

/** Shapes only; the service validates content (zod) and reports field errors. */
@InputType('CreateKeyInput')
export class CreateKeyInput {
  @Field(() => ID, { nullable: true })
  teamId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The user the key is for; yourself by default (nobody for the master key).' })
  ownerId?: string | null;

  @Field(() => String, { nullable: true, description: 'llm_api (default), management or read_only.' })
  keyType?: string | null;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;

  @Field(() => String, { nullable: true })
  alias?: string | null;

  @Field(() => [String], { nullable: true })
  models?: string[] | null;

  @Field(() => Float, { nullable: true })
  maxBudget?: number | null;
}

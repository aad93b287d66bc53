import { Field, Float, InputType } from 'type-graphql';

/** Shapes only; the service validates content (zod) and reports field errors. */
@InputType('CreateModelInput')
export class CreateModelInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  provider!: string;

  @Field(() => String)
  providerModel!: string;

  @Field(() => String, { nullable: true })
  apiBase?: string | null;

  @Field(() => String, { nullable: true, description: 'env:NAME or file:/path; never the secret itself.' })
  apiKeyRef?: string | null;

  @Field(() => Float)
  inputCostPerMillion!: number;

  @Field(() => Float)
  outputCostPerMillion!: number;
}

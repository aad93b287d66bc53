import { Field, ID, InputType, Int } from 'type-graphql';

/** Shapes only; the service validates content with the shared contract (zod `ModelHealthResult`). */
@InputType('ModelHealthInput', { description: "One deployment's health check, as a data plane reports it." })
export class ModelHealthInput {
  @Field(() => ID, { description: 'The model config id checked.' })
  deploymentId!: string;

  @Field(() => Boolean)
  healthy!: boolean;

  @Field(() => Int)
  latencyMs!: number;

  @Field(() => String, { description: 'chat or embedding.' })
  mode!: string;

  @Field(() => String, { nullable: true, description: 'The mapped provider error (never a credential); null when healthy.' })
  error?: string | null;

  @Field(() => Date)
  checkedAt!: Date;

  @Field(() => String)
  dataPlaneId!: string;
}

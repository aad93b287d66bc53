import { HealthCheckMode } from '@tollgate/schema';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ModelHealthView } from '../../services/model-health.js';

@ObjectType('ModelHealth', { description: "One deployment's latest active health check by one data plane (admin-triggered or periodic)." })
export class ModelHealthObject {
  @Field(() => ID, { description: 'The deployment (model config id).' })
  modelId!: string;

  @Field(() => String, { description: "The deployment's model name (its group)." })
  modelName!: string;

  @Field(() => String, { description: 'The data plane that checked: each resolves credentials and reaches providers on its own.' })
  dataPlaneId!: string;

  @Field(() => Boolean)
  healthy!: boolean;

  @Field(() => Int, { description: 'From sending the check to its answer or failure, milliseconds.' })
  latencyMs!: number;

  @Field(() => String, { description: `How it was checked, one of: ${HealthCheckMode.options.join(', ')} (a one-token chat, or one embedding).` })
  mode!: string;

  @Field(() => String, { nullable: true, description: "The provider's failure as the gateway maps it; never a credential. Null when healthy." })
  error!: string | null;

  @Field(() => Date, { description: "When the data plane checked (its clock)." })
  checkedAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The checkModelHealth request it answered; null for a periodic check.' })
  requestId!: string | null;

  static from(view: ModelHealthView): ModelHealthObject {
    return Object.assign(new ModelHealthObject(), view);
  }
}

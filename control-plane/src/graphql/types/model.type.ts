import { Field, Float, ID, ObjectType } from 'type-graphql';
import type { Model } from '../../db/entities/index.js';

@ObjectType('Model')
export class ModelObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  provider!: string;

  @Field(() => String)
  providerModel!: string;

  @Field(() => String, { nullable: true })
  apiBase!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the provider credential is read from (env:NAME or file:/path); never the credential.' })
  apiKeyRef!: string | null;

  @Field(() => Float)
  inputCostPerMillion!: number;

  @Field(() => Float)
  outputCostPerMillion!: number;

  @Field(() => Date)
  createdAt!: Date;

  static from(model: Model): ModelObject {
    return Object.assign(new ModelObject(), {
      id: model.id,
      name: model.name,
      provider: model.provider,
      providerModel: model.providerModel,
      apiBase: model.apiBase,
      apiKeyRef: model.apiKeyRef,
      inputCostPerMillion: model.inputCostPerMillion,
      outputCostPerMillion: model.outputCostPerMillion,
      createdAt: model.createdAt,
    });
  }
}

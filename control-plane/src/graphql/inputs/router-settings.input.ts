import { Field, InputType, Int } from 'type-graphql';
import { GraphQLJSON } from '../scalars.js';
import { ROUTER_FIELD_DESCRIPTIONS as D } from '../types/router-settings.type.js';

const PATCH = ' Left out: unchanged; null: back to the default.';

/** Shapes only; the service validates content with the shared contract (zod `RouterConfig`) and the model names. */
@InputType('RouterSettingsInput', { description: 'A partial change of the router settings: fields left out keep their value, null returns one to its default.' })
export class RouterSettingsInput {
  @Field(() => String, { nullable: true, description: D.strategy + PATCH })
  strategy?: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: D.groupStrategies + PATCH })
  groupStrategies?: unknown;

  @Field(() => Int, { nullable: true, description: D.numRetries + PATCH })
  numRetries?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: D.retryPolicy + PATCH })
  retryPolicy?: unknown;

  @Field(() => Int, { nullable: true, description: D.backoffMs + PATCH })
  backoffMs?: number | null;

  @Field(() => Int, { nullable: true, description: D.maxBackoffMs + PATCH })
  maxBackoffMs?: number | null;

  @Field(() => Int, { nullable: true, description: D.maxRetryAfterMs + PATCH })
  maxRetryAfterMs?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: D.fallbacks + PATCH })
  fallbacks?: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: D.contextWindowFallbacks + PATCH })
  contextWindowFallbacks?: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: D.contentPolicyFallbacks + PATCH })
  contentPolicyFallbacks?: unknown;

  @Field(() => Int, { nullable: true, description: D.allowedFails + PATCH })
  allowedFails?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: D.allowedFailsPolicy + PATCH })
  allowedFailsPolicy?: unknown;

  @Field(() => Int, { nullable: true, description: D.failureWindowMs + PATCH })
  failureWindowMs?: number | null;

  @Field(() => Int, { nullable: true, description: D.cooldownMs + PATCH })
  cooldownMs?: number | null;
}

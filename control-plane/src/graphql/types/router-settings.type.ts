import { RetryableFailure, RoutingStrategy } from '@tollgate/schema';
import { Field, Int, ObjectType } from 'type-graphql';
import type { RouterSettingsView } from '../../services/router-settings.js';
import { GraphQLJSON } from '../scalars.js';

export const STRATEGIES = `One of: ${RoutingStrategy.options.join(', ')}.`;
export const FAILURES = RetryableFailure.options.join(', ');

/** The descriptions both the object and the input use, so the two cannot drift apart. */
export const ROUTER_FIELD_DESCRIPTIONS = {
  strategy: `How a data plane picks among a model group's deployments, for every group without its own. ${STRATEGIES}`,
  groupStrategies: `{ "<model name>": "<strategy>" }: a group's own strategy. ${STRATEGIES}`,
  numRetries: 'Further attempts after a retryable failure (on another deployment when there is one), per request and model (0-10).',
  retryPolicy: `{ "<failure>": <retries> }: retries per failure kind instead of numRetries (0: fall back at once). Failures: ${FAILURES}.`,
  backoffMs: 'First pause between attempts, milliseconds; doubled per attempt, with jitter, up to maxBackoffMs.',
  maxBackoffMs: 'Longest pause between attempts, milliseconds.',
  maxRetryAfterMs: "Longest retry-after the router waits for on the same deployment; a longer one cools the deployment down instead.",
  fallbacks: '{ "<model name>": ["<model name>", …] }: the models to try, in order, when every attempt on a model failed.',
  contextWindowFallbacks: '{ "<model name>": ["<model name>", …] }: the models to try when the prompt does not fit the model.',
  contentPolicyFallbacks: "{ \"<model name>\": [\"<model name>\", …] }: the models to try when the provider's content filter refuses the request.",
  allowedFails: 'Failures of one deployment within failureWindowMs that cool it down.',
  allowedFailsPolicy: `{ "<failure>": <failures> }: allowedFails per failure kind. Failures: ${FAILURES}.`,
  failureWindowMs: 'The window failures are counted in, milliseconds.',
  cooldownMs: 'How long a cooled-down deployment is skipped, milliseconds.',
} as const;
const D = ROUTER_FIELD_DESCRIPTIONS;

@ObjectType('RouterSettings', { description: 'Gateway-wide routing and resilience settings: every field as in force (set, or its default).' })
export class RouterSettingsObject {
  @Field(() => String, { description: D.strategy })
  strategy!: string;

  @Field(() => GraphQLJSON, { description: D.groupStrategies })
  groupStrategies!: Record<string, string>;

  @Field(() => Int, { description: D.numRetries })
  numRetries!: number;

  @Field(() => GraphQLJSON, { description: D.retryPolicy })
  retryPolicy!: Record<string, number>;

  @Field(() => Int, { description: D.backoffMs })
  backoffMs!: number;

  @Field(() => Int, { description: D.maxBackoffMs })
  maxBackoffMs!: number;

  @Field(() => Int, { description: D.maxRetryAfterMs })
  maxRetryAfterMs!: number;

  @Field(() => GraphQLJSON, { description: D.fallbacks })
  fallbacks!: Record<string, string[]>;

  @Field(() => GraphQLJSON, { description: D.contextWindowFallbacks })
  contextWindowFallbacks!: Record<string, string[]>;

  @Field(() => GraphQLJSON, { description: D.contentPolicyFallbacks })
  contentPolicyFallbacks!: Record<string, string[]>;

  @Field(() => Int, { description: D.allowedFails })
  allowedFails!: number;

  @Field(() => GraphQLJSON, { description: D.allowedFailsPolicy })
  allowedFailsPolicy!: Record<string, number>;

  @Field(() => Int, { description: D.failureWindowMs })
  failureWindowMs!: number;

  @Field(() => Int, { description: D.cooldownMs })
  cooldownMs!: number;

  @Field(() => String, { nullable: true, description: 'file while the config file declares the router settings (read-only here).' })
  managedBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When they last changed; null while every setting is at its default and never was changed.' })
  updatedAt!: Date | null;

  static from(view: RouterSettingsView): RouterSettingsObject {
    return Object.assign(new RouterSettingsObject(), { ...view.config, managedBy: view.managedBy, updatedAt: view.updatedAt });
  }
}

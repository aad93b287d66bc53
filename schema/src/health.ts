import { z } from 'zod';

/**
 * Active model health checks. Only a data plane can call a provider (credentials are references it resolves), so the
 * control plane asks data planes over the config subscription and they answer with the `reportModelHealth`
 * mutation, authorized by the data-plane credential. Periodic checks (`TOLLGATE_HEALTH_CHECK_INTERVAL_S`) are
 * reported the same way, without a request id.
 */

/** At most this many deployments named in one request: ids go into a PostgreSQL NOTIFY (under 8,000 bytes). */
export const MAX_HEALTH_CHECK_MODELS = 100;

/** Longest error message a result carries (a provider's message, cut). */
export const MAX_HEALTH_ERROR_LENGTH = 1_000;

/**
 * A request to check deployments, sent on the `gatewayConfig` subscription only to subscribers that listed the
 * `healthChecks` config feature. It is not config: it carries no version and a data plane handles it apart from its
 * config store (it never counts as a snapshot or a delta, so it cannot disturb version or part sequencing).
 */
export const HealthCheckMessage = z.object({
  kind: z.literal('healthCheck'),
  /** The admin request's id; the results are reported under it. */
  requestId: z.uuid(),
  /** Deployments (model config ids) to check; null: every deployment of the data plane's config. */
  modelIds: z.array(z.string().min(1)).max(MAX_HEALTH_CHECK_MODELS).nullable(),
});
export type HealthCheckMessage = z.infer<typeof HealthCheckMessage>;

/** Whether a stream message is a health-check request (to be parsed with `HealthCheckMessage`), not config. */
export function isHealthCheckMessage(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'healthCheck';
}

/**
 * How a deployment was checked: `chat` (one user message "ping", at most one output token) or `embedding` (one
 * embedding of "ping"), for deployments serving an embedding model.
 */
export const HealthCheckMode = z.enum(['chat', 'embedding']);
export type HealthCheckMode = z.infer<typeof HealthCheckMode>;

/** One deployment checked by one data plane. */
export const ModelHealthResult = z.object({
  /** The model config id. */
  deploymentId: z.string().min(1).max(128),
  healthy: z.boolean(),
  /** From sending the request to its answer (or failure), milliseconds. */
  latencyMs: z.number().int().nonnegative(),
  mode: HealthCheckMode,
  /** The provider's failure as the gateway maps it (never a credential); null when healthy. */
  error: z.string().max(MAX_HEALTH_ERROR_LENGTH).nullable(),
  checkedAt: z.string().datetime({ offset: true }),
  dataPlaneId: z.string().min(1).max(200),
});
export type ModelHealthResult = z.infer<typeof ModelHealthResult>;

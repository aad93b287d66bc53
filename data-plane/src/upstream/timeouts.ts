import type { ModelConfig } from '@tollgate/schema';

/**
 * A deployment's own timeouts for an upstream call: `timeoutMs` bounds the wait for the response headers (time to
 * first byte), `streamIdleTimeoutMs` the silence between body chunks (a stream that stalls), falling back to
 * `timeoutMs`; absent ones leave the shared pool's defaults. A call that times out fails with `upstream_timeout`,
 * which the router retries and counts towards the deployment's cooldown.
 */
export function deploymentTimeouts(target: Pick<ModelConfig, 'timeoutMs' | 'streamIdleTimeoutMs'>): { headersTimeoutMs?: number; bodyTimeoutMs?: number } {
  const idle = target.streamIdleTimeoutMs ?? target.timeoutMs;
  return {
    ...(target.timeoutMs != null && { headersTimeoutMs: target.timeoutMs }),
    ...(idle != null && { bodyTimeoutMs: idle }),
  };
}

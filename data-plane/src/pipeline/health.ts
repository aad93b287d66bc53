import type { Exchange } from '../http/exchange.js';
import type { PipelineDeps } from './context.js';

/** `GET /health/liveness`: the process is up and its event loop turns. Always 200. */
export function liveness(ex: Exchange): void {
  ex.sendJson(200, { status: 'alive' });
}

/**
 * `GET /health/readiness`: 200 once a config snapshot is loaded (and, with REDIS_URL, Redis answers PING);
 * 503 before. Load balancers should route only to ready data planes.
 */
export async function readiness(deps: PipelineDeps, ex: Exchange): Promise<void> {
  const configVersion = deps.config.current?.version ?? null;
  const uws = deps.uwsImplementation;
  const redis = deps.redis ? await deps.redis.ping() : null;
  if (configVersion === null) {
    ex.sendJson(503, { status: 'not_ready', reason: 'config not loaded', configVersion, uws });
  } else if (redis === false) {
    ex.sendJson(503, { status: 'not_ready', reason: 'redis unreachable', configVersion, uws });
  } else {
    ex.sendJson(200, { status: 'ready', configVersion, uws, ...(redis !== null && { redis: 'ok' }) });
  }
}

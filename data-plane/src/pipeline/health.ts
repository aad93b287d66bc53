import type { Exchange } from '../http/exchange.js';
import type { PipelineDeps } from './context.js';

/** `GET /health/liveness`: the process is up and its event loop turns. Always 200. */
export function liveness(ex: Exchange): void {
  ex.sendJson(200, { status: 'alive' });
}

/**
 * `GET /health/readiness`: 200 once a config snapshot is loaded; 503 before. With REDIS_URL, Redis not answering
 * PING makes a data plane not ready only when limits fail closed: failing open, it serves with its own counters
 * (reported here as `limits.degraded`), and pulling every data plane out of rotation at once would turn a Redis
 * outage into a gateway outage. Load balancers should route only to ready data planes.
 */
export async function readiness(deps: PipelineDeps, ex: Exchange): Promise<void> {
  const configVersion = deps.config.current?.version ?? null;
  const uws = deps.uwsImplementation;
  const redis = deps.redis ? await deps.redis.ping() : null;
  const limits = deps.governance.status();
  if (configVersion === null) {
    ex.sendJson(503, { status: 'not_ready', reason: 'config not loaded', configVersion, uws });
  } else if (redis === false && limits.failureMode === 'closed') {
    ex.sendJson(503, { status: 'not_ready', reason: 'redis unreachable', configVersion, uws, limits });
  } else {
    ex.sendJson(200, { status: 'ready', configVersion, uws, ...(redis !== null && { redis: redis ? 'ok' : 'unreachable', limits }) });
  }
}

/** `GET /metrics`: Prometheus text format, for what an operator alerts on. */
export function metrics(deps: PipelineDeps, ex: Exchange): void {
  const limits = deps.governance.status();
  const lines = [
    '# HELP tollgate_config_version The config version this data plane serves (-1 before the first snapshot).',
    '# TYPE tollgate_config_version gauge',
    `tollgate_config_version ${deps.config.current?.version ?? -1}`,
    '# HELP tollgate_usage_events_pending Usage events not yet acknowledged by the control plane.',
    '# TYPE tollgate_usage_events_pending gauge',
    `tollgate_usage_events_pending ${deps.usagePending()}`,
    '# HELP tollgate_limits_degraded 1 while Redis is configured but unreachable (limits counted per instance, or refused when failing closed).',
    '# TYPE tollgate_limits_degraded gauge',
    `tollgate_limits_degraded{counters="${limits.counters}",failure_mode="${limits.failureMode}"} ${limits.degraded ? 1 : 0}`,
    '# HELP tollgate_limits_redis_outages_total Redis outages seen by the limiter since start.',
    '# TYPE tollgate_limits_redis_outages_total counter',
    `tollgate_limits_redis_outages_total ${limits.outages}`,
    '# HELP tollgate_limits_decided_without_redis_total Requests whose limits were decided without Redis during outages.',
    '# TYPE tollgate_limits_decided_without_redis_total counter',
    `tollgate_limits_decided_without_redis_total ${limits.decidedWithoutRedis}`,
  ];
  ex.send(200, `${lines.join('\n')}\n`, 'text/plain; version=0.0.4');
}

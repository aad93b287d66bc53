import type { Exchange } from '../http/exchange.js';
import type { PipelineDeps } from './context.js';
import { timingSafeEqual } from 'node:crypto';
import { errors } from '../http/errors.js';
import type { RequestHead } from '../http/request-head.js';
import { escapeLabel } from '../usage/request-metrics.js';

/** `GET /health/liveness`: the process is up and its event loop turns. Always 200. */
export function liveness(ex: Exchange): void {
  ex.sendJson(200, { status: 'alive' });
}

/**
 * `GET /health/readiness`: 200 once a config snapshot is loaded; 503 before, and once the data plane is shutting down
 * (asked on a connection opened before, as load balancers' health checks keep theirs). With REDIS_URL, Redis not answering
 * PING makes a data plane not ready only when limits fail closed: failing open, it serves with its own counters
 * (reported here as `limits.degraded`), and pulling every data plane out of rotation at once would turn a Redis
 * outage into a gateway outage. Load balancers should route only to ready data planes.
 */
export async function readiness(deps: PipelineDeps, ex: Exchange): Promise<void> {
  const configVersion = deps.config.current?.version ?? null;
  const uws = deps.uwsImplementation;
  const redis = deps.redis ? await deps.redis.ping() : null;
  const limits = deps.governance.status();
  if (deps.lifecycle?.draining === true) {
    ex.sendJson(503, { status: 'not_ready', reason: 'shutting down', configVersion, uws });
  } else if (configVersion === null) {
    ex.sendJson(503, { status: 'not_ready', reason: 'config not loaded', configVersion, uws });
  } else if (redis === false && limits.failureMode === 'closed') {
    ex.sendJson(503, { status: 'not_ready', reason: 'redis unreachable', configVersion, uws, limits });
  } else {
    ex.sendJson(200, { status: 'ready', configVersion, uws, ...(redis !== null && { redis: redis ? 'ok' : 'unreachable', limits }) });
  }
}

/**
 * `GET /metrics`: Prometheus text format, for what an operator alerts on. With a metrics token, only for
 * `Authorization: Bearer <token>` (compared in constant time).
 */
export function metrics(deps: PipelineDeps, ex: Exchange, head: Pick<RequestHead, 'authorization'>): void {
  if (deps.metricsToken !== undefined && !sameSecret(head.authorization, `Bearer ${deps.metricsToken}`)) {
    ex.sendError(head.authorization === '' ? errors.missingMetricsToken() : errors.invalidMetricsToken());
    return;
  }
  const limits = deps.governance.status();
  const lines = [
    ...metric('tollgate_config_version', 'gauge', 'The config version this data plane serves (-1 before the first snapshot).', deps.config.current?.version ?? -1),
    ...metric('tollgate_usage_events_pending', 'gauge', 'Usage events not yet acknowledged by the control plane.', deps.usagePending()),
    ...controlPlaneMetrics(deps),
    ...metric(
      'tollgate_limits_degraded',
      'gauge',
      '1 while Redis is configured but unreachable (limits counted per instance, or refused when failing closed).',
      limits.degraded ? 1 : 0,
      `counters="${limits.counters}",failure_mode="${limits.failureMode}"`,
    ),
    ...metric('tollgate_limits_redis_outages_total', 'counter', 'Redis outages seen by the limiter since start.', limits.outages),
    ...metric('tollgate_limits_decided_without_redis_total', 'counter', 'Requests whose limits were decided without Redis during outages.', limits.decidedWithoutRedis),
    ...metric(
      'tollgate_limits_redis_retries_pending',
      'gauge',
      'Limiter calls to Redis that failed and wait to be retried (slots and corrections not yet settled there).',
      limits.retriesPending,
    ),
    ...metric(
      'tollgate_limits_redis_retries_dropped_total',
      'counter',
      'Failed limiter calls given up on (older than 2 minutes, or too many): their slots wait for their lease.',
      limits.retriesDropped,
    ),
    ...deploymentMetrics(deps),
    ...(deps.requestMetrics?.render() ?? []),
  ];
  ex.send(200, `${lines.join('\n')}\n`, 'text/plain; version=0.0.4');
}

/**
 * Whether the config subscription is connected, and for how long it has not been: a data plane cut off from its
 * control plane serves its last config (and stays ready), so only these tell an operator that keys revoked or budgets
 * changed since are not applied there. None for a data plane on a fixed config.
 */
function controlPlaneMetrics(deps: PipelineDeps): string[] {
  const since = deps.controlPlaneDisconnectedSince?.();
  if (since === undefined) return [];
  return [
    ...metric('tollgate_control_plane_connected', 'gauge', '1 while the config subscription to the control plane is connected.', since === null ? 1 : 0),
    ...metric(
      'tollgate_control_plane_disconnected_seconds',
      'gauge',
      'Seconds since the config subscription lost the control plane (0 while connected): how stale the served config may be.',
      since === null ? 0 : Math.floor((Date.now() - since) / 1000),
    ),
  ];
}

/** One metric without per-deployment labels: its help, its type and its one sample. */
function metric(name: string, type: 'gauge' | 'counter', help: string, value: number, labels?: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels === undefined ? '' : `{${labels}}`} ${value}`];
}

/** Per deployment of the current config: cooling down, requests in flight, latency averages (router state). */
function deploymentMetrics(deps: PipelineDeps): string[] {
  const groups = deps.config.current?.groupsByName;
  if (groups === undefined) return [];
  const now = Date.now();
  const cooling: string[] = [];
  const inFlight: string[] = [];
  const latency: string[] = [];
  const streamOptions: string[] = [];
  for (const group of groups.values()) {
    for (const d of group.deployments) {
      const state = deps.router.peek(d.id);
      const labels = `deployment="${escapeLabel(d.id)}",model="${escapeLabel(group.name)}"`;
      cooling.push(`tollgate_deployment_cooling_down{${labels}} ${state !== undefined && state.cooldownUntil > now ? 1 : 0}`);
      inFlight.push(`tollgate_deployment_in_flight{${labels}} ${state?.inFlight ?? 0}`);
      if (state !== undefined && !Number.isNaN(state.ttftMs)) latency.push(`tollgate_deployment_latency_ms{${labels},figure="ttft"} ${state.ttftMs.toFixed(3)}`);
      if (state !== undefined && !Number.isNaN(state.msPerToken)) latency.push(`tollgate_deployment_latency_ms{${labels},figure="per_output_token"} ${state.msPerToken.toFixed(3)}`);
      const takes = deps.providers.get(d.provider)?.forward?.takesStreamOptions?.(d);
      if (takes !== undefined) streamOptions.push(`tollgate_deployment_stream_options{${labels}} ${takes ? 1 : 0}`);
    }
  }
  return [
    '# HELP tollgate_deployment_cooling_down 1 while the router skips the deployment after failures (shared through Redis when configured).',
    '# TYPE tollgate_deployment_cooling_down gauge',
    ...cooling,
    '# HELP tollgate_deployment_in_flight Requests this data plane has in flight on the deployment.',
    '# TYPE tollgate_deployment_in_flight gauge',
    ...inFlight,
    '# HELP tollgate_deployment_latency_ms Moving averages the lowest-latency strategy routes by.',
    '# TYPE tollgate_deployment_latency_ms gauge',
    ...latency,
    '# HELP tollgate_deployment_stream_options 0 for an OpenAI-protocol deployment streamed without stream_options (its config says it refuses them, or it refused them to this data plane): its usage is what it reports unasked, else counted here (estimated).',
    '# TYPE tollgate_deployment_stream_options gauge',
    ...streamOptions,
  ];
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

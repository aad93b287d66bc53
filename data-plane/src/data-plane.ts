import { hostname } from 'node:os';
import { DEFAULT_CONTROL_PLANE_PORT, DEFAULT_DATA_PLANE_PORT, GRAPHQL_PATH, isHealthCheckMessage, isSubjectSpendMessage, type UsageEvent } from '@tollgate/schema';
import { graphqlConfigSource } from './config/graphql-source.js';
import type { ConfigSource } from './config/source.js';
import { ConfigStore } from './config/store.js';
import { IpAllowList } from './governance/request-policy.js';
import { CountedSpend } from './governance/counted-spend.js';
import { PeriodicHealthChecks } from './health-checks/periodic.js';
import { healthReporter } from './health-checks/reporter.js';
import { HealthChecks } from './health-checks/runner.js';
import { CorsPolicy } from './http/cors.js';
import { startHttpServer } from './http/server.js';
import { failFastRedis } from './redis/connection.js';
import { ResponseAffinity } from './routing/response-affinity.js';
import { DEFAULT_RESPONSE_ITEMS_TTL_MS, ResponseItemStore } from './surfaces/openai-responses/item-store.js';
import type { FailureMode } from './limits/limiter.js';
import { LocalLimiter } from './limits/local-limiter.js';
import { consoleLogger, type Logger } from './logger.js';
import type { Lifecycle, PipelineDeps } from './pipeline/context.js';
import { builtInProviders, type ProviderRegistry } from './providers/registry.js';
import { secretResolver } from './upstream/secrets.js';
import { routes } from './routes.js';
import { Router } from './routing/router.js';
import { UsageShipper } from './usage/shipper.js';
import { RequestMetrics } from './usage/request-metrics.js';
import { loadUws, type LoadedUws } from './uws.js';

export interface DataPlaneOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 4000; 0 picks a free port (read it from the handle). */
  port?: number;
  /** The control plane's GraphQL URL: usage is POSTed here, config comes over graphql-ws on the derived ws URL. */
  controlPlaneUrl?: string;
  /** The data-plane credential, for both the config subscription and usage ingest. */
  dataPlaneToken: string;
  /** Default `<hostname>-<pid>`. */
  dataPlaneId?: string;
  /** Default 10 MiB. */
  maxBodyBytes?: number;
  /** Default 250 ms. */
  usageFlushMs?: number;
  /**
   * Redis shared by every data plane: rate limits and budgets are then exact across all of them, and readiness also
   * requires Redis to answer PING. Unset: limits and budgets are counted in this process (exact for one instance).
   */
  redisUrl?: string;
  /** While Redis is unreachable: `open` (default) counts locally, `closed` refuses governed requests with 503. */
  limitsFailureMode?: FailureMode;
  /** Client addresses or CIDR ranges every request must come from; empty or unset: any. */
  allowedIps?: readonly string[];
  /**
   * Load balancers and proxies in front of the data plane (addresses or CIDR ranges) whose `X-Forwarded-For` names
   * the client; empty or unset: the connection's peer is the client.
   */
  trustedProxies?: readonly string[];
  /** Request parameters every request must carry (`user`, `metadata.generation_name`). */
  enforcedParams?: readonly string[];
  /** Output tokens reserved against tpm limits and budgets for a request that sets no maximum. Default 1,024. */
  reserveOutputTokens?: number;
  /** Where config comes from; default the control plane subscription. Tests inject a static snapshot. */
  configSource?: ConfigSource;
  /** Provider adapters; default the built-in ones. */
  providers?: ProviderRegistry;
  /** Accept the slow ws-based uWS fallback; default TOLLGATE_ALLOW_UWS_FALLBACK=1. */
  allowUwsFallback?: boolean;
  /** How long `close()` lets in-flight requests finish before cutting them off (`TOLLGATE_SHUTDOWN_GRACE_S`). Default 20 s. */
  shutdownGraceMs?: number;
  /** How long `close()` keeps trying to ship queued usage. Default 5 s. */
  usageFlushDeadlineMs?: number;
  /**
   * Where usage events wait, on disk, until the control plane acknowledges them (`TOLLGATE_SPOOL_DIR`; one data
   * plane per directory). Unset: in memory only, lost when the process ends (tests, embedding).
   */
  spoolDir?: string;
  /** Bytes of unacknowledged usage the spool keeps before dropping the oldest (logged). Default 1 GiB. */
  maxSpoolBytes?: number;
  /**
   * Periodic health checks of every deployment (`TOLLGATE_HEALTH_CHECK_INTERVAL_S`), milliseconds between rounds;
   * unset or 0: off. Each round costs one real provider request per deployment; with Redis one data plane takes it.
   */
  healthCheckIntervalMs?: number;
  /**
   * An event stream that has sent the client nothing for this long gets an SSE comment, so proxies with an idle
   * timeout keep the connection while a model thinks (`TOLLGATE_STREAM_KEEPALIVE_MS`). Default 15 s; 0: never.
   */
  streamKeepAliveMs?: number;
  /**
   * How long the output items of translated Responses answers can be named in later requests' `item_reference`s
   * (`TOLLGATE_RESPONSE_ITEMS_TTL_S`). Default an hour; 0: not kept.
   */
  responseItemsTtlMs?: number;
  /**
   * Origins whose web pages may call the gateway (`TOLLGATE_CORS_ORIGINS`: exact origins such as
   * `https://app.example.com`, or `*` for any); empty or absent: none (no CORS headers, preflights unanswered).
   */
  corsOrigins?: readonly string[];
  /**
   * `GET /metrics` answers only `Authorization: Bearer <this>` (`TOLLGATE_METRICS_TOKEN`): it shows spend and
   * traffic per model. Unset: anyone who reaches the data plane may scrape it.
   */
  metricsToken?: string;
  logger?: Logger;
}

export interface DataPlane {
  /** The port actually listened on (useful with port 0). */
  readonly port: number;
  /** The uWS implementation serving requests, e.g. `uWebSockets.js`. */
  readonly uws: string;
  /** The loaded config version, or -1 before the first snapshot. */
  configVersion(): number;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), flushes usage, disconnects. */
  close(): Promise<void>;
}

export const DEFAULT_CONTROL_PLANE_URL = `http://127.0.0.1:${DEFAULT_CONTROL_PLANE_PORT}${GRAPHQL_PATH}`;
/**
 * Anthropic's Messages API takes 32 MB (OpenAI's own limits are per file and image, and allow as much): coding agents'
 * long sessions with screenshots and PDFs reach well past 10 MB, and a lower cap would refuse at the gateway what the
 * provider takes. Bodies are buffered, so this also bounds one request's memory.
 * @see https://docs.anthropic.com/en/api/overview#request-size-limits
 */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_STREAM_KEEPALIVE_MS = 15_000;
export const DEFAULT_USAGE_FLUSH_MS = 250;
export const DEFAULT_RESERVE_OUTPUT_TOKENS = 1_024;
/**
 * How long a stopping data plane lets its requests finish: long answers stream for tens of seconds. With the last
 * second of cutting and the 5 s of flushing usage it stays under the launcher's 30 s and Kubernetes' default
 * `terminationGracePeriodSeconds` (30).
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 20_000;

/** A usage event of a request the shutdown cut, told apart from one whose client left. */
function cutByShutdown(event: UsageEvent): UsageEvent {
  return { ...event, errorType: 'gateway_shutdown', errorMessage: 'the data plane shut down before the answer was complete (its shutdown grace period ran out)' };
}

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const logger = options.logger ?? consoleLogger();
  const controlPlaneUrl = options.controlPlaneUrl ?? DEFAULT_CONTROL_PLANE_URL;
  // Refuses to start on the ws fallback unless allowed: better no data plane than a silently slow one.
  const uws: LoadedUws = loadUws(options.allowUwsFallback === undefined ? {} : { allowFallback: options.allowUwsFallback });
  if (!uws.native) logger.warn('running on the ws-based uWS fallback (TOLLGATE_ALLOW_UWS_FALLBACK=1): expect much lower throughput');

  const usage = new UsageShipper({
    url: controlPlaneUrl,
    dataPlaneToken: options.dataPlaneToken,
    flushMs: options.usageFlushMs ?? DEFAULT_USAGE_FLUSH_MS,
    spool: { dir: options.spoolDir, maxBytes: options.maxSpoolBytes },
    logger,
  });
  const source = options.configSource ?? graphqlConfigSource({ controlPlaneUrl, dataPlaneToken: options.dataPlaneToken, logger });
  const store = new ConfigStore(logger, () => source.resync());
  const dataPlaneId = options.dataPlaneId ?? `${hostname()}-${process.pid}`;
  const providers = options.providers ?? builtInProviders();
  const secrets = secretResolver();
  // Loaded only when configured: the Redis client is a few megabytes of resident memory a data plane without
  // Redis has no use for.
  const redis = options.redisUrl ? (await import('./redis/health.js')).redisHealth(options.redisUrl, logger) : null;
  const limiter = options.redisUrl
    ? new (await import('./limits/limiter.js')).Limiter({ redisUrl: options.redisUrl, failureMode: options.limitsFailureMode ?? 'open', logger })
    : new LocalLimiter();
  if (limiter instanceof LocalLimiter) logger.info('rate limits and budgets are counted in this process (no REDIS_URL): exact for this one data plane only');
  else if (!(await limiter.ready())) logger.warn('Redis is not reachable yet; limits fall back as configured until it is', { failureMode: limiter.failureMode });
  const router = new Router();
  // With Redis, cooldowns and latency figures are shared by every data plane (fire-and-forget: routing never waits).
  const routerPeers = options.redisUrl ? new (await import('./routing/redis-peers.js')).RedisRouterPeers(router, { redisUrl: options.redisUrl, logger }) : null;
  // Its own connection: a follow-up's lookup waits at most 250 ms on a Redis that does not answer.
  const affinityRedis = options.redisUrl ? failFastRedis(options.redisUrl, { commandTimeoutMs: 250 }) : null;
  affinityRedis?.on('error', () => {}); // reported by the affinity itself, once a minute at most
  if (routerPeers !== null) router.connect(routerPeers);

  const countedSpend = new CountedSpend();
  const lifecycle: Lifecycle = { draining: false, cutting: false };
  const requestMetrics = new RequestMetrics();
  const deps: PipelineDeps = {
    config: store,
    providers,
    secrets,
    // A request cut because the shutdown grace period ran out is the gateway's doing, not a client that left.
    emitUsage: (event) => {
      const recorded = lifecycle.cutting && event.errorType === 'client_disconnected' ? cutByShutdown(event) : event;
      requestMetrics.observe(recorded);
      usage.enqueue(recorded);
    },
    requestMetrics,
    ...(options.metricsToken !== undefined && { metricsToken: options.metricsToken }),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    dataPlaneId,
    uwsImplementation: uws.implementation,
    redis,
    router,
    affinity: new ResponseAffinity(affinityRedis, logger),
    responseItems: new ResponseItemStore(affinityRedis, logger, options.responseItemsTtlMs ?? DEFAULT_RESPONSE_ITEMS_TTL_MS),
    governance: {
      limiter,
      allowedIps: IpAllowList.of(options.allowedIps ?? []),
      trustedProxies: IpAllowList.of(options.trustedProxies ?? []),
      enforcedParams: options.enforcedParams ?? [],
      defaultReserveOutputTokens: options.reserveOutputTokens ?? DEFAULT_RESERVE_OUTPUT_TOKENS,
      countedSpend,
      status: () =>
        limiter instanceof LocalLimiter
          ? { counters: 'local', failureMode: 'open', degraded: false, outages: 0, decidedWithoutRedis: 0, retriesPending: 0, retriesDropped: 0 }
          : {
              counters: 'redis',
              failureMode: limiter.failureMode,
              degraded: limiter.degraded,
              outages: limiter.outages,
              decidedWithoutRedis: limiter.decidedWithoutRedis,
              retriesPending: limiter.retriesPending,
              retriesDropped: limiter.retriesDropped,
            },
    },
    usagePending: () => usage.pending,
    ...(source.disconnectedSince !== undefined && { controlPlaneDisconnectedSince: source.disconnectedSince }),
    lifecycle,
    logger,
  };

  let server;
  try {
    server = await startHttpServer({
      uws,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? DEFAULT_DATA_PLANE_PORT,
      routes: routes(deps),
      configVersion: () => store.version,
      streamKeepAliveMs: options.streamKeepAliveMs ?? DEFAULT_STREAM_KEEPALIVE_MS,
      cors: options.corsOrigins !== undefined && options.corsOrigins.length > 0 ? new CorsPolicy(options.corsOrigins) : null,
      lifecycle,
      logger,
    });
  } catch (err) {
    await redis?.close();
    affinityRedis?.disconnect();
    await routerPeers?.close();
    await limiter.close();
    // Releases the spool directory; what was loaded from it stays there.
    await usage.close(0);
    throw err;
  }
  usage.start();
  const reporter = healthReporter({ url: controlPlaneUrl, dataPlaneToken: options.dataPlaneToken, logger });
  const healthChecks = new HealthChecks({ config: () => store.current, providers, secrets, dataPlaneId, report: reporter.report, logger });
  const periodic = options.healthCheckIntervalMs
    ? new PeriodicHealthChecks(healthChecks, {
        intervalMs: options.healthCheckIntervalMs,
        lock: options.redisUrl ? (await import('./health-checks/round-lock.js')).redisRoundLock(options.redisUrl, dataPlaneId, logger) : null,
        logger,
      })
    : null;
  // Health-check requests and subject spend ride the config stream but are not config: they never reach the store,
  // whose versions and snapshot parts they must not disturb.
  source.start((message) => {
    if (isHealthCheckMessage(message)) healthChecks.request(message);
    else if (isSubjectSpendMessage(message)) {
      if (!countedSpend.apply(message)) logger.warn('skipped a subject spend message this data plane cannot read');
    } else store.handle(message);
  });
  periodic?.start();

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    // Readiness answers 503 and every response closes its connection from now on (load balancers keep connections to
    // a data plane that stopped accepting new ones).
    lifecycle.draining = true;
    server.stopAccepting();
    const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    if (!(await server.idle(graceMs))) {
      logger.warn('requests still running after the shutdown grace period; closing their connections', { inFlight: server.inFlight });
    }
    // Aborts what is left; their pipelines record `aborted` usage events synchronously from onAborted onwards.
    lifecycle.cutting = true;
    server.closeConnections();
    await server.idle(1_000);
    await source.close();
    await periodic?.close();
    await healthChecks.close();
    await reporter.close();
    await usage.close(options.usageFlushDeadlineMs ?? 5_000);
    await redis?.close();
    affinityRedis?.disconnect();
    await routerPeers?.close();
    await limiter.close();
  };

  return {
    port: server.port,
    uws: uws.implementation,
    configVersion: () => store.version,
    close: () => (closing ??= close()),
  };
}

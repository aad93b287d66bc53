import { join, resolve } from 'node:path';
import { DEFAULT_DATA_PLANE_PORT, parseIpRange } from '@tollgate/schema';
import { DEFAULT_RESPONSE_ITEMS_TTL_MS } from './surfaces/openai-responses/item-store.js';
import { DEFAULT_CONTROL_PLANE_URL, DEFAULT_MAX_BODY_BYTES, DEFAULT_RESERVE_OUTPUT_TOKENS, DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_STREAM_KEEPALIVE_MS, DEFAULT_USAGE_FLUSH_MS, type DataPlaneOptions } from './data-plane.js';
import { DEFAULT_SPOOL_MAX_BYTES } from './usage/spool.js';

export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/** Data-plane options from the environment, per docs/api-contract.md ("Processes and environment"). */
export function dataPlaneOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DataPlaneOptions {
  const token = env.TOLLGATE_DATA_PLANE_TOKEN;
  if (!token) {
    throw new EnvError('TOLLGATE_DATA_PLANE_TOKEN is required: the credential the control plane issued for data planes (the launcher sets it for you).');
  }
  return {
    host: env.TOLLGATE_HOST || '127.0.0.1',
    port: integer(env, 'TOLLGATE_PORT', DEFAULT_DATA_PLANE_PORT, 0, 65_535),
    controlPlaneUrl: url(env, 'TOLLGATE_CONTROL_PLANE_URL', DEFAULT_CONTROL_PLANE_URL),
    dataPlaneToken: token,
    ...(env.TOLLGATE_DATA_PLANE_ID && { dataPlaneId: env.TOLLGATE_DATA_PLANE_ID }),
    maxBodyBytes: integer(env, 'TOLLGATE_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1, Number.MAX_SAFE_INTEGER),
    usageFlushMs: integer(env, 'TOLLGATE_USAGE_FLUSH_MS', DEFAULT_USAGE_FLUSH_MS, 1, 3_600_000),
    // Beside the launcher's embedded database when it runs the data plane (TOLLGATE_DATA_DIR), else in the working
    // directory's .tollgate, as the launcher's default.
    spoolDir: resolve(env.TOLLGATE_SPOOL_DIR || join(env.TOLLGATE_DATA_DIR || '.tollgate', 'spool')),
    maxSpoolBytes: integer(env, 'TOLLGATE_SPOOL_MAX_BYTES', DEFAULT_SPOOL_MAX_BYTES, 1024 * 1024, Number.MAX_SAFE_INTEGER),
    ...(env.REDIS_URL && { redisUrl: env.REDIS_URL }),
    limitsFailureMode: failureMode(env),
    allowedIps: ipRanges(env, 'TOLLGATE_ALLOWED_IPS'),
    trustedProxies: ipRanges(env, 'TOLLGATE_TRUSTED_PROXIES'),
    enforcedParams: list(env.TOLLGATE_ENFORCED_PARAMS),
    reserveOutputTokens: integer(env, 'TOLLGATE_RESERVE_OUTPUT_TOKENS', DEFAULT_RESERVE_OUTPUT_TOKENS, 0, 10_000_000),
    allowUwsFallback: env.TOLLGATE_ALLOW_UWS_FALLBACK === '1',
    // Off unless set: every round is a real, paid request per deployment.
    healthCheckIntervalMs: integer(env, 'TOLLGATE_HEALTH_CHECK_INTERVAL_S', 0, 0, 86_400) * 1000,
    streamKeepAliveMs: integer(env, 'TOLLGATE_STREAM_KEEPALIVE_MS', DEFAULT_STREAM_KEEPALIVE_MS, 0, 3_600_000),
    // OpenAI keeps stored responses 30 days; so long a time is the most this may be.
    responseItemsTtlMs: integer(env, 'TOLLGATE_RESPONSE_ITEMS_TTL_S', DEFAULT_RESPONSE_ITEMS_TTL_MS / 1000, 0, 30 * 86_400) * 1000,
    corsOrigins: corsOrigins(env.TOLLGATE_CORS_ORIGINS),
    shutdownGraceMs: integer(env, 'TOLLGATE_SHUTDOWN_GRACE_S', DEFAULT_SHUTDOWN_GRACE_MS / 1000, 0, 3_600) * 1000,
    ...metricsToken(env.TOLLGATE_METRICS_TOKEN),
  };
}

/** `TOLLGATE_METRICS_TOKEN`: long enough not to be guessed (it guards spend and traffic figures). */
function metricsToken(value: string | undefined): Pick<DataPlaneOptions, 'metricsToken'> {
  if (value === undefined || value === '') return {};
  if (value.length < 16 || /\s/.test(value)) throw new EnvError('TOLLGATE_METRICS_TOKEN must be at least 16 characters without spaces (openssl rand -hex 24).');
  return { metricsToken: value };
}

/** A comma-separated list; empty entries ignored. */
function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * A comma-separated list of addresses and CIDR ranges. An entry that is neither is refused at start, naming it: read
 * leniently, `10.9.9.9/` would be `/0`, every address (an allow list open to all, or every peer a trusted proxy).
 */
function ipRanges(env: NodeJS.ProcessEnv, name: string): string[] {
  const entries = list(env[name]);
  const wrong = entries.filter((entry) => parseIpRange(entry) === null);
  if (wrong.length > 0) {
    throw new EnvError(`${name} must be comma-separated IP addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32); not one: ${wrong.map((entry) => `'${entry}'`).join(', ')}`);
  }
  return entries;
}

function failureMode(env: NodeJS.ProcessEnv): 'open' | 'closed' {
  const raw = env.TOLLGATE_LIMITS_FAILURE_MODE;
  if (raw === undefined || raw === '' || raw === 'open') return 'open';
  if (raw === 'closed') return 'closed';
  throw new EnvError(`TOLLGATE_LIMITS_FAILURE_MODE must be 'open' or 'closed', got '${raw}'`);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new EnvError(`${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  try {
    const parsed = new URL(raw);
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) throw new Error('unsupported protocol');
    return raw;
  } catch {
    throw new EnvError(`${name} must be an http(s) URL of the control plane's GraphQL endpoint, got '${raw}'`);
  }
}

/**
 * `TOLLGATE_CORS_ORIGINS`: comma-separated origins (`https://app.example.com`) or `*`. An entry that is not an origin
 * (a path, no scheme) would never match a browser's `Origin` header: refused at start, naming it.
 */
function corsOrigins(value: string | undefined): string[] {
  const origins = list(value);
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (parsed === null || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/+$/, '').toLowerCase()) {
      throw new EnvError(`TOLLGATE_CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin; give scheme, host and port only (https://app.example.com), or * for any.`);
    }
  }
  return origins;
}

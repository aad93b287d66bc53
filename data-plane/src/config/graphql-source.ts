import { CONFIG_FEATURES_PARAM, DATA_PLANE_CONFIG_FEATURES } from '@tollgate/schema';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Logger } from '../logger.js';
import type { ConfigSource } from './source.js';

export const GATEWAY_CONFIG_SUBSCRIPTION = 'subscription { gatewayConfig { version message } }';

export interface GraphqlConfigSourceOptions {
  /** The control plane's GraphQL URL (`http(s)://…/graphql`); the ws(s) URL is derived from it. */
  controlPlaneUrl: string;
  dataPlaneToken: string;
  logger: Logger;
  /** Upper bound of the reconnect backoff. */
  maxRetryDelayMs?: number;
}

interface GatewayConfigResult {
  gatewayConfig?: { version?: unknown; message?: unknown } | null;
}

/** `http://h/graphql` → `ws://h/graphql`, `https` → `wss`; ws URLs pass through. */
export function toWebSocketUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  return parsed.toString();
}

/** Randomised exponential backoff: 0.5 s, 1 s, 2 s … capped, each with ±25 % jitter so replicas do not stampede. */
export function backoffDelay(attempt: number, maxMs: number, baseMs = 500): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return raw * (0.75 + Math.random() * 0.5);
}

/**
 * The production config source: the control plane's `gatewayConfig` subscription over graphql-ws.
 *
 * graphql-ws reconnects by itself on socket loss (retryAttempts Infinity), and every fresh subscription starts
 * with a full snapshot, so reconnecting also resynchronises. What it does not do is resubscribe after the
 * subscription *ends* (the server completes it, or sends errors, or closes with a code graphql-ws treats as fatal,
 * e.g. 4400/4500): that is handled here with the same backoff. Throughout, the data plane keeps serving the last
 * config it has.
 */
export function graphqlConfigSource(options: GraphqlConfigSourceOptions): ConfigSource {
  const { logger } = options;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const url = toWebSocketUrl(options.controlPlaneUrl);
  let client: Client | undefined;
  let deliver: ((message: unknown) => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  /** Bumped on every (re)subscribe, so a late message of a superseded subscription is dropped, not applied. */
  let generation = 0;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  /** Cut off since (epoch ms; from the start until the first connection), null while connected. */
  let disconnectedSince: number | null = Date.now();

  const subscribe = (): void => {
    if (closed || !client) return;
    clearTimeout(retryTimer);
    unsubscribe?.();
    const mine = ++generation;
    const stale = () => mine !== generation || closed;
    unsubscribe = client.subscribe<GatewayConfigResult>(
      { query: GATEWAY_CONFIG_SUBSCRIPTION },
      {
        next: (result) => {
          if (stale()) return;
          if (result.errors?.length) {
            logger.error('gatewayConfig subscription returned errors', { errors: result.errors.map((e) => e.message) });
            return;
          }
          failures = 0;
          deliver?.(result.data?.gatewayConfig?.message);
        },
        error: (err) => {
          if (stale()) return;
          scheduleResubscribe('subscription failed', err);
        },
        complete: () => {
          if (stale()) return;
          scheduleResubscribe('subscription completed by the control plane');
        },
      },
    );
  };

  const scheduleResubscribe = (why: string, err?: unknown): void => {
    const delay = backoffDelay(failures++, maxDelay);
    logger.warn(`config ${why}; resubscribing in ${Math.round(delay)} ms (serving the last config meanwhile)`, {
      error: describe(err),
    });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(subscribe, delay);
  };

  return {
    start(d) {
      deliver = d;
      client = createClient({
        url,
        webSocketImpl: WebSocket,
        // The config features listed here (snapshots in parts, deltas of governed subjects) are what this data plane
        // understands; a control plane that predates them ignores the parameter and sends whole snapshots and the
        // deltas it always sent, which are understood too.
        connectionParams: {
          authorization: `Bearer ${options.dataPlaneToken}`,
          [CONFIG_FEATURES_PARAM]: DATA_PLANE_CONFIG_FEATURES,
        },
        retryAttempts: Infinity,
        // Every connection problem is worth retrying for a long-lived data plane, not only close events.
        shouldRetry: () => true,
        retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoffDelay(retries, maxDelay))),
        // Keep the socket a moment after an unsubscribe so a resync reuses it instead of reconnecting.
        lazyCloseTimeout: 1_000,
        keepAlive: 15_000,
        on: {
          connected: () => {
            disconnectedSince = null;
            logger.info('connected to the control plane', { url });
          },
          closed: (event) => {
            disconnectedSince ??= Date.now();
            if (!closed) logger.warn('control plane connection closed; retrying', { url, ...closeInfo(event) });
          },
        },
      });
      subscribe();
    },
    resync() {
      // A new subscription's first message is a full snapshot.
      subscribe();
    },
    disconnectedSince: () => disconnectedSince,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      unsubscribe?.();
      deliver = undefined;
      // dispose() rethrows the last connection failure when the control plane was unreachable; irrelevant now.
      try {
        await client?.dispose();
      } catch {
        // nothing to do
      }
    },
  };
}

function closeInfo(event: unknown): { code?: number; reason?: string } {
  if (event && typeof event === 'object' && 'code' in event) {
    const e = event as { code: unknown; reason?: unknown };
    return { code: Number(e.code), reason: typeof e.reason === 'string' ? e.reason : undefined };
  }
  return {};
}

function describe(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  if (err instanceof Error) return err.message;
  if (Array.isArray(err)) return err.map((e) => (e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e))).join('; ');
  const info = closeInfo(err);
  if (info.code !== undefined) return `close ${info.code} ${info.reason ?? ''}`.trim();
  return String(err);
}

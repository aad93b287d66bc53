import type { Redis } from 'ioredis';
import { failFastRedis } from '../redis/connection.js';
import type { Logger } from '../logger.js';
import { admitUnlimited, hasLimits } from './admission.js';
import { LocalLimiter } from './local-limiter.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, RedisLimiter } from './redis-limiter.js';
import type { AdmitInput, LimitDecision, LimiterUnavailable, SettleInput, Ticket } from './types.js';

/**
 * What admit does while Redis is unreachable (with no Redis configured, counters are local and this never applies).
 *
 * - `open`, the default: this data plane's own counters decide, exactly for its own traffic; across N data planes a
 *   limit admits up to N times as much, and a budget can be overspent by what the others spend meanwhile. The other
 *   choice turns a counter store blip into a full outage for every governed request, when limits exist to protect
 *   upstreams and budgets from runaway use, not to account to the cent (the ledger does that, from usage events
 *   that do not depend on Redis). Operators who must never exceed a limit pick `closed`.
 * - `closed`: requests with any limit get `unavailable` (503); requests without limits never needed Redis and go on.
 */
export type FailureMode = 'open' | 'closed';

export interface LimiterOptions {
  /** Redis for counters shared by every data plane; null: counters in this process (one data plane). */
  readonly redisUrl: string | null;
  readonly failureMode?: FailureMode;
  readonly logger: Logger;
  /** How long a Redis call may take before the request goes on without it; 250 ms by default. */
  readonly commandTimeoutMs?: number;
  /** Redis key prefix, `tg:` by default. */
  readonly keyPrefix?: string;
  /** How long an in-flight slot is held if its request never settles. */
  readonly leaseMs?: number;
}

/** After a failure while the connection still looks up (a hung Redis), how long requests skip Redis. */
const RETRY_REDIS_AFTER_MS = 1_000;

const UNAVAILABLE: LimiterUnavailable = { ok: false, unavailable: true };

/**
 * The limiter the request pipeline calls: Redis when configured, else process memory, and the failure mode in
 * between. A Redis call never holds a request up for long: commands fail at once while disconnected (no offline
 * queue, no retries) and time out after `commandTimeoutMs`; while Redis is down, requests skip it altogether until
 * the connection is back (or, if it never dropped, for a second). The first call that succeeds again ends the outage.
 */
export class Limiter {
  readonly failureMode: FailureMode;
  private readonly local: LocalLimiter;
  private readonly redis: RedisLimiter | null;
  private readonly client: Redis | null;
  private readonly logger: Logger;
  private down = false;
  private retryAtMs = 0;
  private closing = false;
  private outageCount = 0;
  private withoutRedisCount = 0;

  constructor(options: LimiterOptions) {
    this.failureMode = options.failureMode ?? 'open';
    this.logger = options.logger;
    this.local = new LocalLimiter({ leaseMs: options.leaseMs });
    this.redis = null;
    this.client = null;
    if (options.redisUrl !== null) {
      const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
      const client = failFastRedis(options.redisUrl, { commandTimeoutMs });
      // The limiter logs an outage once; ioredis would report every reconnect attempt.
      client.on('error', () => undefined);
      // The connection's own events say when Redis goes and comes back, so the `degraded` gauge and readiness tell an
      // outage as it happens, not only once a request with limits meets it.
      client.on('close', () => {
        if (!this.closing) this.failed(new Error('the connection to Redis closed'));
      });
      client.on('ready', () => {
        this.retryAtMs = 0;
        if (this.down) this.recovered();
      });
      this.redis = new RedisLimiter(client, { keyPrefix: options.keyPrefix, leaseMs: options.leaseMs, logger: options.logger, commandTimeoutMs });
      this.client = client;
    }
  }

  /**
   * Resolves once Redis is connected (true), or false after `timeoutMs`. For start-up: requests that come before the
   * first connection would count as an outage. Never rejects; without Redis, true at once.
   */
  async ready(timeoutMs = 2_000): Promise<boolean> {
    const client = this.client;
    if (client === null || client.status === 'ready') return true;
    let onReady: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        onReady = () => resolve(true);
        client.once('ready', onReady);
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
    } finally {
      client.off('ready', onReady!);
      clearTimeout(timer);
    }
  }

  /** True while Redis is configured but not being used (an outage): for a metrics gauge. */
  get degraded(): boolean {
    return this.down;
  }

  /** Outages since start. */
  get outages(): number {
    return this.outageCount;
  }

  /** Requests decided without Redis during outages (admitted locally or answered `unavailable`). */
  get decidedWithoutRedis(): number {
    return this.withoutRedisCount;
  }

  /** Redis calls that failed and wait to be retried (see `RedisLimiter`). */
  get retriesPending(): number {
    return this.redis?.pendingRetries ?? 0;
  }

  /** Failed Redis calls given up on since start: their slots wait for their lease, their corrections are lost. */
  get retriesDropped(): number {
    return this.redis?.droppedRetries ?? 0;
  }

  async admit(input: AdmitInput): Promise<LimitDecision> {
    const redis = this.redis;
    if (redis === null) return this.local.admit(input);
    if (!input.subjects.some(hasLimits)) return admitUnlimited(input, 'redis');
    if (this.redisUsable(redis)) {
      try {
        const result = await redis.admit(input);
        if (this.down) this.recovered();
        return result;
      } catch (err) {
        this.failed(err);
      }
    }
    this.withoutRedisCount++;
    return this.failureMode === 'open' ? this.local.admit(input) : UNAVAILABLE;
  }

  /** Settles where the request was admitted; never throws. */
  async settle(ticket: Ticket, actual: SettleInput): Promise<void> {
    await (ticket.backend === 'redis' && this.redis !== null ? this.redis : this.local).settle(ticket, actual);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.redis?.close();
    await this.local.close();
  }

  private redisUsable(redis: RedisLimiter): boolean {
    if (!redis.ready) {
      this.failed(new Error('not connected'));
      return false;
    }
    if (!this.down) return true;
    const now = Date.now();
    if (now < this.retryAtMs) return false;
    // One request at a time tries a Redis that failed; the others go on without it meanwhile.
    this.retryAtMs = now + RETRY_REDIS_AFTER_MS;
    return true;
  }

  private failed(err: unknown): void {
    this.retryAtMs = Date.now() + RETRY_REDIS_AFTER_MS;
    if (this.down) return;
    this.down = true;
    this.outageCount++;
    const meanwhile = this.failureMode === 'open' ? 'this data plane counts limits alone' : 'requests with limits are refused (503)';
    this.logger.warn(`limiter: Redis unavailable, ${meanwhile} until it is back`, { error: err });
  }

  private recovered(): void {
    this.down = false;
    this.logger.info('limiter: Redis is back, limits are counted there again');
  }
}

import { randomUUID } from 'node:crypto';
import type { RetryableFailure, RouterConfig } from '@tollgate/schema';
import type { Redis } from 'ioredis';
import { failFastRedis, runScript } from '../redis/connection.js';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { COOLDOWNS, FAIL } from './redis-peers-scripts.js';
import type { Router, RouterPeers } from './router.js';

export interface RedisRouterPeersOptions {
  readonly redisUrl: string;
  readonly logger: Logger;
  /** Prefix of every key and channel; `tg:router:` by default. */
  readonly keyPrefix?: string;
  /** Longest a latency sample waits before it goes to the peers; 250 ms by default. */
  readonly latencyFlushMs?: number;
}

/** Most failures one script call counts (a call holds every other Redis client up while it runs). */
const MAX_FAILURE_BATCH = 256;
/**
 * Latest samples per deployment and figure one latency message carries. Older ones would hardly move the averages:
 * at the router's weight for a new sample (0.3), the 17th latest counts for 0.7^16 ≈ 0.3%.
 */
const MAX_SAMPLES = 16;

/** A deployment's cooldown, as published by `FAIL`: how long it has left by Redis's clock. */
const CooldownMessage = z.object({ deploymentId: z.string(), remainingMs: z.number().nonnegative() });

const Samples = z.object({ ttftMs: z.array(z.number()), msPerToken: z.array(z.number()) });
type Samples = z.infer<typeof Samples>;
/** Requests started and tokens used in one minute (epoch minutes). */
const Usage = z.object({ minute: z.number(), requests: z.number(), tokens: z.number() });
type Usage = z.infer<typeof Usage>;
/** Latency samples and usage one data plane gathered since its last message, per deployment. */
const LatencyMessage = z.object({ from: z.string(), samples: z.record(z.string(), Samples), usage: z.record(z.string(), Usage).optional() });
type LatencyMessage = z.infer<typeof LatencyMessage>;

/** Failures gathered for one `FAIL` call. */
interface FailureBatch {
  readonly keys: string[];
  readonly args: Array<string | number>;
  count: number;
}

/**
 * Shares a `Router`'s cooldowns and latency figures with every data plane on the same Redis.
 *
 * - Failures are counted in Redis too, per deployment and kind, in the router's failure window (`FAIL`), so N data
 *   planes reach `allowedFails` together rather than each after its own share. The failures of one event-loop turn go
 *   as one script call. A cooldown the script sets is published, and every data plane (the sender too, also from the
 *   reply) applies it with `router.coolDown`.
 * - Whenever both connections are (back) up, the cooldowns still running are loaded (`COOLDOWNS`): a data plane that
 *   started later, or missed messages while Redis was away, agrees with the others.
 * - Latency samples are gathered per deployment and published at most every `latencyFlushMs`, one message per flush;
 *   the others fold them into their own averages. The requests started and tokens used per deployment this minute
 *   (what usage-based routing weighs against rpm/tpm capacity) go in the same message and are added to the others'
 *   counts for that minute. A data plane ignores its own messages: it observed those already.
 *
 * Clocks: a cooldown's deadline is set by Redis's clock inside the script, but what is published and loaded is the
 * time it has left; a receiver adds that to its own `Date.now()`. Data planes with skewed clocks therefore end a
 * cooldown together, with no offset to measure (and to keep measuring as clocks drift); the price is the delivery
 * delay, by which a cooldown ends late, never early: milliseconds against cooldowns of seconds.
 *
 * Nothing here holds up routing: the `RouterPeers` calls only gather or queue, and return at once. While Redis is
 * away, failures count only in each data plane's own router and samples are dropped; the outage is logged once, and
 * ioredis reconnects by itself (then the channels are subscribed and the cooldowns loaded again).
 *
 * Keys, under the prefix: `failures:<kind>:<deployment id>` (sorted set of failure times, Redis clock, expiring with
 * the window) and `cooldowns` (sorted set: deployment id → deadline). Channels: `cooldowns`, `latency`.
 */
export class RedisRouterPeers implements RouterPeers {
  private readonly redis: Redis;
  /** Subscribed connections take no other commands, hence a second one. */
  private readonly subscriber: Redis;
  private readonly logger: Logger;
  private readonly prefix: string;
  private readonly cooldownsKey: string;
  private readonly cooldownChannel: string;
  private readonly latencyChannel: string;
  private readonly latencyFlushMs: number;
  /** Tells this data plane's messages (and failures) from the others'. */
  private readonly instance = randomUUID();
  private failureSeq = 0;
  private failures: FailureBatch | null = null;
  private samples = new Map<string, Samples>();
  private usage = new Map<string, Usage>();
  private latencyTimer: NodeJS.Timeout | null = null;
  private subscribed = false;
  private synced = false;
  private down = false;
  private closed = false;

  constructor(
    private readonly router: Router,
    options: RedisRouterPeersOptions,
  ) {
    this.logger = options.logger;
    this.prefix = options.keyPrefix ?? 'tg:router:';
    this.cooldownsKey = `${this.prefix}cooldowns`;
    this.cooldownChannel = `${this.prefix}cooldowns`;
    this.latencyChannel = `${this.prefix}latency`;
    this.latencyFlushMs = options.latencyFlushMs ?? 250;
    // Commands fail at once while disconnected (no offline queue, no retries): fire-and-forget calls must not pile up
    // during an outage, and what they carry is stale by the time Redis is back.
    this.redis = failFastRedis(options.redisUrl, { commandTimeoutMs: 1_000 });
    // Subscribing is done on each `ready` (`sync`), which also loads the cooldowns that were missed meanwhile.
    this.subscriber = this.redis.duplicate({ autoResubscribe: false });
    for (const connection of [this.redis, this.subscriber]) {
      // ioredis reports every failed reconnect; an outage is logged once (`unavailable`).
      connection.on('error', (err: Error) => this.unavailable(err));
      connection.on('ready', () => void this.sync());
    }
    this.redis.on('close', () => this.unavailable(new Error('connection closed')));
    this.subscriber.on('close', () => {
      this.subscribed = false;
      this.unavailable(new Error('subscriber connection closed'));
    });
    this.subscriber.on('message', (channel: string, message: string) => this.received(channel, message));
  }

  /** True while subscribed, with the cooldowns loaded since the last (re)connect. */
  get connected(): boolean {
    return this.synced;
  }

  failure(deploymentId: string, kind: RetryableFailure, config: RouterConfig, retryAfterMs: number | null): void {
    if (this.closed) return;
    if (this.redis.status !== 'ready') {
      this.unavailable(new Error('not connected'));
      return;
    }
    const batch = (this.failures ??= this.openFailureBatch());
    batch.count++;
    batch.keys.push(`${this.prefix}failures:${kind}:${deploymentId}`);
    batch.args.push(
      deploymentId,
      `${this.instance}:${(this.failureSeq++).toString(36)}`,
      config.failureWindowMs,
      config.allowedFailsPolicy[kind] ?? config.allowedFails,
      config.cooldownMs,
      retryAfterMs === null ? -1 : Math.ceil(retryAfterMs),
      config.maxRetryAfterMs,
    );
    if (batch.count === MAX_FAILURE_BATCH) this.sendFailures();
  }

  latency(deploymentId: string, ttftMs: number | null, msPerToken: number | null): void {
    if (this.closed || this.redis.status !== 'ready') return;
    let samples = this.samples.get(deploymentId);
    if (samples === undefined) this.samples.set(deploymentId, (samples = { ttftMs: [], msPerToken: [] }));
    if (ttftMs !== null) keepLatest(samples.ttftMs, ttftMs);
    if (msPerToken !== null) keepLatest(samples.msPerToken, msPerToken);
    this.latencyTimer ??= setTimeout(this.flushLatency, this.latencyFlushMs).unref();
  }

  used(deploymentId: string, minute: number, requests: number, tokens: number): void {
    if (this.closed || this.redis.status !== 'ready') return;
    const usage = this.usage.get(deploymentId);
    // A count of an earlier minute no longer matters to anyone.
    if (usage === undefined || usage.minute !== minute) this.usage.set(deploymentId, { minute, requests, tokens });
    else {
      usage.requests += requests;
      usage.tokens += tokens;
    }
    this.latencyTimer ??= setTimeout(this.flushLatency, this.latencyFlushMs).unref();
  }

  /** Sends what was gathered, then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.failures !== null) this.sendFailures();
    this.flushLatency();
    this.closed = true;
    this.synced = false;
    this.subscriber.disconnect();
    // QUIT is answered after the commands sent before it.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private openFailureBatch(): FailureBatch {
    // Sent in the turn's check phase, after every I/O callback of the turn has added its failures.
    setImmediate(() => {
      if (this.failures !== null) this.sendFailures();
    });
    return { keys: [this.cooldownsKey], args: [this.cooldownChannel], count: 0 };
  }

  private sendFailures(): void {
    const batch = this.failures!;
    this.failures = null;
    runScript(this.redis, FAIL, batch.keys, batch.args).then(
      (reply) => {
        this.applyCooldowns(reply as Array<string | number>);
        this.answered();
      },
      (err: unknown) => this.unavailable(err),
    );
  }

  private readonly flushLatency = (): void => {
    if (this.latencyTimer !== null) clearTimeout(this.latencyTimer);
    this.latencyTimer = null;
    if (this.samples.size === 0 && this.usage.size === 0) return;
    const message: LatencyMessage = { from: this.instance, samples: Object.fromEntries(this.samples), usage: Object.fromEntries(this.usage) };
    this.samples = new Map();
    this.usage = new Map();
    if (this.redis.status !== 'ready') return;
    this.redis.publish(this.latencyChannel, JSON.stringify(message)).then(
      () => this.answered(),
      (err: unknown) => this.unavailable(err),
    );
  };

  /** On every (re)connect of either connection, once both are up: subscribes, then loads the cooldowns. */
  private async sync(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready' || this.subscriber.status !== 'ready') return;
    try {
      // Subscribed first: a cooldown set while loading arrives as a message rather than falling between the two.
      if (!this.subscribed) {
        await this.subscriber.subscribe(this.cooldownChannel, this.latencyChannel);
        this.subscribed = true;
      }
      this.applyCooldowns((await runScript(this.redis, COOLDOWNS, [this.cooldownsKey], [])) as Array<string | number>);
    } catch (err) {
      this.unavailable(err);
      return;
    }
    if (this.closed) return;
    this.synced = true;
    if (this.down) {
      this.down = false;
      this.logger.info('router: Redis is back; cooldowns reloaded and shared again');
    }
  }

  /** Redis answered a call. After a failed one on a connection that stayed up (a timeout), no `ready` ends the outage. */
  private answered(): void {
    if (this.down) void this.sync();
  }

  private unavailable(err: unknown): void {
    this.synced = false;
    if (this.down || this.closed) return;
    this.down = true;
    this.logger.warn("router: Redis unavailable; cooldowns and latency figures are this data plane's own until it is back", { error: err });
  }

  /** A `FAIL` or `COOLDOWNS` reply: {deployment id, remaining ms, ...}. */
  private applyCooldowns(reply: Array<string | number>): void {
    const now = Date.now();
    for (let i = 0; i + 1 < reply.length; i += 2) this.router.coolDown(String(reply[i]), now + Number(reply[i + 1]));
  }

  private received(channel: string, raw: string): void {
    if (this.closed) return;
    if (channel === this.cooldownChannel) {
      const message = CooldownMessage.safeParse(parseJson(raw));
      if (message.success) this.router.coolDown(message.data.deploymentId, Date.now() + message.data.remainingMs);
      else this.logger.debug('router: ignored a malformed cooldown message', { raw });
    } else if (channel === this.latencyChannel) {
      const message = LatencyMessage.safeParse(parseJson(raw));
      if (!message.success) this.logger.debug('router: ignored a malformed latency message', { raw });
      else if (message.data.from !== this.instance) this.observe(message.data);
    }
  }

  private observe(message: LatencyMessage): void {
    const now = Date.now();
    for (const [deploymentId, samples] of Object.entries(message.samples)) {
      const state = this.router.state(deploymentId);
      // The two averages are independent: each in the order its samples were taken.
      for (const ttft of samples.ttftMs) this.router.observeLatency(state, ttft, null, now);
      for (const perToken of samples.msPerToken) this.router.observeLatency(state, null, perToken, now);
    }
    for (const [deploymentId, usage] of Object.entries(message.usage ?? {})) {
      const state = this.router.state(deploymentId).thisMinute(now);
      if (state.minute !== usage.minute) continue;
      state.requests += usage.requests;
      state.tokens += usage.tokens;
    }
  }
}

function keepLatest(list: number[], value: number): void {
  if (list.length === MAX_SAMPLES) list.shift();
  list.push(value);
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

import { UsageAck, type UsageEvent } from '@tollgate/schema';
import type { Agent } from 'undici';
import { undici } from '../upstream/undici.js';
import type { Logger } from '../logger.js';
import type { EventBlock } from './event-block.js';
import { EventSpool, type SpoolOptions } from './spool.js';

const CLOSE_RETRY_MAX_MS = 250;
/**
 * The largest backlog batch. An event is at most about 40 KB (8 KB of metadata and 4 KB of tags, in characters that
 * may take three bytes each; names and messages cut by the recorder), so 250 of them stay under the control plane's
 * 10 MiB body limit, which would refuse a larger batch every time it was sent.
 */
const MAX_BATCH_SIZE = 250;
/** Full batches waiting before batches grow towards `maxBatchSize`. */
const BACKLOG_BATCHES = 5;

export const INGEST_USAGE_MUTATION =
  'mutation($events:[JSON!]!){ ingestUsage(events:$events){ acknowledged rejected{requestId reason} } }';
/** The request body around a batch's events: `{"query":…,"variables":{"events":[` events `]}}`. */
const BODY_PREFIX = Buffer.from(`{"query":${JSON.stringify(INGEST_USAGE_MUTATION)},"variables":{"events":[`);
const BODY_SUFFIX = Buffer.from(']}}');

export interface UsageShipperOptions {
  /** The control plane's GraphQL endpoint. */
  url: string;
  dataPlaneToken: string;
  logger: Logger;
  /** Regular flush interval; also the base of the retry backoff. */
  flushMs: number;
  /** A batch this size is sent at once instead of waiting for the timer. */
  batchSize?: number;
  /**
   * The largest batch, sent only while the control plane is behind (more than `backlogBatches` full batches
   * waiting): one round trip then carries up to this many events, so ingest keeps up with a busy data plane
   * instead of the queue (and the process's memory) growing. Default 250 (see `MAX_BATCH_SIZE`).
   */
  maxBatchSize?: number;
  /** Retry backoff cap. */
  maxBackoffMs?: number;
  /** Where events wait until acknowledged (see `EventSpool`); without a directory, in memory only. */
  spool?: SpoolOptions;
  /** Per-request timeout of one ingest call. */
  requestTimeoutMs?: number;
  /** Sends batches with this instead of the shipper's own undici pool (tests). */
  fetch?: typeof fetch;
}

/**
 * Ships usage events to the control plane in batches, off the request path: `enqueue` only appends to the spool's
 * buffer, which reaches the spool file at the end of the event-loop turn.
 *
 * Delivery is at-least-once and the control plane is idempotent by request id, so the rule is simple: an event
 * leaves the queue only when the control plane has acknowledged it (durable) or rejected it (malformed; resending
 * cannot help). Anything else, a network error, a GraphQL error, an event the answer does not mention, stays and
 * is retried with capped exponential backoff. One batch is in flight at a time, so an event is never sent twice
 * concurrently, and an acknowledged one is never sent again by this process.
 *
 * Events are serialised on arrival and spooled as bytes (see `EventSpool`); a batch in flight is a block of those
 * bytes, and whatever of it is not resolved goes back to the front of the queue as a block, sent again as is. The
 * spool's acknowledgement cursor moves to the first event not resolved yet: the retry block's first event, or,
 * with none, everything taken so far. After a restart the spool resends from that cursor, so events the control
 * plane acknowledged out of order just after it may be sent once more; its ingest ignores them (idempotent by
 * request id).
 */
export class UsageShipper {
  /** Events not sent yet, oldest first, and those sent but not resolved (on disk, past the cursor). */
  private readonly spool: EventSpool;
  /** Blocks to resend (failed or partly acknowledged batches), oldest first; they go before the spool. */
  private retry: EventBlock[] = [];
  private retryCount = 0;
  /** The batch in flight and its send. */
  private sending: EventBlock | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private nextAttemptAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The spool and the connection pool are closed (a second close() only waits). */
  private released = false;
  private readonly batchSize: number;
  private readonly maxBatchSize: number;
  private readonly maxBackoffMs: number;
  private readonly requestTimeoutMs: number;
  private readonly fetch: typeof fetch | undefined;
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;

  /** Opens the spool (loading what a previous run left); throws `SpoolLockedError` when another data plane holds it. */
  constructor(private readonly options: UsageShipperOptions) {
    this.spool = EventSpool.open({ ...options.spool, logger: options.logger });
    this.batchSize = options.batchSize ?? 100;
    this.maxBatchSize = Math.max(this.batchSize, options.maxBatchSize ?? MAX_BATCH_SIZE);
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.fetch = options.fetch;
    // Its own small keep-alive pool: one batch is in flight at a time.
    this.agent = new undici.Agent({ connections: 2, keepAliveTimeout: 30_000 });
    this.headers = { 'content-type': 'application/json', authorization: `Bearer ${options.dataPlaneToken}` };
  }

  /** Events waiting for acknowledgement (including the batch in flight). */
  get pending(): number {
    return this.spool.size + this.retryCount + (this.sending?.count ?? 0);
  }

  /** Events dropped because the spool was full, since start. */
  get dropped(): number {
    return this.spool.dropped;
  }

  /** Events not in flight. */
  private get queued(): number {
    return this.spool.size + this.retryCount;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.flushMs);
    // The HTTP server keeps the process alive; this timer alone must not.
    this.timer.unref();
  }

  enqueue(event: UsageEvent): void {
    if (this.closed) {
      this.options.logger.warn('usage event after shutdown started; shipping it with the final flush', { requestId: event.requestId });
    }
    this.spool.append(JSON.stringify(event));
    if (this.queued >= this.batchSize) this.tick();
  }

  /**
   * Stops the timer and flushes until the queue is empty or `deadlineMs` has passed, retrying failures with short
   * waits, then closes the spool: what is still unacknowledged stays in its files for the next start (events it
   * had to keep in memory are lost, logged).
   */
  async close(deadlineMs = 5_000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
      while (this.inFlight) await this.inFlight;
      if (this.pending === 0) break;
      const ok = await this.flushOnce(Math.max(1, deadline - Date.now()));
      // Short waits here: the process is about to exit, a long backoff would only waste the deadline.
      if (!ok) await sleep(Math.min(this.backoff(), CLOSE_RETRY_MAX_MS, Math.max(0, deadline - Date.now())));
    }
    while (this.inFlight) await this.inFlight;
    if (!this.released) {
      this.spool.close();
      this.released = true;
      await this.agent.close().catch(() => undefined);
    }
  }

  private tick(): void {
    // After close() started, its own loop does all sending; a tick must not start a second concurrent batch.
    if (this.closed || this.inFlight || this.queued === 0 || Date.now() < this.nextAttemptAt) return;
    void this.flushOnce(this.requestTimeoutMs).then((ok) => {
      // Keep going while full batches are waiting, without waiting for the next tick.
      if (ok && !this.closed && this.queued >= this.batchSize) this.tick();
    });
  }

  /** Normally `batchSize`; while more than BACKLOG_BATCHES full batches wait, up to `maxBatchSize`. */
  private nextBatchSize(): number {
    const queued = this.queued;
    if (queued <= this.batchSize * BACKLOG_BATCHES) return this.batchSize;
    return Math.min(this.maxBatchSize, queued);
  }

  /** The next batch: a block to resend if there is one, else the oldest events of the spool. */
  private takeBatch(): EventBlock | undefined {
    const block = this.retry.shift();
    if (block) {
      this.retryCount -= block.count;
      return block;
    }
    return this.spool.take(this.nextBatchSize(), BODY_PREFIX, BODY_SUFFIX);
  }

  /** Sends one batch; resolves true when every event in it was resolved (acknowledged or rejected). */
  private flushOnce(timeoutMs: number): Promise<boolean> {
    const batch = this.takeBatch();
    if (batch === undefined) return Promise.resolve(true);
    this.sending = batch;
    let ok = false;
    let unresolved: EventBlock | undefined = batch;
    const run = this.send(batch, timeoutMs).then(
      (ack) => {
        unresolved = this.settle(batch, ack);
        ok = unresolved === undefined;
      },
      (err: unknown) => {
        this.options.logger.warn('usage flush failed; will retry', { events: batch.count, error: err instanceof Error ? err.message : String(err) });
      },
    ).finally(() => {
      this.sending = undefined;
      this.inFlight = undefined;
      if (unresolved) {
        this.retry.unshift(unresolved);
        this.retryCount += unresolved.count;
      }
      this.spool.acknowledge(this.retry[0]?.seq(0) ?? this.spool.takenUpTo);
      if (ok) {
        this.failures = 0;
        this.nextAttemptAt = 0;
      } else {
        this.failures++;
        this.nextAttemptAt = Date.now() + this.backoff();
      }
    });
    this.inFlight = run;
    return run.then(() => ok);
  }

  /** What of the batch the control plane did not resolve (undefined: all of it was). */
  private settle(batch: EventBlock, ack: UsageAck): EventBlock | undefined {
    for (const r of ack.rejected) {
      if (r.requestId === null) this.options.logger.error('control plane rejected a usage event without naming it', { reason: r.reason });
      else this.options.logger.error('control plane rejected a usage event; dropping it', { requestId: r.requestId, reason: r.reason });
    }
    // The usual answer acknowledges the batch in its own order: checked without building a set.
    const acknowledged = ack.acknowledged;
    if (ack.rejected.length === 0 && acknowledged.length === batch.count) {
      let i = 0;
      while (i < batch.count && batch.requestId(i) === acknowledged[i]) i++;
      if (i === batch.count) return undefined;
    }
    const resolved = new Set(acknowledged);
    for (const r of ack.rejected) if (r.requestId !== null) resolved.add(r.requestId);
    const rest = batch.filter((i) => !resolved.has(batch.requestId(i)));
    if (rest) this.options.logger.warn('control plane left usage events unacknowledged; will retry', { unresolved: rest.count });
    return rest;
  }

  private async send(batch: EventBlock, timeoutMs: number): Promise<UsageAck> {
    const body = batch.frame(BODY_PREFIX, BODY_SUFFIX);
    let status: number;
    let text: string;
    if (this.fetch) {
      const res = await this.fetch(this.options.url, { method: 'POST', headers: this.headers, body, signal: AbortSignal.timeout(timeoutMs) });
      status = res.status;
      text = await res.text();
    } else {
      const res = await undici.request(this.options.url, { method: 'POST', headers: this.headers, body, signal: AbortSignal.timeout(timeoutMs), dispatcher: this.agent });
      status = res.statusCode;
      text = await res.body.text();
    }
    let payload: { data?: { ingestUsage?: unknown } | null; errors?: Array<{ message?: string }> };
    try {
      payload = JSON.parse(text) as typeof payload;
    } catch {
      throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
    }
    if (payload.errors?.length) throw new Error(`ingestUsage: ${payload.errors.map((e) => e.message).join('; ')}`);
    const ack = UsageAck.safeParse(payload.data?.ingestUsage);
    if (!ack.success) throw new Error(`HTTP ${status}: unexpected ingestUsage answer`);
    return ack.data;
  }

  private backoff(): number {
    const raw = Math.min(this.maxBackoffMs, this.options.flushMs * 2 ** Math.min(this.failures, 20));
    return raw * (0.8 + Math.random() * 0.4);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

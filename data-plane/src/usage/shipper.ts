import { UsageAck, type UsageEvent } from '@tollgate/schema';
import type { Logger } from '../logger.js';

const CLOSE_RETRY_MAX_MS = 250;

export const INGEST_USAGE_MUTATION =
  'mutation($events:[JSON!]!){ ingestUsage(events:$events){ acknowledged rejected{requestId reason} } }';

export interface UsageShipperOptions {
  /** The control plane's GraphQL endpoint. */
  url: string;
  dataPlaneToken: string;
  logger: Logger;
  /** Regular flush interval; also the base of the retry backoff. */
  flushMs: number;
  /** A batch this size is sent at once instead of waiting for the timer. */
  batchSize?: number;
  /** Retry backoff cap. */
  maxBackoffMs?: number;
  /** Events kept while the control plane is unreachable; beyond it the oldest are dropped (and logged). */
  maxQueue?: number;
  /** Per-request timeout of one ingest call. */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Ships usage events to the control plane in batches, off the request path: `enqueue` only appends to memory.
 *
 * Delivery is at-least-once and the control plane is idempotent by request id, so the rule is simple: an event
 * leaves the queue only when the control plane has acknowledged it (durable) or rejected it (malformed; resending
 * cannot help). Anything else, a network error, a GraphQL error, an event the answer does not mention, stays and
 * is retried with capped exponential backoff. One batch is in flight at a time, so an event is never sent twice
 * concurrently, and an acknowledged one is never sent again.
 */
export class UsageShipper {
  private queue: UsageEvent[] = [];
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private nextAttemptAt = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;
  private readonly maxQueue: number;
  private readonly requestTimeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: UsageShipperOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.maxQueue = options.maxQueue ?? 100_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Events waiting for acknowledgement (including the batch in flight). */
  get pending(): number {
    return this.queue.length;
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
    this.queue.push(event);
    if (this.queue.length > this.maxQueue) {
      const excess = this.queue.length - this.maxQueue;
      this.queue.splice(0, excess);
      this.dropped += excess;
      this.options.logger.error('usage queue full; dropped the oldest events', { dropped: excess, totalDropped: this.dropped });
    }
    if (this.queue.length >= this.batchSize) this.tick();
  }

  /**
   * Stops the timer and flushes until the queue is empty or `deadlineMs` has passed, retrying failures with short
   * waits. Events still queued at the deadline are lost (logged): there is no disk spool yet.
   */
  async close(deadlineMs = 5_000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
      while (this.inFlight) await this.inFlight;
      if (this.queue.length === 0) return;
      const ok = await this.flushOnce(Math.max(1, deadline - Date.now()));
      // Short waits here: the process is about to exit, a long backoff would only waste the deadline.
      if (!ok) await sleep(Math.min(this.backoff(), CLOSE_RETRY_MAX_MS, Math.max(0, deadline - Date.now())));
    }
    while (this.inFlight) await this.inFlight;
    if (this.queue.length > 0) {
      this.options.logger.error('usage events not acknowledged before shutdown; they are lost', { count: this.queue.length });
    }
  }

  private tick(): void {
    // After close() started, its own loop does all sending; a tick must not start a second concurrent batch.
    if (this.closed || this.inFlight || this.queue.length === 0 || Date.now() < this.nextAttemptAt) return;
    void this.flushOnce(this.requestTimeoutMs).then((ok) => {
      // Keep going while full batches are waiting, without waiting for the next tick.
      if (ok && !this.closed && this.queue.length >= this.batchSize) this.tick();
    });
  }

  /** Sends one batch; resolves true when every event in it was resolved (acknowledged or rejected). */
  private flushOnce(timeoutMs: number): Promise<boolean> {
    const batch = this.queue.slice(0, this.batchSize);
    if (batch.length === 0) return Promise.resolve(true);
    let ok = false;
    const run = this.send(batch, timeoutMs).then(
      (ack) => {
        ok = this.settle(batch, ack);
      },
      (err: unknown) => {
        this.options.logger.warn('usage flush failed; will retry', { events: batch.length, error: err instanceof Error ? err.message : String(err) });
      },
    ).finally(() => {
      this.inFlight = undefined;
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

  /** Removes what the control plane resolved; returns true when that was the whole batch. */
  private settle(batch: readonly UsageEvent[], ack: UsageAck): boolean {
    const resolved = new Set(ack.acknowledged);
    for (const r of ack.rejected) {
      if (r.requestId === null) {
        this.options.logger.error('control plane rejected a usage event without naming it', { reason: r.reason });
        continue;
      }
      this.options.logger.error('control plane rejected a usage event; dropping it', { requestId: r.requestId, reason: r.reason });
      resolved.add(r.requestId);
    }
    const sent = new Set(batch.map((e) => e.requestId));
    // Filter the whole queue, not just its head: the batch is still at the front, later events are untouched.
    this.queue = this.queue.filter((e) => !(sent.has(e.requestId) && resolved.has(e.requestId)));
    const unresolved = batch.filter((e) => !resolved.has(e.requestId)).length;
    if (unresolved > 0) this.options.logger.warn('control plane left usage events unacknowledged; will retry', { unresolved });
    return unresolved === 0;
  }

  private async send(batch: readonly UsageEvent[], timeoutMs: number): Promise<UsageAck> {
    const res = await this.fetch(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.dataPlaneToken}` },
      body: JSON.stringify({ query: INGEST_USAGE_MUTATION, variables: { events: batch } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let payload: { data?: { ingestUsage?: unknown } | null; errors?: Array<{ message?: string }> };
    try {
      payload = JSON.parse(text) as typeof payload;
    } catch {
      throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (payload.errors?.length) throw new Error(`ingestUsage: ${payload.errors.map((e) => e.message).join('; ')}`);
    const ack = UsageAck.safeParse(payload.data?.ingestUsage);
    if (!ack.success) throw new Error(`HTTP ${res.status}: unexpected ingestUsage answer`);
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

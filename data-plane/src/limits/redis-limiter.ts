import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import { BUDGET_GRACE_MS, REDIS_LEASE_MS, admitUnlimited, hasLimits, ticketFor, toRefusal, wholeTokens } from './admission.js';
import { SubjectKeyCache } from './keys.js';
import { runScript } from '../redis/connection.js';
import { RENEW_LEASES, RESOLVE_FAILED, SETTLE_AND_ADMIT } from './redis-scripts.js';
import type { AdmitInput, AdmitResult, LimitKind, LimitSubject, LimiterBackend, SettleInput, Ticket, WindowStatus } from './types.js';

/** How long a limiter call to Redis may take before its request goes on without it (ms), by default. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 250;

export interface RedisLimiterOptions {
  /** Prefix of every key; `tg:` by default. */
  readonly keyPrefix?: string;
  /** How long an in-flight slot is held if its request never settles; `DEFAULT_LEASE_MS` by default. */
  readonly leaseMs?: number;
  /** Where failed settles are reported (settle never throws). */
  readonly logger?: Logger;
  /**
   * The connection's command timeout (ms), after which a call counts as failed: a call Redis runs later than half of it
   * records what it refused, for its retry. `DEFAULT_COMMAND_TIMEOUT_MS` by default.
   */
  readonly commandTimeoutMs?: number;
  /** How long a failed call is retried (`RETRY_WINDOW_MS` by default); its mark is kept a minute longer. */
  readonly retryWindowMs?: number;
}

const KINDS: readonly LimitKind[] = ['rpm', 'tpm', 'parallel', 'budget'];

/**
 * Most requests one script call settles and admits: a batch runs atomically, holding every other client of Redis up
 * meanwhile, so it must stay short (a request of one subject with every limit takes Redis some 10 µs).
 */
export const MAX_BATCH = 256;

/**
 * How long a batch whose call failed is retried (`RESOLVE_FAILED`); its mark is kept a minute longer. Past it, the
 * retry is dropped: in-flight slots it held free themselves when their lease ends, corrections are lost (logged).
 * Long enough for a Redis failover; short, because a late call that refused requests leaves a record of them in Redis
 * for as long.
 */
export const RETRY_WINDOW_MS = 2 * 60_000;
/** How often failed batches are retried while there are some. */
const RETRY_EVERY_MS = 1_000;
/** Failed batches kept for retry; past it the oldest is dropped (logged). */
const MAX_FAILED_BATCHES = 10_000;

/** Members per key and part in a lease renewal. */
const RENEW_PART = 2_000;
/** Leases are renewed for at most this long (longer than any request: Claude Code's longest turns are well under). */
const MAX_RENEWED_MS = 6 * 3_600_000;

/** Whether an admitted request holds something with a lease: an in-flight slot, or a budget reservation. */
function holdsLease(ticket: Ticket): boolean {
  return ticket.subjects.some((s) => s.parallel !== null || (ticket.reservedNanos !== 0n && s.budget?.maxNanos != null));
}

/** Settles and admits gathered for one script call (`SETTLE_AND_ADMIT`); `reply` settles once the call does. */
class Batch {
  readonly settleKeys: string[] = [];
  readonly settleArgs: Array<string | number> = [];
  readonly admitKeys: string[] = [];
  readonly admitArgs: Array<string | number> = [];
  /** The admits' tickets, in order: what to give back if the call fails after Redis ran it. */
  readonly tickets: Ticket[] = [];
  /** Requests in the batch; admits also count their own, the index of their reply. */
  count = 0;
  admits = 0;
  readonly reply: Promise<unknown[]>;
  resolve!: (reply: unknown[]) => void;
  reject!: (err: unknown) => void;

  constructor() {
    this.reply = new Promise<unknown[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** A batch's mark: two bits of a bitmap per data plane and minute (see `RESOLVE_FAILED`). */
interface Mark {
  readonly key: string;
  readonly at: string;
}

/** A batch whose call failed, kept for `RESOLVE_FAILED`. */
interface FailedBatch {
  readonly mark: Mark;
  readonly settleKeys: readonly string[];
  readonly settleArgs: ReadonlyArray<string | number>;
  readonly tickets: readonly Ticket[];
  readonly failedAtMs: number;
}

/**
 * Counters in Redis, exact across data planes. The settles and admits made in one event-loop turn go to Redis as one
 * script call (settles first, see `redis-scripts.ts`), whatever the number of requests and subjects: per command, the
 * data plane pays a write syscall and ioredis's work on the command and its reply, far more CPU than the script costs
 * Redis, and a saturated data plane is the one that sees many admits a turn. Batches are cut at `MAX_BATCH` requests.
 * A batch is flushed in the turn's check phase (`setImmediate`), after every I/O callback of the turn has run, so one
 * batch gathers the requests of every socket that was readable, for only the time the rest of the turn takes.
 *
 * Keys are `<prefix><kind>:<id>:rpm|tpm|parallel|budget:<period>`. All of a batch's keys go to one script, so this
 * needs one Redis, not a cluster.
 *
 * Admit rejects when Redis does (unreachable, timed out), every admit of the batch alike: `Limiter` decides what that
 * means for each request. Such a batch is not forgotten: a call that timed out may still run, taking slots and
 * reservations for requests that went on without Redis, and its settles (slots to free, corrections) are due either
 * way. So it is retried every second while Redis is away, for up to `RETRY_WINDOW_MS` (`RESOLVE_FAILED`: each batch
 * carries a mark that tells the retry whether the call ran, so nothing counts twice or stays taken).
 */
export class RedisLimiter implements LimiterBackend {
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly logger: Logger;
  private settleFailing = false;
  private readonly keyCache: SubjectKeyCache;
  private batch: Batch | null = null;
  private readonly flush = (): void => {
    if (this.batch !== null) this.send();
  };
  /** This limiter's name in its batches' marks, and the current minute's bitmap and next place in it. */
  private readonly instance = randomBytes(9).toString('base64url');
  private markMinute = -1;
  private markKey = '';
  private markIndex = 0;
  private readonly failed: FailedBatch[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private retrying = false;
  private closed = false;
  private dropped = 0;
  /** Redis's clock minus this process's (ms), from the last reply; null before the first. */
  private clockOffsetMs: number | null = null;
  private readonly lateAfterMs: number;
  private readonly retryWindowMs: number;
  private readonly markTtlMs: number;
  /** Admitted requests that hold a lease (an in-flight slot, a budget reservation), until they settle, and since when. */
  private readonly leased = new Map<string, { ticket: Ticket; since: number }>();
  private readonly renewTimer: NodeJS.Timeout;

  /** Takes over `redis` (closing the limiter closes it). */
  constructor(
    private readonly redis: Redis,
    options: RedisLimiterOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'tg:';
    this.keyCache = new SubjectKeyCache(this.prefix);
    this.leaseMs = options.leaseMs ?? REDIS_LEASE_MS;
    this.logger = options.logger ?? silentLogger;
    this.lateAfterMs = (options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS) / 2;
    this.retryWindowMs = options.retryWindowMs ?? RETRY_WINDOW_MS;
    this.markTtlMs = this.retryWindowMs + 60_000;
    this.renewTimer = setInterval(() => this.renewLeases(), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
  }

  /** Whether the connection is up; while it is not, every command fails at once (there is no offline queue). */
  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    const subjects = input.subjects.filter(hasLimits);
    if (subjects.length === 0) return admitUnlimited(input, 'redis');
    const batch = this.open();
    const index = batch.admits++;
    const ticket = ticketFor(input, subjects, 'redis');
    batch.tickets.push(ticket);
    const { admitKeys: keys, admitArgs: args } = batch;
    args.push(input.requestId, wholeTokens(input.reserveTokens), String(input.reserveNanos), subjects.length);
    for (const subject of subjects) {
      const names = this.keyCache.of(subject);
      if (subject.rpm !== null) keys.push(names.rpm);
      if (subject.tpm !== null) keys.push(names.tpm);
      if (subject.parallel !== null) keys.push(names.parallel);
      const budget = subject.budget?.maxNanos != null ? subject.budget : null;
      if (budget !== null) keys.push(this.keyCache.budget(names, budget.periodId));
      args.push(
        subject.rpm ?? '',
        subject.tpm ?? '',
        subject.parallel ?? '',
        budget === null ? '' : String(budget.maxNanos),
        budget === null ? '' : String(budget.seedNanos),
        budget?.periodEndMs ?? '',
      );
    }
    if (++batch.count === MAX_BATCH) this.send();

    const reply = (await batch.reply)[index] as Array<number | string>;
    const status = { requests: windowStatus(reply, 1), tokens: windowStatus(reply, 4) };
    if (reply[0] === 1) {
      if (holdsLease(ticket)) this.leased.set(ticket.requestId, { ticket, since: Date.now() });
      return { ok: true, ticket, status };
    }
    const kind = KINDS[(reply[8] as number) - 1]!;
    const retryMs = reply[9] as number;
    const refusal = toRefusal({
      subject: subjects[(reply[7] as number) - 1]!,
      kind,
      retryMs: retryMs === -1 ? null : retryMs,
      ...(kind === 'budget' && { spentNanos: BigInt(reply[10]!), reservedNanos: BigInt(reply[11] || 0) }),
    });
    return { ok: false, refusal, status };
  }

  async settle(ticket: Ticket, actual: SettleInput): Promise<void> {
    this.leased.delete(ticket.requestId);
    const tokenDelta = wholeTokens(actual.tokens) - ticket.reservedTokens;
    if (!settleDue(ticket, tokenDelta, actual.nanos)) return;
    const batch = this.open();
    this.pushSettle(batch.settleKeys, batch.settleArgs, ticket, tokenDelta, actual.nanos);
    if (++batch.count === MAX_BATCH) this.send();
    try {
      await batch.reply;
      this.settleFailing = false;
    } catch (err) {
      // Log the first of a run of failures (Redis went away), not each one.
      if (!this.settleFailing) {
        this.logger.warn(`limiter settle failed: retried once Redis answers (for up to ${this.retryWindowMs / 1000} s)`, { error: err });
      }
      this.settleFailing = true;
    }
  }

  /** Batches whose call failed, waiting for Redis to be retried. */
  get pendingRetries(): number {
    return this.failed.length;
  }

  /** Failed batches given up on since start (too old, or too many waiting). */
  get droppedRetries(): number {
    return this.dropped;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.renewTimer);
    // Whatever is gathered still goes out before the connection ends, and failed batches get a last try.
    this.flush();
    if (this.ready) {
      await this.retryFailed();
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else {
      this.redis.disconnect();
    }
    if (this.failed.length > 0) this.logger.warn('limiter closing with batches Redis never confirmed: their in-flight slots free themselves when their lease ends', { batches: this.failed.length });
  }

  /**
   * A settle's keys and args (`SETTLE_AND_ADMIT`'s settle format): the token correction, the actual cost (the nano-USD
   * correction is what it differs from the reservation by) and the in-flight slots to free; nothing when there is
   * nothing to do (`settleDue`), unless `always` (a retry's releases go one per admit, in order).
   */
  private pushSettle(keys: string[], args: Array<string | number>, ticket: Ticket, tokenDelta: number, actualNanos: bigint, always = false): void {
    if (!always && !settleDue(ticket, tokenDelta, actualNanos)) return;
    const nanosDelta = actualNanos - ticket.reservedNanos;
    args.push(ticket.requestId, tokenDelta, String(nanosDelta), String(actualNanos), ticket.subjects.length);
    for (const subject of ticket.subjects) {
      const names = this.keyCache.of(subject);
      const tpm = tokenDelta !== 0 ? subject.tpm : null;
      // Its correction, and the release of what the request reserved (`<counter>:r`, see SETTLE_AND_ADMIT).
      const budget = (nanosDelta !== 0n || ticket.reservedNanos !== 0n) && subject.budget?.maxNanos != null ? subject.budget : null;
      if (tpm !== null) keys.push(names.tpm);
      if (subject.parallel !== null) keys.push(names.parallel);
      if (budget !== null) keys.push(this.keyCache.budget(names, budget.periodId));
      args.push(tpm ?? '', subject.parallel !== null ? '1' : '', budget === null ? '' : String(budget.seedNanos), budget?.periodEndMs ?? '');
    }
  }

  /**
   * Renews the leases of this data plane's requests in flight (`RENEW_LEASES`), one call for all of them. A call that
   * fails is not retried: the next comes a third of a lease later, and the leases outlast two missed ones.
   */
  private renewLeases(): void {
    if (this.closed || this.leased.size === 0 || !this.ready) return;
    const members = new Map<string, { kind: 'p' | 'r'; ids: string[] }>();
    const add = (key: string, kind: 'p' | 'r', member: string) => {
      let entry = members.get(key);
      if (entry === undefined) members.set(key, (entry = { kind, ids: [] }));
      entry.ids.push(member);
    };
    const oldest = Date.now() - MAX_RENEWED_MS;
    for (const [id, { ticket, since }] of this.leased) {
      // A request that has run this long is taken for one its pipeline never settled: its lease lapses.
      if (since < oldest) {
        this.leased.delete(id);
        continue;
      }
      for (const subject of ticket.subjects) {
        const names = this.keyCache.of(subject);
        if (subject.parallel !== null) add(names.parallel, 'p', ticket.requestId);
        if (ticket.reservedNanos !== 0n && subject.budget?.maxNanos != null) add(`${this.keyCache.budget(names, subject.budget.periodId)}:rz`, 'r', `${ticket.requestId} ${ticket.reservedNanos}`);
      }
    }
    const keys: string[] = [];
    const args: Array<string | number> = [this.leaseMs];
    for (const [key, { kind, ids }] of members) {
      // (A Lua call takes a few thousand arguments at once: a large set goes in parts.)
      for (let at = 0; at < ids.length; at += RENEW_PART) {
        const part = ids.slice(at, at + RENEW_PART);
        keys.push(key);
        args.push(kind, part.length, ...part);
      }
    }
    runScript(this.redis, RENEW_LEASES, keys, args).catch((err: unknown) => this.logger.warn('limiter: could not renew the leases of requests in flight', { error: err }));
  }

  /** The batch of this turn, opened (and its flush scheduled) by the turn's first settle or admit. */
  private open(): Batch {
    if (this.batch === null) {
      this.batch = new Batch();
      setImmediate(this.flush);
    }
    return this.batch;
  }

  /** One script call for the whole batch (`runScript`: EVALSHA, or EVAL after Redis lost its script cache). */
  private send(): void {
    const batch = this.batch!;
    this.batch = null;
    const sentAt = Date.now();
    const mark = this.nextMark(sentAt);
    // Until the clocks' offset is known, every call counts as late (it records its refusals).
    const lateAt = this.clockOffsetMs === null ? 0 : Math.round(sentAt + this.clockOffsetMs + this.lateAfterMs);
    const keys = this.headKeys(mark).concat(batch.settleKeys, batch.admitKeys);
    const args = this.headArgs(mark, lateAt, batch.settleArgs).concat(batch.admitArgs);
    (runScript(this.redis, SETTLE_AND_ADMIT, keys, args) as Promise<unknown[] | null>).then(
      (reply) => {
        if (reply === null) {
          batch.reject(new Error('limiter batch was already resolved by its retry'));
          return;
        }
        // Redis ran the call between its send and now: the middle is the best guess of when. A reply comes within the
        // command timeout, so the guess is off by less than half of it, and a call its data plane gives up on (a
        // whole timeout late) still counts as late.
        this.clockOffsetMs = (reply.at(-1) as number) - (sentAt + Date.now()) / 2;
        batch.resolve(reply);
      },
      (err: unknown) => {
        this.remember({ mark, settleKeys: batch.settleKeys, settleArgs: batch.settleArgs, tickets: batch.tickets, failedAtMs: Date.now() });
        batch.reject(err);
      },
    );
  }

  /** The next batch's mark: its two bits in this limiter's bitmap of the current minute. */
  private nextMark(nowMs: number): Mark {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.markMinute) {
      this.markMinute = minute;
      this.markKey = `${this.prefix}batches:${this.instance}:${minute}`;
      this.markIndex = 0;
    }
    return { key: this.markKey, at: `#${this.markIndex++}` };
  }

  /** A call's first KEYS (both scripts): the batch's mark and the record of what it refused. */
  private headKeys(mark: Mark): string[] {
    return [mark.key, mark.key + mark.at];
  }

  /** A call's ARGV up to its admits (both scripts; see `SETTLE_AND_ADMIT`): the head, then the settles. */
  private headArgs(mark: Mark, lateAt: number, settleArgs: ReadonlyArray<string | number>): Array<string | number> {
    return [this.leaseMs, BUDGET_GRACE_MS, mark.at, this.markTtlMs, lateAt, settleArgs.length, ...settleArgs];
  }

  private remember(failed: FailedBatch): void {
    if (failed.settleArgs.length === 0 && failed.tickets.length === 0) return;
    if (this.failed.length >= MAX_FAILED_BATCHES) {
      this.failed.shift();
      this.dropped++;
      this.logger.error('limiter: too many batches waiting for Redis; the oldest is dropped (its in-flight slots free themselves when their lease ends)');
    }
    this.failed.push(failed);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.retryFailed().finally(() => {
        if (this.failed.length > 0) this.scheduleRetry();
      });
    }, RETRY_EVERY_MS);
    this.retryTimer.unref();
  }

  /** Failed batches, oldest first, each with `RESOLVE_FAILED`, while Redis answers; too old ones are dropped. */
  private async retryFailed(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      const oldest = Date.now() - this.retryWindowMs;
      let expired = 0;
      while (this.failed.length > 0 && this.failed[0]!.failedAtMs < oldest) {
        this.failed.shift();
        expired++;
      }
      this.dropped += expired;
      if (expired > 0) this.logger.warn('limiter: batches Redis did not confirm in time are dropped; their in-flight slots free themselves when their lease ends, their corrections are lost', { batches: expired });
      while (this.failed.length > 0 && this.ready) {
        const failed = this.failed[0]!;
        const keys = this.headKeys(failed.mark).concat(failed.settleKeys);
        const args = this.headArgs(failed.mark, 0, failed.settleArgs);
        // Each admit given back whole: what it reserved, as a settle of nothing.
        for (const ticket of failed.tickets) this.pushSettle(keys, args, ticket, -ticket.reservedTokens, 0n, true);
        try {
          await runScript(this.redis, RESOLVE_FAILED, keys, args);
        } catch {
          return;
        }
        this.failed.shift();
      }
    } finally {
      this.retrying = false;
    }
  }


}

/** Whether settling `ticket` changes anything in Redis: a correction to make, an in-flight slot to free, a reservation to release. */
function settleDue(ticket: Ticket, tokenDelta: number, actualNanos: bigint): boolean {
  return (
    tokenDelta !== 0 ||
    actualNanos !== ticket.reservedNanos ||
    ticket.subjects.some((subject) => subject.parallel !== null || (ticket.reservedNanos !== 0n && subject.budget?.maxNanos != null))
  );
}

function windowStatus(reply: Array<number | string>, at: number): WindowStatus | null {
  const limit = reply[at] as number;
  return limit === -1 ? null : { limit, remaining: reply[at + 1] as number, resetMs: reply[at + 2] as number };
}

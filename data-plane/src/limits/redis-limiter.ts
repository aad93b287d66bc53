import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import { BUDGET_GRACE_MS, DEFAULT_LEASE_MS, admitUnlimited, hasLimits, ticketFor, toRefusal, wholeTokens } from './admission.js';
import { subjectKey } from './keys.js';
import { runScript } from '../redis/connection.js';
import { SETTLE_AND_ADMIT } from './redis-scripts.js';
import type { AdmitInput, AdmitResult, LimitKind, LimitSubject, LimiterBackend, SettleInput, Ticket, WindowStatus } from './types.js';

export interface RedisLimiterOptions {
  /** Prefix of every key; `tg:` by default. */
  readonly keyPrefix?: string;
  /** How long an in-flight slot is held if its request never settles; `DEFAULT_LEASE_MS` by default. */
  readonly leaseMs?: number;
  /** Where failed settles are reported (settle never throws). */
  readonly logger?: Logger;
}

const KINDS: readonly LimitKind[] = ['rpm', 'tpm', 'parallel', 'budget'];

/**
 * Most requests one script call settles and admits: a batch runs atomically, holding every other client of Redis up
 * meanwhile, so it must stay short (a request of one subject with every limit takes Redis some 10 µs).
 */
export const MAX_BATCH = 256;

/** Subjects whose counter names are kept, per kind; past it the longest kept is dropped. */
const MAX_CACHED_SUBJECTS = 10_000;

/** A subject's counter names, built once (they only change with the budget period). */
interface SubjectKeys {
  readonly rpm: string;
  readonly tpm: string;
  readonly parallel: string;
  readonly stem: string;
  budgetPeriod: string | null;
  budget: string;
}

/** Settles and admits gathered for one script call (`SETTLE_AND_ADMIT`); `reply` settles once the call does. */
class Batch {
  readonly settleKeys: string[] = [];
  readonly settleArgs: Array<string | number> = [];
  readonly admitKeys: string[] = [];
  readonly admitArgs: Array<string | number> = [];
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
 * means for each request.
 */
export class RedisLimiter implements LimiterBackend {
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly logger: Logger;
  private settleFailing = false;
  private readonly keyCache = new Map<string, Map<string, SubjectKeys>>();
  private batch: Batch | null = null;
  private readonly flush = (): void => {
    if (this.batch !== null) this.send();
  };

  /** Takes over `redis` (closing the limiter closes it). */
  constructor(
    private readonly redis: Redis,
    options: RedisLimiterOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'tg:';
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.logger = options.logger ?? silentLogger;
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
    const { admitKeys: keys, admitArgs: args } = batch;
    args.push(input.requestId, wholeTokens(input.reserveTokens), String(input.reserveNanos), subjects.length);
    for (const subject of subjects) {
      const names = this.keysOf(subject);
      if (subject.rpm !== null) keys.push(names.rpm);
      if (subject.tpm !== null) keys.push(names.tpm);
      if (subject.parallel !== null) keys.push(names.parallel);
      const budget = subject.budget?.maxNanos != null ? subject.budget : null;
      if (budget !== null) keys.push(this.budgetKey(names, budget.periodId));
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
    if (reply[0] === 1) return { ok: true, ticket: ticketFor(input, subjects, 'redis'), status };
    const kind = KINDS[(reply[8] as number) - 1]!;
    const retryMs = reply[9] as number;
    const refusal = toRefusal({
      subject: subjects[(reply[7] as number) - 1]!,
      kind,
      retryMs: retryMs === -1 ? null : retryMs,
      ...(kind === 'budget' && { spentNanos: BigInt(reply[10]!) }),
    });
    return { ok: false, refusal, status };
  }

  async settle(ticket: Ticket, actual: SettleInput): Promise<void> {
    const tokenDelta = wholeTokens(actual.tokens) - ticket.reservedTokens;
    const nanosDelta = actual.nanos - ticket.reservedNanos;
    if (tokenDelta === 0 && nanosDelta === 0n && !ticket.subjects.some((subject) => subject.parallel !== null)) return;
    const batch = this.open();
    const { settleKeys: keys, settleArgs: args } = batch;
    args.push(ticket.requestId, tokenDelta, String(nanosDelta), String(actual.nanos), ticket.subjects.length);
    for (const subject of ticket.subjects) {
      const names = this.keysOf(subject);
      const tpm = tokenDelta !== 0 ? subject.tpm : null;
      const budget = nanosDelta !== 0n && subject.budget?.maxNanos != null ? subject.budget : null;
      if (tpm !== null) keys.push(names.tpm);
      if (subject.parallel !== null) keys.push(names.parallel);
      if (budget !== null) keys.push(this.budgetKey(names, budget.periodId));
      args.push(tpm ?? '', subject.parallel !== null ? '1' : '', budget === null ? '' : String(budget.seedNanos), budget?.periodEndMs ?? '');
    }
    if (++batch.count === MAX_BATCH) this.send();
    try {
      await batch.reply;
      this.settleFailing = false;
    } catch (err) {
      // Log the first of a run of failures (Redis went away), not each one.
      if (!this.settleFailing) {
        this.logger.warn('limiter settle failed: in-flight slots stay taken until their lease ends, budget counters keep the reservation', { error: err });
      }
      this.settleFailing = true;
    }
  }

  async close(): Promise<void> {
    // Whatever is gathered still goes out before the connection ends.
    this.flush();
    if (this.ready) await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
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
    const keys = batch.settleKeys.length === 0 ? batch.admitKeys : batch.settleKeys.concat(batch.admitKeys);
    const args = [this.leaseMs, BUDGET_GRACE_MS, batch.settleArgs.length, ...batch.settleArgs, ...batch.admitArgs];
    (runScript(this.redis, SETTLE_AND_ADMIT, keys, args) as Promise<unknown[]>).then(batch.resolve, batch.reject);
  }

  /** A subject's counter names, from the cache (ids repeat request after request). */
  private keysOf(subject: LimitSubject): SubjectKeys {
    let byId = this.keyCache.get(subject.kind);
    if (byId === undefined) this.keyCache.set(subject.kind, (byId = new Map()));
    let names = byId.get(subject.id);
    if (names === undefined) {
      if (byId.size >= MAX_CACHED_SUBJECTS) byId.delete(byId.keys().next().value!);
      const stem = this.prefix + subjectKey(subject);
      names = { rpm: `${stem}:rpm`, tpm: `${stem}:tpm`, parallel: `${stem}:parallel`, stem, budgetPeriod: null, budget: '' };
      byId.set(subject.id, names);
    }
    return names;
  }

  private budgetKey(names: SubjectKeys, periodId: string): string {
    if (names.budgetPeriod !== periodId) {
      names.budgetPeriod = periodId;
      names.budget = `${names.stem}:budget:${periodId}`;
    }
    return names.budget;
  }

}

function windowStatus(reply: Array<number | string>, at: number): WindowStatus | null {
  const limit = reply[at] as number;
  return limit === -1 ? null : { limit, remaining: reply[at + 1] as number, resetMs: reply[at + 2] as number };
}

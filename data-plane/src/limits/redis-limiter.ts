import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import { BUDGET_GRACE_MS, DEFAULT_LEASE_MS, admitUnlimited, hasLimits, ticketFor, toRefusal, wholeTokens } from './admission.js';
import { subjectKey } from './keys.js';
import { ADMIT, SETTLE, type LuaScript } from './redis-scripts.js';
import type { AdmitInput, AdmitResult, LimitKind, LimiterBackend, SettleInput, Ticket, WindowStatus } from './types.js';

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
 * Counters in Redis, exact across data planes: one script call per admit and one per settle, whatever the number of
 * subjects (see `redis-scripts.ts`). Keys are `<prefix><kind>:<id>:rpm|tpm|parallel|budget:<period>`. All of a
 * request's keys go to one script, so this needs one Redis, not a cluster.
 *
 * Admit rejects when Redis does (unreachable, timed out): `Limiter` decides what that means for the request.
 */
export class RedisLimiter implements LimiterBackend {
  private readonly prefix: string;
  private readonly leaseMs: string;
  private readonly logger: Logger;
  private settleFailing = false;

  /** Takes over `redis` (closing the limiter closes it). */
  constructor(
    private readonly redis: Redis,
    options: RedisLimiterOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'tg:';
    this.leaseMs = String(options.leaseMs ?? DEFAULT_LEASE_MS);
    this.logger = options.logger ?? silentLogger;
  }

  /** Whether the connection is up; while it is not, every command fails at once (there is no offline queue). */
  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    const subjects = input.subjects.filter(hasLimits);
    if (subjects.length === 0) return admitUnlimited(input, 'redis');
    const keys: string[] = [];
    const args = [input.requestId, String(wholeTokens(input.reserveTokens)), String(input.reserveNanos), this.leaseMs, GRACE];
    for (const subject of subjects) {
      const stem = this.prefix + subjectKey(subject);
      if (subject.rpm !== null) keys.push(`${stem}:rpm`);
      if (subject.tpm !== null) keys.push(`${stem}:tpm`);
      if (subject.parallel !== null) keys.push(`${stem}:parallel`);
      const budget = subject.budget?.maxNanos != null ? subject.budget : null;
      if (budget !== null) keys.push(`${stem}:budget:${budget.periodId}`);
      args.push(
        optional(subject.rpm),
        optional(subject.tpm),
        optional(subject.parallel),
        optional(budget?.maxNanos),
        optional(budget?.seedNanos),
        optional(budget?.periodEndMs),
      );
    }

    const reply = (await this.run(ADMIT, keys, args)) as Array<number | string>;
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
    const keys: string[] = [];
    const args = [ticket.requestId, String(tokenDelta), String(nanosDelta), String(actual.nanos), GRACE];
    for (const subject of ticket.subjects) {
      const stem = this.prefix + subjectKey(subject);
      const tpm = tokenDelta !== 0 ? subject.tpm : null;
      const budget = nanosDelta !== 0n && subject.budget?.maxNanos != null ? subject.budget : null;
      if (tpm !== null) keys.push(`${stem}:tpm`);
      if (subject.parallel !== null) keys.push(`${stem}:parallel`);
      if (budget !== null) keys.push(`${stem}:budget:${budget.periodId}`);
      args.push(optional(tpm), subject.parallel !== null ? '1' : '', optional(budget?.seedNanos), optional(budget?.periodEndMs));
    }
    if (keys.length === 0) return;
    try {
      await this.run(SETTLE, keys, args);
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
    if (this.ready) await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  /** EVALSHA; the first time after Redis lost its script cache (NOSCRIPT), EVAL, which loads the script again. */
  private async run(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    const command: Array<string | number> = [script.sha, keys.length, ...keys, ...args];
    try {
      return await this.redis.call('evalsha', command);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      command[0] = script.source;
      return await this.redis.call('eval', command);
    }
  }
}

const GRACE = String(BUDGET_GRACE_MS);

function optional(value: number | bigint | null | undefined): string {
  return value == null ? '' : String(value);
}

function windowStatus(reply: Array<number | string>, at: number): WindowStatus | null {
  const limit = reply[at] as number;
  return limit === -1 ? null : { limit, remaining: reply[at + 1] as number, resetMs: reply[at + 2] as number };
}

import {
  BUDGET_GRACE_MS,
  DEFAULT_LEASE_MS,
  IN_FLIGHT_RETRY_MS,
  admitUnlimited,
  clearsLater,
  hasLimits,
  refusedForReservations,
  ticketFor,
  toRefusal,
  wholeTokens,
  type Hit,
} from './admission.js';
import { WINDOW_MS, TightestWindow, gcraAdd, gcraLevel, gcraState, type GcraState } from './gcra.js';
import { SubjectKeyCache } from './keys.js';
import type { AdmitInput, AdmitResult, BudgetRule, LimiterBackend, SettleInput, Ticket } from './types.js';

interface BudgetCounter {
  /** Settled spend and reservations together. */
  spent: bigint;
  /** Of `spent`, what requests not settled yet reserved. */
  reserved: bigint;
  readonly expiresAtMs: number | null;
}

/** How often counters of idle subjects are swept, by the limiter's clock (`nowMs`). */
const SWEEP_EVERY_MS = 10_000;

export interface LocalLimiterOptions {
  /** How long an in-flight slot is held if its request never settles; `DEFAULT_LEASE_MS` by default. */
  readonly leaseMs?: number;
}

/**
 * Counters in process memory with `RedisLimiter`'s semantics, exact within one process: an admit or settle runs to
 * its end without yielding, so each is atomic. For a data plane without Redis, and the fallback while Redis is
 * unreachable. Memory stays bounded by recent traffic: a sweep every 10 s drops windows once empty, in-flight sets
 * once their leases lapse, and budget counters once their period (plus grace) is over.
 */
export class LocalLimiter implements LimiterBackend {
  private readonly windows = new Map<string, GcraState>();
  private readonly inFlight = new Map<string, Map<string, number>>();
  private readonly budgets = new Map<string, BudgetCounter>();
  private readonly names = new SubjectKeyCache();
  private readonly leaseMs: number;
  private sweptAtMs = 0;

  constructor(options: LocalLimiterOptions = {}) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** How many counters are held (windows, in-flight sets, budgets). */
  get size(): number {
    return this.windows.size + this.inFlight.size + this.budgets.size;
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    const subjects = input.subjects.filter(hasLimits);
    if (subjects.length === 0) return admitUnlimited(input, 'local');
    const now = input.nowMs;
    this.sweep(now);
    const tokens = wholeTokens(input.reserveTokens);
    const requests = new TightestWindow(1);
    const tokenWindow = new TightestWindow(tokens);
    // Check everything first, then commit: a refused request reserves nothing.
    const commits: Array<() => void> = [];
    let hit: Hit | undefined;
    const refuse = (next: Hit) => {
      if (hit === undefined || clearsLater(next.retryMs, hit.retryMs)) hit = next;
    };

    for (const subject of subjects) {
      const names = this.names.of(subject);
      if (subject.rpm !== null) {
        const retryMs = this.offer(names.rpm, subject.rpm, 1, requests, now, commits);
        if (retryMs !== undefined) refuse({ subject, kind: 'rpm', retryMs });
      }
      if (subject.tpm !== null) {
        const retryMs = this.offer(names.tpm, subject.tpm, tokens, tokenWindow, now, commits);
        if (retryMs !== undefined) refuse({ subject, kind: 'tpm', retryMs });
      }
      if (subject.parallel !== null) {
        const slotsKey = names.parallel;
        const slots = this.liveSlots(slotsKey, now);
        if ((slots?.size ?? 0) >= subject.parallel) refuse({ subject, kind: 'parallel', retryMs: 1_000 });
        else commits.push(() => this.takeSlot(slotsKey, slots, input.requestId, now));
      }
      const budget = subject.budget;
      if (budget?.maxNanos != null) {
        const budgetKey = this.names.budget(names, budget.periodId);
        const counter = this.budgets.get(budgetKey);
        // The control plane has counted spend this counter never saw (settled elsewhere: by another data plane, or
        // through Redis before an outage made this one count on its own): it catches up. Otherwise it is ahead.
        if (counter !== undefined && budget.seedNanos > counter.spent) counter.spent = budget.seedNanos;
        const spent = counter?.spent ?? budget.seedNanos;
        const reserved = counter?.reserved ?? 0n;
        if (spent + input.reserveNanos > budget.maxNanos) {
          const retryMs = refusedForReservations(spent, reserved, input.reserveNanos, budget.maxNanos)
            ? IN_FLIGHT_RETRY_MS
            : budget.periodEndMs === null
              ? null
              : Math.max(1, budget.periodEndMs - now);
          refuse({ subject, kind: 'budget', retryMs, spentNanos: spent, reservedNanos: reserved });
        } else {
          commits.push(() => this.addSpend(budgetKey, budget, input.reserveNanos, input.reserveNanos, input.reserveNanos));
        }
      }
    }

    const admitted = hit === undefined;
    const status = { requests: requests.status(admitted), tokens: tokenWindow.status(admitted) };
    if (hit !== undefined) return { ok: false, refusal: toRefusal(hit), status };
    for (const commit of commits) commit();
    return { ok: true, ticket: ticketFor(input, subjects, 'local'), status };
  }

  async settle(ticket: Ticket, actual: SettleInput): Promise<void> {
    const now = actual.nowMs;
    const tokenDelta = wholeTokens(actual.tokens) - ticket.reservedTokens;
    const nanosDelta = actual.nanos - ticket.reservedNanos;
    for (const subject of ticket.subjects) {
      const names = this.names.of(subject);
      if (subject.tpm !== null && tokenDelta !== 0) {
        // Tokens given back never take the window below empty ("now").
        this.setWindow(names.tpm, gcraLevel(this.windows.get(names.tpm), subject.tpm, now) + tokenDelta * WINDOW_MS, subject.tpm, now);
      }
      if (subject.parallel !== null) {
        const slots = this.inFlight.get(names.parallel);
        slots?.delete(ticket.requestId);
        if (slots?.size === 0) this.inFlight.delete(names.parallel);
      }
      const budget = subject.budget;
      if (budget?.maxNanos != null) this.addSpend(this.names.budget(names, budget.periodId), budget, nanosDelta, actual.nanos, -ticket.reservedNanos);
    }
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.inFlight.clear();
    this.budgets.clear();
  }

  /**
   * Offers `cost` to a rate window: records the window in `tightest`, and queues its update in `commits` when it has
   * room. Returns undefined, or when it has none the milliseconds until it has (null: never, the cost is above the
   * limit).
   */
  private offer(key: string, limit: number, cost: number, tightest: TightestWindow, now: number, commits: Array<() => void>): number | null | undefined {
    const u = gcraLevel(this.windows.get(key), limit, now);
    tightest.offer(u, limit);
    const added = gcraAdd(u, cost, limit);
    if (!added.ok) return added.retryMs;
    commits.push(() => this.setWindow(key, added.level, limit, now));
    return undefined;
  }

  private setWindow(key: string, u: number, limit: number, now: number): void {
    const state = gcraState(u, limit, now);
    if (state === undefined) this.windows.delete(key);
    else this.windows.set(key, state);
  }

  /**
   * The set's unexpired slots (expired ones dropped), or undefined when none is left. Slots are taken with one lease
   * length from a clock that only moves forward, so a set (a Map, in insertion order) holds them in order of expiry:
   * only its expired head is visited, not every request in flight (hundreds under a high parallel limit) on every
   * admit. Should the clock step back, a slot taken then expires a little late; the lease only catches requests
   * that never settle.
   */
  private liveSlots(key: string, now: number): Map<string, number> | undefined {
    const slots = this.inFlight.get(key);
    if (slots === undefined) return undefined;
    for (const [requestId, expiresAtMs] of slots) {
      if (expiresAtMs > now) break;
      slots.delete(requestId);
    }
    if (slots.size > 0) return slots;
    this.inFlight.delete(key);
    return undefined;
  }

  private takeSlot(key: string, slots: Map<string, number> | undefined, requestId: string, now: number): void {
    if (slots === undefined) this.inFlight.set(key, (slots = new Map()));
    slots.set(requestId, now + this.leaseMs);
  }

  /**
   * Adds `delta` to a budget counter and `reserving` to what it holds reserved (an admit's reservation, a settle's
   * release); a counter that does not exist yet starts at the config's seed and takes `whenNew` instead (at settle,
   * one that expired since admit has lost the reservation, so it takes the actual cost, and holds none reserved).
   */
  private addSpend(key: string, budget: BudgetRule, delta: bigint, whenNew: bigint, reserving: bigint): void {
    const counter = this.budgets.get(key);
    if (counter !== undefined) {
      counter.spent += delta;
      counter.reserved = counter.reserved + reserving > 0n ? counter.reserved + reserving : 0n;
      return;
    }
    this.budgets.set(key, {
      spent: budget.seedNanos + whenNew,
      reserved: reserving > 0n ? reserving : 0n,
      expiresAtMs: budget.periodEndMs === null ? null : budget.periodEndMs + BUDGET_GRACE_MS,
    });
  }

  private sweep(now: number): void {
    if (now - this.sweptAtMs < SWEEP_EVERY_MS) return;
    this.sweptAtMs = now;
    for (const [key, state] of this.windows) if (state.a < now) this.windows.delete(key);
    for (const key of this.inFlight.keys()) this.liveSlots(key, now);
    for (const [key, counter] of this.budgets) if (counter.expiresAtMs !== null && counter.expiresAtMs <= now) this.budgets.delete(key);
  }
}

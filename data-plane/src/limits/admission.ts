/** What both limiter backends share: which subjects count, tickets, refusals, and how long counters live. */
import type { AdmitInput, AdmitResult, LimitKind, LimitSubject, RateLimitStatus, Refusal, Ticket } from './types.js';

/**
 * How long an in-flight slot is held for a request that never settles (its data plane died mid-request). Longer than
 * nearly every request; one that outlives it frees its slot early (one extra request may start then), a better
 * failure than a slot lost for good.
 */
export const DEFAULT_LEASE_MS = 10 * 60_000;
/**
 * The Redis limiter's lease: short, since its data plane renews the leases of its requests in flight (every third of
 * it), so what a data plane killed mid-request held is free within a minute.
 */
export const REDIS_LEASE_MS = 60_000;

/** How long a budget counter outlives its period: requests admitted near the end still settle into it. */
export const BUDGET_GRACE_MS = 60 * 60_000;

/**
 * How soon a budget refused only for what requests in flight reserved may be asked again (see `Refusal`): their
 * reservations go back, or become their real and usually smaller cost, as they finish.
 */
export const IN_FLIGHT_RETRY_MS = 1_000;

/**
 * Whether a budget counter that holds `spent` (settled spend and reservations together), `reserved` of it by requests
 * not settled yet, refuses a request reserving `cost` only because of those reservations: without them it would fit.
 */
export function refusedForReservations(spent: bigint, reserved: bigint, cost: bigint, max: bigint): boolean {
  return reserved > 0n && spent - reserved + cost <= max;
}

/** Whether there is anything to count for a subject; a budget without a maximum is only recorded elsewhere. */
export function hasLimits(subject: LimitSubject): boolean {
  return subject.rpm !== null || subject.tpm !== null || subject.parallel !== null || subject.budget?.maxNanos != null;
}

export const NO_WINDOWS: RateLimitStatus = { requests: null, tokens: null };

/** Token counts are whole and never negative, whatever estimate the caller made. */
export function wholeTokens(tokens: number): number {
  return tokens > 0 ? Math.ceil(tokens) : 0;
}

export function ticketFor(input: AdmitInput, subjects: readonly LimitSubject[], backend: Ticket['backend']): Ticket {
  return { requestId: input.requestId, subjects, reservedTokens: wholeTokens(input.reserveTokens), reservedNanos: input.reserveNanos, backend };
}

/** A request none of whose subjects has a limit: admitted without touching a counter. */
export function admitUnlimited(input: AdmitInput, backend: Ticket['backend']): AdmitResult {
  return { ok: true, ticket: ticketFor(input, [], backend), status: NO_WINDOWS };
}

/** A limit a request would exceed, and how long it takes to clear: ms, null for never. */
export interface Hit {
  readonly subject: LimitSubject;
  readonly kind: LimitKind;
  readonly retryMs: number | null;
  readonly spentNanos?: bigint;
  readonly reservedNanos?: bigint;
}

/** Whether a limit clearing in `next` ms outlasts one clearing in `current` (null: never, which outlasts all). */
export function clearsLater(next: number | null, current: number | null): boolean {
  return current !== null && (next === null || next > current);
}

export function toRefusal(hit: Hit): Refusal {
  const { subject, kind } = hit;
  const limit = kind === 'budget' ? nanosToUsd(subject.budget!.maxNanos!) : String(subject[kind]);
  const retryAfterSeconds = hit.retryMs === null ? null : Math.max(1, Math.ceil(hit.retryMs / 1000));
  return {
    kind,
    subject,
    limit,
    retryAfterSeconds,
    ...(hit.spentNanos !== undefined && { spentNanos: hit.spentNanos }),
    ...(hit.reservedNanos !== undefined && hit.reservedNanos > 0n && { reservedNanos: hit.reservedNanos }),
  };
}

/** Nano-USD as a plain decimal USD string: 1_500_000_000n → "1.5". */
export function nanosToUsd(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const fraction = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${abs / 1_000_000_000n}${fraction ? `.${fraction}` : ''}`;
}

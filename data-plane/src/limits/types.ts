/**
 * The hot-path governance contract: rate limits (requests per minute, tokens per minute, requests in flight) and
 * budgets (spend per period), for every governed subject a request touches, decided in one step before the upstream
 * call and settled in one step after it. Two implementations: `RedisLimiter` (exact across data-plane instances,
 * one Lua script call per step for all the requests of an event-loop turn) and `LocalLimiter` (exact within one
 * process). `Limiter` in `limiter.ts` chooses between
 * them and applies the configured behaviour when Redis is unreachable.
 */

/** What a subject is; the counter names include it, so ids of different kinds never collide. */
export type SubjectKind = 'key' | 'user' | 'team' | 'org' | 'end_user' | 'tag' | 'key_model' | 'team_member';

export interface BudgetRule {
  /**
   * USD the subject may spend in the period; null: no hard budget (only a soft one, recorded elsewhere), and the
   * limiter neither counts nor checks anything for it. Counters are exact below 2^53 nano-USD (about $9M).
   */
  readonly maxNanos: bigint | null;
  /**
   * Names the current period: counters of another period are separate (so a period ends without anyone resetting a
   * counter). `budgetPeriod` in `period.ts` computes it from the subject's duration and reset time.
   */
  readonly periodId: string;
  /** When the period ends, epoch ms; null: it never does. Counters expire a while after it. */
  readonly periodEndMs: number | null;
  /** Spend already counted in this period before this data plane's counter existed (from the config), nano-USD. */
  readonly seedNanos: bigint;
}

/**
 * One governed subject of a request with the limits that apply to it (any of them may be absent). A request lists
 * each subject once: the limiter counts whatever it is given.
 */
export interface LimitSubject {
  readonly kind: SubjectKind;
  /** Unique within the kind; for `key_model`, `<keyId>/<model>`. */
  readonly id: string;
  /** For messages: "this key", "the key's owner", "team 'Research'", "model 'gpt-4o' on this key". */
  readonly label: string;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly parallel: number | null;
  readonly budget: BudgetRule | null;
}

export type LimitKind = 'rpm' | 'tpm' | 'parallel' | 'budget';

/** How a request's output was reserved (see `AdmitInput.reservedOutput`). */
export type ReservedOutput =
  | { readonly kind: 'cap'; readonly param: string }
  | { readonly kind: 'default'; readonly param: string; readonly defaultTokens: number }
  | { readonly kind: 'none' };

export interface AdmitInput {
  readonly requestId: string;
  readonly subjects: readonly LimitSubject[];
  /** Tokens reserved against tpm limits until settled (prompt estimate + max_tokens or the default). */
  readonly reserveTokens: number;
  /** Cost reserved against budgets until settled, nano-USD (rounded up). */
  readonly reserveNanos: bigint;
  /**
   * What the reservation is made of, for refusals: `output` the request's own cap (the parameter it set it in), the
   * default reserved for a request that sets none (`defaultTokens`, and the parameter it could set), or nothing for a
   * request that generates nothing (embeddings). Absent: a prompt estimate plus `max_tokens`.
   */
  readonly reservedOutput?: ReservedOutput;
  /**
   * The local limiter's clock and the reference for budget periods. `RedisLimiter` times rate windows and in-flight
   * leases by Redis's own clock instead, so data planes with skewed clocks still share one window.
   */
  readonly nowMs: number;
}

/** The tightest request and token windows among the subjects, for the `x-ratelimit-*` response headers. */
export interface RateLimitStatus {
  readonly requests: WindowStatus | null;
  readonly tokens: WindowStatus | null;
}

export interface WindowStatus {
  readonly limit: number;
  /** After this request. */
  readonly remaining: number;
  /** Milliseconds until the window is full again. */
  readonly resetMs: number;
}

/**
 * The limit that refused a request. When several would, the one that takes longest to clear (a budget that never
 * resets, then the longest wait; the first in subject order among equals), so a retry after `retryAfterSeconds`
 * is not refused again by another limit that was already exceeded.
 */
export interface Refusal {
  readonly kind: LimitKind;
  readonly subject: LimitSubject;
  /** The limit that was hit: requests, tokens, requests in flight, or the budget in USD (as a decimal string). */
  readonly limit: string;
  /**
   * Seconds until a retry can succeed (rounded up, at least 1); for budgets, until the period ends. Null: never,
   * because the budget never resets or the request's token reservation alone exceeds the tpm limit.
   */
  readonly retryAfterSeconds: number | null;
  /**
   * For budgets: spend counted so far in the period, nano-USD: what requests settled, and what requests in flight
   * reserved (their estimates, until they settle).
   */
  readonly spentNanos?: bigint;
  /**
   * For budgets: of `spentNanos`, what requests in flight reserved (absent: nothing). When the request would fit
   * without it (`refusedForReservations`), the budget is not spent, only taken for now: `retryAfterSeconds` is then
   * `IN_FLIGHT_RETRY_MS`, not the period's end.
   */
  readonly reservedNanos?: bigint;
}

/** What `admit` reserved; `settle` (exactly once per admitted request) releases or adjusts each reservation. */
export interface Ticket {
  readonly requestId: string;
  /** The request's subjects that have limits (the others need no settling). */
  readonly subjects: readonly LimitSubject[];
  readonly reservedTokens: number;
  readonly reservedNanos: bigint;
  /** The backend that admitted it (after a Redis failover, settle goes to the same place). */
  readonly backend: 'redis' | 'local';
}

export type AdmitResult =
  | { readonly ok: true; readonly ticket: Ticket; readonly status: RateLimitStatus }
  | { readonly ok: false; readonly refusal: Refusal; readonly status: RateLimitStatus };

/** Redis is unreachable and the limiter fails closed: the pipeline answers 503 instead of guessing. */
export interface LimiterUnavailable {
  readonly ok: false;
  readonly unavailable: true;
}

/** What `Limiter.admit` decides: admitted, refused by a limit (429), or no counters to decide with (503). */
export type LimitDecision = AdmitResult | LimiterUnavailable;

export interface SettleInput {
  /** Tokens actually used (input + output). */
  readonly tokens: number;
  /** Actual cost, nano-USD (rounded up). */
  readonly nanos: bigint;
  readonly nowMs: number;
}

export interface LimiterBackend {
  /**
   * Atomically, across every subject: refuses if any limit would be exceeded (nothing is reserved then), else counts
   * the request, reserves `reserveTokens` and `reserveNanos` against every subject with a tpm limit or a budget, and
   * takes one in-flight slot of every subject with a parallel limit.
   */
  admit(input: AdmitInput): Promise<AdmitResult>;
  /** Replaces the reservations with the actual figures and frees the in-flight slots. Never throws. */
  settle(ticket: Ticket, actual: SettleInput): Promise<void>;
  close(): Promise<void>;
}

import type { WindowStatus } from './types.js';

/**
 * Rate windows (rpm, tpm) as GCRA, the generic cell rate algorithm: a limit L per minute lets a burst of L through
 * at once and then L per minute, evenly, with no window edge where a fixed-window counter would admit 2L in a
 * moment. Each unit (a request, a token) pushes the window's theoretical arrival time (TAT) W/L ms further; a cost
 * of c units conforms while the TAT stays within W of now.
 *
 * W/L is rarely a whole number of ms, and floating point would make "exactly L" depend on rounding. So a TAT is kept
 * as `a + b/L` ms (whole ms `a`, remainder `0 <= b < L`) and arithmetic runs on the level `u = (TAT - now) * L`, an
 * integer in 1/L ms: a unit adds W, the window holds W*L, and it drains L per ms. Every value stays an integer well
 * below 2^53 (u <= W*L plus debt), so doubles are exact. `redis-scripts.ts` does the same in Lua.
 */
export const WINDOW_MS = 60_000;

/** A window with traffic in it: TAT = a + b/limit ms, `limit` being the limit it was counted under. */
export interface GcraState {
  readonly a: number;
  readonly b: number;
  readonly limit: number;
}

/**
 * The level at `nowMs` under `limit`. A window counted under another limit (an admin changed it) keeps the units it
 * holds (each is W, whatever the limit), up to a full window of the new limit: a key that used 2 of 2 requests and
 * is raised to 10 has 8 left at once, and one lowered below what it used waits at most a window. The same in every
 * data plane, whichever limit it counts under while the change spreads. `redis-scripts.ts` does the same in Lua.
 */
export function gcraLevel(state: GcraState | undefined, limit: number, nowMs: number): number {
  if (state === undefined) return 0;
  const u = (state.a - nowMs) * state.limit + state.b;
  if (u <= 0) return 0;
  return state.limit === limit ? u : Math.min(u, WINDOW_MS * limit);
}

/** The state holding level `u` at `nowMs`; undefined once empty (an empty window needs no record). */
export function gcraState(u: number, limit: number, nowMs: number): GcraState | undefined {
  if (u <= 0) return undefined;
  const q = Math.floor(u / limit);
  return { a: nowMs + q, b: u - q * limit, limit };
}

/** The level after `cost` more units, or how long until they would fit: ms (null: they never will, cost > limit). */
export function gcraAdd(u: number, cost: number, limit: number): { readonly ok: true; readonly level: number } | { readonly ok: false; readonly retryMs: number | null } {
  const after = u + cost * WINDOW_MS;
  if (after <= WINDOW_MS * limit) return { ok: true, level: after };
  return { ok: false, retryMs: cost > limit ? null : Math.ceil((after - WINDOW_MS * limit) / limit) };
}

/** Units left at level `u` (never below 0) and ms until the window is empty. */
export function gcraStatus(u: number, limit: number): WindowStatus {
  return { limit, remaining: Math.max(0, Math.floor((WINDOW_MS * limit - u) / WINDOW_MS)), resetMs: Math.ceil(u / limit) };
}

/**
 * The tightest of several windows a request passes through: the one with the fewest units left after it. Every
 * window of a kind is charged the same cost, so that is also the fewest left before it.
 */
export class TightestWindow {
  private limit = 0;
  private level = 0;
  private remaining = Infinity;

  constructor(private readonly cost: number) {}

  offer(u: number, limit: number): void {
    const remaining = Math.floor((WINDOW_MS * limit - u) / WINDOW_MS);
    if (remaining < this.remaining) [this.limit, this.level, this.remaining] = [limit, u, remaining];
  }

  /** Null if no window was offered; `counted`: after the request (admitted), else as it was (refused). */
  status(counted: boolean): WindowStatus | null {
    if (this.remaining === Infinity) return null;
    return gcraStatus(counted ? this.level + this.cost * WINDOW_MS : this.level, this.limit);
  }
}

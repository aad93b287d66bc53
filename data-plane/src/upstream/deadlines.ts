/**
 * Coarse timeouts for many short-lived upstream calls: one interval checks every watched call a few times a
 * second, instead of a timer per call.
 *
 * Why not undici's own `headersTimeout` / `bodyTimeout`: for delays of a second or more undici keeps a timer object
 * per request in a list it prunes only every half second or so, so every request's timers outlive the young
 * generation and are promoted: under load they were the largest source of old-generation garbage, hence of
 * mark-compact pauses. Here a call costs a Set entry and a number written per body chunk.
 */
export interface Watched {
  /** Called about every `TICK_MS` with the current time (ms since the epoch) while watched. */
  checkDeadline(now: number): void;
  /** Where it is in the watch list (-1: not watched); kept by `deadlines`. */
  watchSlot: number;
}

export const TICK_MS = 250;

// A slot array with a free list rather than a Set: adding to and deleting from a long-lived Set at this rate kept
// young entries alive through scavenges (measured: five times the promotion), a plain array slot does not.
const slots: Array<Watched | undefined> = [];
const free: number[] = [];
let count = 0;
let timer: NodeJS.Timeout | undefined;
let clock = Date.now();

function tick(): void {
  clock = Date.now();
  for (let i = 0; i < slots.length; i++) slots[i]?.checkDeadline(clock);
  if (count === 0) {
    clearInterval(timer);
    timer = undefined;
    slots.length = 0;
    free.length = 0;
  }
}

export const deadlines = {
  /** The time at the last tick (or later): cheap to read on every body chunk, at most one tick stale. */
  now(): number {
    return clock;
  },
  watch(w: Watched): void {
    if (w.watchSlot !== -1) return;
    const slot = free.length > 0 ? free.pop()! : slots.length;
    slots[slot] = w;
    w.watchSlot = slot;
    count++;
    if (timer === undefined) {
      clock = Date.now();
      timer = setInterval(tick, TICK_MS);
      // The server keeps the process alive; this must not.
      timer.unref();
    }
  },
  unwatch(w: Watched): void {
    const slot = w.watchSlot;
    if (slot === -1) return;
    slots[slot] = undefined;
    w.watchSlot = -1;
    free.push(slot);
    count--;
  },
};

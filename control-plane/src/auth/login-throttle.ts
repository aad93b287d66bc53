/**
 * Slows down password guessing without letting anyone lock a user out. Failed sign-ins are counted per email and
 * client address: after `maxFailures` for one pair within `windowMs`, that client may not try that email again until
 * the window since its first failure has passed, whatever the password (so a correct guess in that time tells
 * nothing). The user, from anywhere else, is not affected: counting per email alone would let anyone who knows an
 * admin's email keep them out by failing on purpose. (Not per address alone either: behind a proxy that does not
 * pass the client's address, every sign-in shares one, and one client could then keep everyone out.) Per
 * control-plane replica and in memory: it bounds guessing to a few attempts per window per replica and client,
 * without a table that an attacker could grow.
 */
export class LoginThrottle {
  private readonly pairs: FailureCounts;

  constructor(maxFailures = 5, windowMs = 15 * 60_000, maxTracked = 100_000, now: () => number = Date.now) {
    this.pairs = new FailureCounts(maxFailures, windowMs, maxTracked, now);
  }

  /** Milliseconds until `client` (its address; null when unknown) may try `email` again; 0 when it may now. */
  retryAfterMs(email: string, client: string | null): number {
    return this.pairs.retryAfterMs(pairKey(email, client));
  }

  failed(email: string, client: string | null): void {
    this.pairs.failed(pairKey(email, client));
  }

  /**
   * An attempt starting: milliseconds to wait when `client` may not try `email` now; else 0, and the attempt is
   * counted as failed until `succeeded` says otherwise. Counted before the password is checked (a tenth of a second
   * of hashing), so attempts sent all at once are counted as they come, not let through together before any of them
   * has failed.
   */
  attempt(email: string, client: string | null): number {
    const wait = this.retryAfterMs(email, client);
    if (wait === 0) this.failed(email, client);
    return wait;
  }

  succeeded(email: string, client: string | null): void {
    this.pairs.succeeded(pairKey(email, client));
  }
}

const pairKey = (email: string, client: string | null) => `${email.toLowerCase()}\n${client ?? ''}`;

/** Failures per key within a window since the first, bounded in size. */
class FailureCounts {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly maxTracked: number,
    private readonly now: () => number,
  ) {}

  retryAfterMs(key: string): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    const left = entry.since + this.windowMs - this.now();
    if (left <= 0) {
      this.failures.delete(key);
      return 0;
    }
    return entry.count >= this.maxFailures ? left : 0;
  }

  failed(key: string): void {
    const entry = this.failures.get(key);
    if (entry && entry.since + this.windowMs > this.now()) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= this.maxTracked) this.prune();
    this.failures.set(key, { count: 1, since: this.now() });
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.failures) if (entry.since + this.windowMs <= now) this.failures.delete(key);
    // Still full of fresh entries: forget the oldest rather than grow without bound.
    if (this.failures.size >= this.maxTracked) this.failures.delete(this.failures.keys().next().value!);
  }
}

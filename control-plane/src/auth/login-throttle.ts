/**
 * Slows down password guessing: after `maxFailures` failed sign-ins for one email within `windowMs`, further
 * attempts for that email are refused until the window since the first failure has passed, whatever the password
 * (so a correct guess in that time tells nothing). Per control-plane replica and in memory: it bounds guessing to
 * a few attempts per window per replica, without a table that an attacker could grow.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly maxTracked = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `email` may try again; 0 when it may now. */
  retryAfterMs(email: string): number {
    const entry = this.failures.get(email);
    if (!entry) return 0;
    const left = entry.since + this.windowMs - this.now();
    if (left <= 0) {
      this.failures.delete(email);
      return 0;
    }
    return entry.count >= this.maxFailures ? left : 0;
  }

  failed(email: string): void {
    const entry = this.failures.get(email);
    if (entry && entry.since + this.windowMs > this.now()) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= this.maxTracked) this.prune();
    this.failures.set(email, { count: 1, since: this.now() });
  }

  succeeded(email: string): void {
    this.failures.delete(email);
  }

  private prune(): void {
    const now = this.now();
    for (const [email, entry] of this.failures) if (entry.since + this.windowMs <= now) this.failures.delete(email);
    // Still full of fresh entries: forget the oldest rather than grow without bound.
    if (this.failures.size >= this.maxTracked) this.failures.delete(this.failures.keys().next().value!);
  }
}

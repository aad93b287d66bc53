import type { Logger } from '../logger.js';
import type { RoundLock } from './round-lock.js';
import type { HealthChecks } from './runner.js';

export interface PeriodicHealthChecksOptions {
  /** Time between rounds (TOLLGATE_HEALTH_CHECK_INTERVAL_S). */
  readonly intervalMs: number;
  /** With Redis, who takes each round; null: this data plane takes every round. */
  readonly lock: RoundLock | null;
  readonly logger: Logger;
}

/**
 * Periodic rounds of health checks of every deployment, reported like requested ones (without a request id). Rounds
 * are numbered by the wall clock (`floor(now / interval)`) and start at each multiple of the interval, so every data
 * plane sharing Redis asks for the same round at the same moment and the round lock lets exactly one take it; clocks
 * apart by less than an interval still agree on the number. A round still running when the next is due makes that
 * one skipped, so a slow provider never has checks pile up. Off by default: every round is one real, paid provider
 * request per deployment.
 */
export class PeriodicHealthChecks {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;

  constructor(
    private readonly checks: Pick<HealthChecks, 'run'>,
    private readonly options: PeriodicHealthChecksOptions,
  ) {}

  start(): void {
    this.options.logger.info('periodic health checks on: every deployment is checked with a real provider request each round', {
      intervalMs: this.options.intervalMs,
      oneDataPlanePerRound: this.options.lock !== null,
    });
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.options.lock?.close();
  }

  private schedule(): void {
    if (this.closed) return;
    const { intervalMs } = this.options;
    const now = Date.now();
    const round = Math.floor(now / intervalMs) + 1;
    this.timer = setTimeout(() => void this.run(round), round * intervalMs - now);
    // The HTTP server keeps the process alive; this timer alone must not.
    this.timer.unref();
  }

  private async run(round: number): Promise<void> {
    this.schedule();
    if (this.running || this.closed) {
      if (this.running) this.options.logger.warn('periodic health checks: the previous round is still running; skipping this one', { round });
      return;
    }
    this.running = true;
    try {
      // Kept a little over one interval: long enough that no data plane whose clock is behind takes the round again.
      if (this.options.lock && !(await this.options.lock.claim(`${this.options.intervalMs}:${round}`, 2 * this.options.intervalMs))) return;
      if (this.closed) return;
      await this.checks.run(null, null);
    } catch (err) {
      this.options.logger.error('periodic health check round failed', { round, error: err instanceof Error ? err.message : String(err) });
    } finally {
      this.running = false;
    }
  }
}

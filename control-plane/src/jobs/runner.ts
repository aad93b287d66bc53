import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm.js';
import { errorMessage, type Logger } from '../logger.js';
import { assertJobName, type Job } from './job.js';

export interface JobRunnerOptions {
  /** Per-job interval overrides by name (tests use short ones). */
  intervalsMs?: Record<string, number>;
  /** Delay before trying again when PostgreSQL did not answer. */
  retryMs?: number;
  /**
   * The longest a runner sleeps without looking at `job_run`, whatever the interval: bounds the wait after a
   * replica holding the lock died mid-run, and keeps every timer far below setTimeout's 24.8-day limit.
   */
  maxSleepMs?: number;
}

/** What one attempt at a job did. */
export type JobAttempt =
  | { outcome: 'succeeded' | 'failed'; nextInMs: number; error?: string }
  /** Another replica holds the job's lock: it is running the job now. */
  | { outcome: 'busy'; nextInMs: number }
  /** It ran less than an interval ago (here or on another replica). */
  | { outcome: 'not-due'; nextInMs: number };

interface Scheduled {
  job: Job;
  intervalMs: number;
  timer: NodeJS.Timeout | null;
}

/** Thrown inside the lock transaction to roll back a run cut short by stop(): it was not a run, so not recorded. */
class Interrupted extends Error {}

/**
 * Runs registered jobs on every control-plane replica such that each job runs once per due time across all of
 * them. One attempt is one transaction:
 *
 *   1. `pg_try_advisory_xact_lock(hashtext('tollgate.job.<name>'))`: a replica that does not get it skips (another
 *      is running the job right now);
 *   2. read `job_run`: due when the last start is at least one interval before `now()`. Database time, so clock
 *      skew between replicas does not matter, and a replica that just started sees runs made elsewhere;
 *   3. run the job inside a savepoint, then write its `job_run` row (start, finish, outcome, error);
 *   4. commit, which releases the lock.
 *
 * The lock is taken before the read and held until the row is committed, so two replicas can never both find the
 * job due for the same time. A replica that dies mid-run rolls back, and the job stays due for the others. A
 * failed run is recorded like a successful one and the job runs again one interval after its start.
 *
 * Between attempts each job sleeps until its next due time as the database computed it.
 */
export class JobRunner {
  private readonly scheduled = new Map<string, Scheduled>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private readonly retryMs: number;
  private readonly maxSleepMs: number;
  private started = false;

  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
    private readonly options: JobRunnerOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 5_000;
    this.maxSleepMs = options.maxSleepMs ?? 10 * 60_000;
  }

  /** Adds a job; after start() it is scheduled at once. */
  register(job: Job): this {
    assertJobName(job.name);
    if (this.scheduled.has(job.name)) throw new Error(`job "${job.name}" is registered twice`);
    const intervalMs = this.options.intervalsMs?.[job.name] ?? job.intervalMs;
    if (!(intervalMs > 0)) throw new Error(`job "${job.name}" needs a positive interval`);
    const entry: Scheduled = { job, intervalMs, timer: null };
    this.scheduled.set(job.name, entry);
    if (this.started) this.schedule(entry, 0);
    return this;
  }

  get jobNames(): string[] {
    return [...this.scheduled.keys()];
  }

  start(): void {
    if (this.started || this.abort.signal.aborted) return;
    this.started = true;
    for (const entry of this.scheduled.values()) this.schedule(entry, 0);
  }

  /** Cancels the timers, signals running jobs to stop, and waits for them. */
  async stop(): Promise<void> {
    this.abort.abort();
    for (const entry of this.scheduled.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
    }
    await Promise.allSettled([...this.inFlight]);
  }

  /** One attempt at a job now, as the timer would make it (tests, tools). */
  runNow(name: string): Promise<JobAttempt> {
    const entry = this.scheduled.get(name);
    if (!entry) throw new Error(`no job named "${name}"`);
    return this.track(this.attempt(entry));
  }

  private schedule(entry: Scheduled, delayMs: number): void {
    if (this.abort.signal.aborted) return;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      void this.track(this.attempt(entry)).then(
        (result) => this.schedule(entry, result.nextInMs),
        (err: unknown) => {
          this.logger.error('scheduled job could not be attempted; retrying', {
            job: entry.job.name,
            error: errorMessage(err),
          });
          this.schedule(entry, Math.min(entry.intervalMs, this.retryMs));
        },
      );
    }, Math.min(Math.max(0, Math.ceil(delayMs)), this.maxSleepMs));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const untrack = () => this.inFlight.delete(work);
    work.then(untrack, untrack);
    return work;
  }

  private async attempt({ job, intervalMs }: Scheduled): Promise<JobAttempt> {
    const intervalSecs = intervalMs / 1000;
    try {
      return await this.orm.em.fork().transactional(async (em) => {
        const [lock] = await em.execute<Array<{ locked: boolean }>>(
          'select pg_try_advisory_xact_lock(hashtext(?)) as "locked"',
          [`tollgate.job.${job.name}`],
        );
        if (!lock?.locked) return { outcome: 'busy', nextInMs: intervalMs } as const;

        // Times cross as epoch milliseconds: the ORM's raw queries return timestamps as strings.
        const [clock] = await em.execute<Array<{ startedAtMs: number; waitMs: number | null }>>(
          `select (extract(epoch from now()) * 1000)::float8 as "startedAtMs",
             (select extract(epoch from ("last_started_at" + make_interval(secs => ?) - now())) * 1000
              from "job_run" where "name" = ?)::float8 as "waitMs"`,
          [intervalSecs, job.name],
        );
        if (!clock) throw new Error('the clock query returned no row');
        // Rounded up by a millisecond: a timer a hair early would find the job not due and sleep once more.
        if (clock.waitMs !== null && clock.waitMs > 0) return { outcome: 'not-due', nextInMs: clock.waitMs + 1 } as const;
        return this.runAndRecord(em, job, intervalSecs, new Date(clock.startedAtMs));
      });
    } catch (err) {
      if (err instanceof Interrupted) return { outcome: 'not-due', nextInMs: intervalMs };
      throw err;
    }
  }

  private async runAndRecord(em: EntityManager, job: Job, intervalSecs: number, startedAt: Date): Promise<JobAttempt> {
    const signal = this.abort.signal;
    let error: string | null = null;
    try {
      await em.transactional((inner) => job.run({ em: inner, signal, startedAt, logger: this.logger }));
    } catch (err) {
      if (signal.aborted) throw new Interrupted();
      error = errorMessage(err) || String(err);
    }
    const [row] = await em.execute<Array<{ nextInMs: number; durationMs: number }>>(
      `insert into "job_run" ("name", "last_started_at", "last_finished_at", "last_outcome", "last_error",
         "last_succeeded_at", "consecutive_failures", "runs")
       values (?, now(), clock_timestamp(), ?, ?, case when ? then clock_timestamp() end, case when ? then 0 else 1 end, 1)
       on conflict ("name") do update set
         "last_started_at" = excluded."last_started_at",
         "last_finished_at" = excluded."last_finished_at",
         "last_outcome" = excluded."last_outcome",
         "last_error" = excluded."last_error",
         "last_succeeded_at" = coalesce(excluded."last_succeeded_at", "job_run"."last_succeeded_at"),
         "consecutive_failures" = case when ? then 0 else "job_run"."consecutive_failures" + 1 end,
         "runs" = "job_run"."runs" + 1
       returning (extract(epoch from (now() + make_interval(secs => ?) - clock_timestamp())) * 1000)::float8 as "nextInMs",
         (extract(epoch from (clock_timestamp() - now())) * 1000)::float8 as "durationMs"`,
      [job.name, error === null ? 'succeeded' : 'failed', error, error === null, error === null, error === null, intervalSecs],
    );
    const durationMs = Math.round(row?.durationMs ?? 0);
    if (error === null) {
      this.logger.info('scheduled job ran', { job: job.name, durationMs });
      return { outcome: 'succeeded', nextInMs: (row?.nextInMs ?? 0) + 1 };
    }
    this.logger.error('scheduled job failed; it runs again next interval', { job: job.name, durationMs, error });
    return { outcome: 'failed', nextInMs: (row?.nextInMs ?? 0) + 1, error };
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';

/** A scheduled job: runs once per `intervalMs` across all control-plane replicas. */
export interface Job {
  /** Stable identifier (lower-case letters, digits, `.`, `-`): the `job_run` row and the advisory lock are keyed by it. */
  name: string;
  /** Time from one run's start to the next one's; overridable per job in the runner's options. */
  intervalMs: number;
  run(context: JobContext): Promise<void>;
}

export interface JobContext {
  /**
   * A transaction (a savepoint inside the one holding the job's lock): what the job writes here commits together
   * with its `job_run` record, or not at all if the job throws. A job that works in batches may use its own
   * transactions instead; the lock is held until it returns either way.
   */
  em: EntityManager;
  /** Aborted when the control plane stops; a job that stops early should throw, so the run is not recorded. */
  signal: AbortSignal;
  /** The run's start in database time (what `job_run.last_started_at` will say). */
  startedAt: Date;
  logger: Logger;
}

const NAME = /^[a-z0-9][a-z0-9.-]*$/;

export function assertJobName(name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid job name "${name}": use lower-case letters, digits, "." and "-"`);
}

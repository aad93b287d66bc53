import { Entity, Enum, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

export const JOB_OUTCOMES = ['succeeded', 'failed'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/**
 * The last run of each scheduled job, shared by every control-plane replica: whether a job is due is decided
 * from `lastStartedAt` here (database time), never from a replica's memory, so a replica that just started
 * does not rerun a job another ran a moment ago. Written by `jobs/runner.ts` in the transaction that holds the
 * job's advisory lock, together with whatever the job itself wrote.
 */
@Entity({ tableName: 'job_run' })
export class JobRun {
  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'datetime' })
  lastStartedAt!: Date;

  @Property({ type: 'datetime' })
  lastFinishedAt!: Date;

  @Enum({ items: () => [...JOB_OUTCOMES] })
  lastOutcome!: JobOutcome;

  /** The error message of the last run when it failed; null after a success. */
  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastSucceededAt: Date | null = null;

  /** Failed runs since the last success: what an alert would watch. */
  @Property({ type: 'integer', default: 0 })
  consecutiveFailures: Opt<number> = 0;

  @Property({ type: 'integer', default: 0 })
  runs: Opt<number> = 0;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRun } from '../db/entities/index.js';
import { openDatabase, type Orm } from '../db/orm.js';
import { silentLogger } from '../logger.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { MemoryLogger } from '../testing/harness.js';
import type { Job, JobContext } from './job.js';
import { JobRunner } from './runner.js';

// Two ORMs on one database stand for two control-plane replicas: separate pools, separate sessions.
let db: TestDatabase;
let replicaA: Orm;
let replicaB: Orm;
beforeAll(async () => {
  db = await createTestDatabase();
  replicaA = await openDatabase(db.url);
  replicaB = await openDatabase(db.url);
  await replicaA.em.fork().execute('create table "job_effect" ("job" text not null, "started_at" timestamptz not null)');
});
afterAll(async () => {
  await replicaA?.close(true);
  await replicaB?.close(true);
  await db?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jobRun = (name: string) => replicaA.em.fork().findOne(JobRun, { name });

/** A job whose every run is recorded (by whichever replica ran it) and must never overlap another run. */
function recordingJob(name: string, intervalMs: number, body?: (context: JobContext, run: number) => Promise<void>) {
  const runs: Array<{ startedAt: Date; replica: string }> = [];
  let running = 0;
  let maxConcurrent = 0;
  const make = (replica: string): Job => ({
    name,
    intervalMs,
    async run(context) {
      running += 1;
      maxConcurrent = Math.max(maxConcurrent, running);
      try {
        runs.push({ startedAt: context.startedAt, replica });
        await body?.(context, runs.length);
      } finally {
        running -= 1;
      }
    },
  });
  return { runs, make, maxConcurrent: () => maxConcurrent };
}

describe('JobRunner', () => {
  it('should run a job once per due time across two racing replicas', async () => {
    // Long enough that a run started late on a loaded machine (CI beside other work) is not taken for a skipped one.
    const intervalMs = 400;
    const watchMs = 2_900;
    // Each run takes a while, so the replicas really do try while the other holds the lock.
    const job = recordingJob('race', intervalMs, async () => {
      await sleep(30);
    });
    const a = new JobRunner(replicaA, silentLogger).register(job.make('a'));
    const b = new JobRunner(replicaB, silentLogger).register(job.make('b'));
    const startedAt = Date.now();
    a.start();
    b.start();
    await sleep(watchMs);
    await Promise.all([a.stop(), b.stop()]);
    const elapsedMs = Date.now() - startedAt;

    expect(job.maxConcurrent()).toBe(1);
    // Never twice for one due time: consecutive starts (database time) are at least one interval apart …
    const starts = job.runs.map((r) => r.startedAt.getTime());
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(intervalMs);
    // … and none skipped: the next run comes before the due time after next.
    for (const gap of gaps) expect(gap).toBeLessThan(2 * intervalMs);
    expect(job.runs.length).toBeGreaterThanOrEqual(watchMs / (2 * intervalMs));
    expect(job.runs.length).toBeLessThanOrEqual(Math.floor(elapsedMs / intervalMs) + 1);

    const row = await jobRun('race');
    expect(row).toMatchObject({ lastOutcome: 'succeeded', lastError: null, consecutiveFailures: 0, runs: job.runs.length });
    expect(row!.lastStartedAt.getTime()).toBe(starts.at(-1));
    expect(row!.lastFinishedAt.getTime()).toBeGreaterThanOrEqual(row!.lastStartedAt.getTime() + 30);
  });

  it('should not rerun on a replica that just started a job another replica ran a moment ago', async () => {
    const job = recordingJob('fresh-replica', 60_000);
    const a = new JobRunner(replicaA, silentLogger).register(job.make('a'));
    expect(await a.runNow('fresh-replica')).toMatchObject({ outcome: 'succeeded' });
    const b = new JobRunner(replicaB, silentLogger).register(job.make('b'));
    const attempt = await b.runNow('fresh-replica');
    expect(attempt.outcome).toBe('not-due');
    // It sleeps until the due time the database computed: about an interval from the first run.
    expect(attempt.nextInMs).toBeGreaterThan(55_000);
    expect(attempt.nextInMs).toBeLessThanOrEqual(60_001);
    b.start();
    await sleep(100);
    await Promise.all([a.stop(), b.stop()]);
    expect(job.runs.map((r) => r.replica)).toEqual(['a']);
  });

  it('should skip a job whose lock another replica holds', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const job = recordingJob('busy', 60_000, () => held);
    const a = new JobRunner(replicaA, silentLogger).register(job.make('a'));
    const b = new JobRunner(replicaB, silentLogger).register(job.make('b'));
    const running = a.runNow('busy');
    await sleep(100);
    expect(await b.runNow('busy')).toMatchObject({ outcome: 'busy' });
    release();
    expect(await running).toMatchObject({ outcome: 'succeeded' });
    expect(await b.runNow('busy')).toMatchObject({ outcome: 'not-due' });
    expect(job.runs).toHaveLength(1);
  });

  it('should record a failure, roll back what the failed run wrote, and retry next interval', async () => {
    const intervalMs = 250;
    const logger = new MemoryLogger();
    const job = recordingJob('flaky', intervalMs, async ({ em, startedAt }, run) => {
      await em.execute('insert into "job_effect" ("job", "started_at") values (?, ?)', ['flaky', startedAt]);
      if (run <= 2) throw new Error(`upstream unavailable (run ${run})`);
    });
    const runner = new JobRunner(replicaA, logger).register(job.make('a'));

    runner.start();
    await waitUntil(async () => (await jobRun('flaky'))?.lastOutcome === 'failed', 'the first failure');
    const firstFailure = await jobRun('flaky');
    expect(firstFailure).toMatchObject({
      lastOutcome: 'failed',
      lastError: 'upstream unavailable (run 1)',
      consecutiveFailures: 1,
      lastSucceededAt: null,
      runs: 1,
    });
    await waitUntil(async () => (await jobRun('flaky'))?.lastOutcome === 'succeeded', 'the retry that succeeds', 3_000);
    await runner.stop();

    const row = await jobRun('flaky');
    expect(row).toMatchObject({ lastOutcome: 'succeeded', lastError: null, consecutiveFailures: 0, runs: 3 });
    expect(row!.lastSucceededAt).not.toBeNull();
    // Retried one interval after each failed start, not sooner and not in a tight loop.
    const starts = job.runs.map((r) => r.startedAt.getTime());
    expect(starts).toHaveLength(3);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(intervalMs);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(intervalMs);
    expect(starts[1]! - starts[0]!).toBeLessThan(2 * intervalMs);
    expect(starts[2]! - starts[1]!).toBeLessThan(2 * intervalMs);
    // Only the successful run's write survived.
    const effects = await replicaA.em.fork().execute<Array<{ ms: number }>>(
      'select (extract(epoch from "started_at") * 1000)::float8 as "ms" from "job_effect" where "job" = ?',
      ['flaky'],
    );
    expect(effects.map((e) => Math.trunc(e.ms))).toEqual([starts[2]]);
    expect(logger.lines.filter((l) => l.startsWith('error scheduled job failed'))).toHaveLength(2);
  });

  it('should not record a run cut short by stop(), so it stays due for the other replicas', async () => {
    const job = recordingJob('interrupted', 60_000, ({ signal }) =>
      new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopping')))),
    );
    const a = new JobRunner(replicaA, silentLogger).register(job.make('a'));
    a.start();
    await waitUntil(() => job.runs.length === 1, 'the run to start');
    await a.stop();
    expect(await jobRun('interrupted')).toBeNull();

    const b = new JobRunner(replicaB, silentLogger).register(recordingJob('interrupted', 60_000).make('b'));
    expect(await b.runNow('interrupted')).toMatchObject({ outcome: 'succeeded' });
  });

  it('should refuse a bad name, a duplicate, and a non-positive interval', () => {
    const runner = new JobRunner(replicaA, silentLogger, { intervalsMs: { zero: 0 } });
    const job = (name: string): Job => ({ name, intervalMs: 1000, run: async () => undefined });
    expect(() => runner.register(job('Bad Name'))).toThrow('invalid job name');
    runner.register(job('once'));
    expect(() => runner.register(job('once'))).toThrow('registered twice');
    expect(() => runner.register(job('zero'))).toThrow('positive interval');
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

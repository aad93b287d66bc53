import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { MemoryLogger } from '../testing/harness.js';
import { PgListener, type PgListenerOptions } from './pg-listener.js';

let db: TestDatabase;
let sql: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

const listeners: PgListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

/** A listener on `channel` recording what it hears; `heard()` waits for the next notification. */
function listen(channel: string, overrides: Partial<PgListenerOptions> = {}) {
  const payloads: string[] = [];
  let listened = 0;
  const logger = new MemoryLogger();
  const applicationName = `tollgate-test-${channel}`;
  const listener = new PgListener({
    databaseUrl: db.url,
    channel,
    applicationName,
    logger,
    minBackoffMs: 20,
    maxBackoffMs: 200,
    onNotification: (payload) => payloads.push(payload),
    onListening: () => {
      listened += 1;
    },
    ...overrides,
  });
  listeners.push(listener);
  return { listener, payloads, logger, applicationName, listenedCount: () => listened };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const backends = async (applicationName: string) =>
  (await sql.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [applicationName])).rows;

describe('PgListener', () => {
  it('should hear notifications on its channel once they commit, and nothing else', async () => {
    const { listener, payloads, listenedCount } = listen('pg_listener_basic');
    await listener.start();
    expect(listener.isListening).toBe(true);
    expect(listenedCount()).toBe(1);

    await sql.query("select pg_notify('pg_listener_basic', '1')");
    await sql.query("select pg_notify('some_other_channel', 'x')");
    await sql.query('begin');
    await sql.query("select pg_notify('pg_listener_basic', 'rolled back')");
    await sql.query('rollback');
    await sql.query('begin');
    await sql.query("select pg_notify('pg_listener_basic', '2')");
    expect(payloads).toEqual(['1']); // not before commit …
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(payloads).toEqual(['1']);
    await sql.query('commit');
    await until(() => payloads.length === 2, 'the committed notification');
    expect(payloads).toEqual(['1', '2']); // … and never the rolled-back one
  });

  it('should reconnect after its backend is terminated, catch up, and log the loss and the recovery', async () => {
    const { listener, payloads, logger, applicationName, listenedCount } = listen('pg_listener_kill');
    await listener.start();
    const [before] = await backends(applicationName);
    expect(before).toBeDefined();

    await sql.query('select pg_terminate_backend($1)', [before!.pid]);
    await until(() => listenedCount() === 2, 'LISTEN again after the backend was terminated');
    const after = await backends(applicationName);
    expect(after).toHaveLength(1);
    expect(after[0]!.pid).not.toBe(before!.pid);

    await sql.query("select pg_notify('pg_listener_kill', 'after reconnect')");
    await until(() => payloads.includes('after reconnect'), 'a notification on the new connection');
    expect(logger.lines.some((l) => l.startsWith('warn LISTEN connection to PostgreSQL lost; reconnecting'))).toBe(true);
    expect(logger.lines.some((l) => l.startsWith('info LISTEN connection to PostgreSQL restored'))).toBe(true);
  });

  it('should reconnect when its connection stops answering pings', async (context) => {
    const { listener, listenedCount, applicationName } = listen('pg_listener_ping', { pingMs: 50, pingTimeoutMs: 100 });
    await listener.start();
    const [backend] = await backends(applicationName);
    // A stopped backend keeps its socket open and never answers: a silently dead connection. That needs the
    // PostgreSQL server on this machine, run by a user this process may signal.
    try {
      process.kill(backend!.pid, 'SIGSTOP');
    } catch {
      context.skip();
    }
    try {
      await until(() => listenedCount() === 2, 'a new LISTEN connection after the ping timed out');
      expect(listener.isListening).toBe(true);
    } finally {
      try {
        process.kill(backend!.pid, 'SIGCONT');
      } catch (err) {
        // Gone already: PostgreSQL ended the stopped backend once its socket was closed under it.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
  });

  it('should keep retrying in the background when PostgreSQL cannot be reached at start, and stop on close', async () => {
    const unreachable = new URL(db.url);
    unreachable.port = '1'; // nothing listens there
    const { listener, logger, listenedCount } = listen('pg_listener_down', { databaseUrl: unreachable.toString() });
    await listener.start(); // does not throw
    expect(listener.isListening).toBe(false);
    await until(() => logger.lines.filter((l) => l.includes('failed; retrying')).length >= 2, 'retries');
    await listener.close();
    const lines = logger.lines.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(logger.lines.length).toBe(lines);
    expect(listenedCount()).toBe(0);
  });

  it('should close its connection on close()', async () => {
    const { listener, applicationName } = listen('pg_listener_close');
    await listener.start();
    expect(await backends(applicationName)).toHaveLength(1);
    await listener.close();
    await until(async () => (await backends(applicationName)).length === 0, 'the backend to go away');
    expect(listener.isListening).toBe(false);
  });
});

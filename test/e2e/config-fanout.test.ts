import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

// Two control-plane replicas on one database, each with its own data plane. A change made through either replica
// reaches the data planes of both: PostgreSQL NOTIFY on commit, one LISTEN connection per replica.
describe('config push across control-plane replicas', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cpA: ControlPlaneProcess;
  let cpB: ControlPlaneProcess;
  let dpA: DataPlaneProcess;
  let dpB: DataPlaneProcess;
  const measured: string[] = [];

  const chat = (dp: DataPlaneProcess, key: string) =>
    fetch(`${dp.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'ping' }] }),
    }).then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    });

  /** Milliseconds from `since` until `dp` answers `status` for `key`; fails past one second. */
  const untilStatus = async (dp: DataPlaneProcess, key: string, status: number, since: number, what: string) => {
    await waitFor(async () => (await chat(dp, key)) === status, { timeoutMs: 1_000, intervalMs: 5, what: `HTTP ${status} from ${what}` });
    const elapsed = Date.now() - since;
    measured.push(`${what}: ${elapsed} ms`);
    return elapsed;
  };

  /** Runs SQL on the test database as an operator would. */
  const sql = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query<R>(text)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    const shared = {
      databaseUrl: db.url,
      masterKey: `sk-tg-master-test-${randomBytes(12).toString('hex')}`,
      dataPlaneToken: `tg-dp-test-${randomBytes(12).toString('hex')}`,
    };
    // Started together on an empty database: the replicas take turns migrating it.
    [cpA, cpB] = await Promise.all([startControlPlaneProcess(shared), startControlPlaneProcess(shared)]);
    [dpA, dpB] = await Promise.all([startDataPlaneProcess({ controlPlane: cpA }), startDataPlaneProcess({ controlPlane: cpB })]);
  });

  afterAll(async () => {
    if (measured.length > 0) console.info(`cross-replica propagation:\n  ${measured.join('\n  ')}`);
    await Promise.all([dpA, dpB].map((dp) => dp?.process.stop()));
    await Promise.all([cpA, cpB].map((cp) => cp?.process.stop()));
    await db?.drop();
  });

  it('a key created through replica A is accepted by the data plane on replica B within one second', async () => {
    const created = Date.now();
    const key = await admin(cpA.graphqlUrl, cpA.masterKey).createKey({ alias: 'made-on-a' });
    expect(await untilStatus(dpB, key.key, 200, created, 'create on A → data plane on B')).toBeLessThan(1_000);
    expect(await untilStatus(dpA, key.key, 200, created, 'create on A → data plane on A')).toBeLessThan(1_000);
  });

  it('a key deleted through replica B is refused by the data plane on replica A within one second', async () => {
    const key = await admin(cpA.graphqlUrl, cpA.masterKey).createKey({ alias: 'deleted-on-b' });
    await Promise.all([dpA, dpB].map((dp) => waitFor(async () => (await chat(dp, key.key)) === 200, { timeoutMs: 1_000, what: 'the key on both data planes' })));
    const deleted = Date.now();
    expect(await admin(cpB.graphqlUrl, cpB.masterKey).deleteKey(key.virtualKey.id)).toBe(true);
    expect(await untilStatus(dpA, key.key, 401, deleted, 'delete on B → data plane on A')).toBeLessThan(1_000);
    expect(await untilStatus(dpB, key.key, 401, deleted, 'delete on B → data plane on B')).toBeLessThan(1_000);
  });

  it('a change still arrives after the LISTEN connections are cut and the replicas reconnect', async () => {
    const restored = (cp: ControlPlaneProcess) => cp.process.text().split('LISTEN connection to PostgreSQL restored').length - 1;
    const before = [restored(cpA), restored(cpB)];
    const killed = await sql<{ pid: number }>(
      `select pid, pg_terminate_backend(pid) from pg_stat_activity
       where application_name = 'tollgate-config-listener' and datname = current_database()`,
    );
    expect(killed).toHaveLength(2);
    await waitFor(() => restored(cpA) > before[0]! && restored(cpB) > before[1]!, { timeoutMs: 10_000, what: 'both listeners to reconnect' });
    expect(cpB.process.text()).toContain('LISTEN connection to PostgreSQL lost; reconnecting');
    const listeners = await sql<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = 'tollgate-config-listener' and datname = current_database()`,
    );
    expect(listeners).toHaveLength(2);
    expect(listeners.map((l) => l.pid)).not.toContain(killed[0]!.pid);

    const created = Date.now();
    const key = await admin(cpA.graphqlUrl, cpA.masterKey).createKey({ alias: 'after-reconnect' });
    expect(await untilStatus(dpB, key.key, 200, created, 'create on A → data plane on B, after reconnect')).toBeLessThan(1_000);
    const deleted = Date.now();
    await admin(cpB.graphqlUrl, cpB.masterKey).deleteKey(key.virtualKey.id);
    expect(await untilStatus(dpA, key.key, 401, deleted, 'delete on B → data plane on A, after reconnect')).toBeLessThan(1_000);
  });

  it('both data planes end on the same config version as both replicas', async () => {
    const version = await admin(cpA.graphqlUrl, cpA.masterKey).configVersion();
    expect(await admin(cpB.graphqlUrl, cpB.masterKey).configVersion()).toBe(version);
    await waitFor(async () => (await dpA.configVersion()) === version && (await dpB.configVersion()) === version, {
      timeoutMs: 1_000,
      what: 'both data planes at the current version',
    });
  });
});

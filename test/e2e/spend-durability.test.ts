import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

// Nothing lost in the spend pipeline: a data plane keeps every usage event in its spool until the control plane
// acknowledges it, so neither a control plane killed mid-load nor a data plane killed with events unshipped loses
// spend, and the control plane's idempotent ingest counts a resent event once.
describe('spend durability: every request in the spend log exactly once', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    dp = await startDataPlaneProcess({ controlPlane: cp });
    api = admin(cp.graphqlUrl, cp.masterKey);
  });

  afterAll(async () => {
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
  });

  async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** A new key, once the data plane has it. */
  async function newKey(alias: string): Promise<{ key: string; id: string }> {
    const created = await api.createKey({ alias });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: `config v${version} on the data plane` });
    return { key: created.key, id: created.virtualKey.id };
  }

  /** One chat completion; the request id when it succeeded. */
  async function chat(key: string, text: string): Promise<string | undefined> {
    const res = await fetch(`${dp.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: text }] }),
    });
    await res.arrayBuffer();
    return res.status === 200 ? res.headers.get('x-request-id')! : undefined;
  }

  /** Waits until the spend log holds `ids` (no more, no fewer rows for the key), and checks the key's spend is their sum. */
  async function expectLoggedOnce(keyId: string, ids: string[]): Promise<void> {
    await waitFor(async () => {
      const [row] = await sql<{ n: string }>('select count(*) as n from spend_log where key_id = $1', [keyId]);
      return Number(row!.n) >= ids.length;
    }, { timeoutMs: 30_000, what: `${ids.length} spend rows` });
    // Anything resent after this point would show as more rows or more spend.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = await sql<{ request_id: string }>('select request_id from spend_log where key_id = $1', [keyId]);
    expect(rows.map((r) => r.request_id).sort()).toEqual([...ids].sort());
    const [spend] = await sql<{ logged: string; counted: string }>(
      'select (select sum(cost) from spend_log where key_id = $1) as logged, (select spend from virtual_key where id::text = $1) as counted',
      [keyId],
    );
    expect(Number(spend!.logged)).toBeGreaterThan(0);
    expect(Number(spend!.counted)).toBeCloseTo(Number(spend!.logged), 9);
  }

  const restartControlPlane = () =>
    startControlPlaneProcess({ databaseUrl: db.url, port: cp.port, masterKey: cp.masterKey, dataPlaneToken: cp.dataPlaneToken });

  it('loses and double-counts nothing when the control plane is killed (SIGKILL) during 1,000 requests', async () => {
    const { key, id } = await newKey('durability-cp-kill');
    const ok: string[] = [];
    let done = 0;
    let restarted: Promise<ControlPlaneProcess> | undefined;
    const worker = async (w: number) => {
      for (let i = w; i < 1_000; i += 20) {
        const requestId = await chat(key, `request ${i}`);
        if (requestId) ok.push(requestId);
        done++;
        // Killed a third of the way in, with batches in flight; back two thirds of the way in, while the load goes on.
        if (done === 330) cp.process.child.kill('SIGKILL');
        if (done === 660) restarted = cp.process.waitExit().then(restartControlPlane);
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
    cp = await restarted!;
    api = admin(cp.graphqlUrl, cp.masterKey);
    // The data plane served from its snapshot throughout, and shipping did fail while the control plane was gone.
    expect(ok).toHaveLength(1_000);
    expect(dp.process.text()).toMatch(/usage flush failed; will retry/);
    await expectLoggedOnce(id, ok);
  });

  it('ships, once, the usage a killed data plane left unshipped, from its spool, after a restart on the same directory', async () => {
    const { key, id } = await newKey('durability-dp-kill');
    expect(await cp.process.stop()).toBe(0);
    const ok: string[] = [];
    for (let i = 0; i < 40; i++) ok.push((await chat(key, `while the control plane is down ${i}`))!);
    expect(ok.every(Boolean)).toBe(true);
    // Every event is in the spool's files before the kill: nothing depends on the process's memory.
    const spooled = () =>
      readdirSync(dp.spoolDir)
        .filter((f) => f.endsWith('.ndjson'))
        .map((f) => readFileSync(join(dp.spoolDir, f), 'utf8'))
        .join('');
    await waitFor(() => ok.every((requestId) => spooled().includes(requestId)), { what: 'the events in the spool files' });
    dp.process.child.kill('SIGKILL');
    await dp.process.waitExit();

    cp = await restartControlPlane();
    api = admin(cp.graphqlUrl, cp.masterKey);
    dp = await startDataPlaneProcess({ controlPlane: cp, spoolDir: dp.spoolDir });
    expect(dp.process.text()).toMatch(/taking over the lock of a data plane that is gone/);
    expect(dp.process.text()).toMatch(/sending the usage events the previous run left unacknowledged first/);
    await expectLoggedOnce(id, ok);
  });

  it('refuses to start a second data plane on a spool directory a live one holds', async () => {
    const second = startDataPlaneProcess({ controlPlane: cp, spoolDir: dp.spoolDir });
    await expect(second).rejects.toThrow(/usage spool .* is in use by another data plane \(pid \d+ on .*\); give each data plane its own TOLLGATE_SPOOL_DIR/);
  });
});

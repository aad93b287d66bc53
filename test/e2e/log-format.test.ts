import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../src/postgres.js';
import { freePort } from '../src/ports.js';
import { repoRoot, spawnNode, startControlPlaneProcess, type ManagedProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

// TOLLGATE_LOG_FORMAT=json: each line one JSON object a log shipper can read; a format neither plane knows stops the
// start, naming the variable.
describe('TOLLGATE_LOG_FORMAT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-log-format-'));
  const started: ManagedProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  const dataPlane = async (format: string) => {
    const env = {
      TOLLGATE_LOG_FORMAT: format,
      TOLLGATE_PORT: String(await freePort()),
      // No control plane there: the data plane starts and says it cannot reach one, in the format asked for.
      TOLLGATE_CONTROL_PLANE_URL: `http://127.0.0.1:${await freePort()}/graphql`,
      TOLLGATE_DATA_PLANE_TOKEN: 'tg-dp-log-format-test',
      TOLLGATE_SPOOL_DIR: join(dir, `spool-${started.length}`),
    };
    const proc = spawnNode('data-plane', join(repoRoot, 'data-plane/dist/main.js'), env, ['REDIS_URL']);
    started.push(proc);
    return proc;
  };

  it('makes every line of the data plane one JSON object with time, level, service and message', async () => {
    const proc = await dataPlane('json');
    await waitFor(() => proc.text().includes('listening'), { timeoutMs: 15_000, what: 'the data plane listening' });
    await proc.stop();
    const lines = proc.text().split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(1);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) expect(entry).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(debug|info|warn|error)$/), service: 'data-plane', msg: expect.any(String) });
    expect(entries.some((e) => String(e.msg).startsWith('data plane listening'))).toBe(true);
  });

  it('makes every line of the control plane one JSON object too, the start banner included', async () => {
    const db = await createDatabase(inject('pgAdminUrl'));
    try {
      const control = await startControlPlaneProcess({ databaseUrl: db.url, env: { TOLLGATE_LOG_FORMAT: 'json' } });
      started.push(control.process);
      await waitFor(() => control.process.text().includes('control plane listening'), { timeoutMs: 15_000, what: 'the start banner' });
      await control.process.stop();
      const entries = control.process.text().split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const entry of entries) expect(entry).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(info|warn|error)$/), service: 'control-plane', msg: expect.any(String) });
      expect(entries.find((e) => e.msg === 'control plane listening')).toMatchObject({ url: control.baseUrl, graphql: control.graphqlUrl });
    } finally {
      await db.drop();
    }
  });

  it('refuses a format it does not know, naming the variable (EX_CONFIG, so a supervisor does not retry it)', async () => {
    const proc = await dataPlane('logfmt');
    expect(await proc.waitExit()).toBe(78);
    expect(proc.text()).toContain("TOLLGATE_LOG_FORMAT must be json or text, got 'logfmt'");

    const control = spawnNode('control-plane', join(repoRoot, 'control-plane/dist/main.js'), {
      TOLLGATE_LOG_FORMAT: 'xml',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      TOLLGATE_DATA_PLANE_TOKEN: 'tg-dp-log-format-test',
      TOLLGATE_CONTROL_PORT: String(await freePort()),
    });
    started.push(control);
    expect(await control.waitExit()).toBe(1);
    expect(control.text()).toMatch(/TOLLGATE_LOG_FORMAT must be json or text/);
  });
});

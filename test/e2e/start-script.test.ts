import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { admin } from '../src/admin.js';
import { freePort } from '../src/ports.js';
import { repoRoot, spawnNode, type ManagedProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

// `npm start` runs `node bin/tollgate.js` after the build: test that script itself, on its zero-configuration
// default (embedded PostgreSQL in a fresh data folder, no DATABASE_URL, no master key, no provider keys).
describe('npm start (bin/tollgate.js) on a clean data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-start-'));
  let running: ManagedProcess | undefined;

  afterAll(async () => {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(ports: { api: number; control: number; pg: number }): Promise<ManagedProcess> {
    const env: Record<string, string> = {
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_PORT: String(ports.api),
      TOLLGATE_CONTROL_PORT: String(ports.control),
      TOLLGATE_PG_PORT: String(ports.pg),
    };
    // Zero configuration: nothing the launcher would otherwise pick up from the test environment.
    const proc = spawnNode('tollgate', join(repoRoot, 'bin/tollgate.js'), env, [
      'DATABASE_URL', 'REDIS_URL', 'TOLLGATE_MASTER_KEY', 'TOLLGATE_DATA_PLANE_TOKEN', 'TOLLGATE_HOST',
    ]);
    await waitFor(() => {
      if (!proc.running) throw new Error(`bin/tollgate.js exited:\n${proc.text()}`);
      return proc.text().includes('Tollgate is running');
    }, { timeoutMs: 90_000, intervalMs: 100, what: 'the start banner' });
    return proc;
  }

  it('starts everything, prints the URLs and a master key once, and answers a chat completion', async () => {
    const ports = { api: await freePort(), control: await freePort(), pg: await freePort() };
    running = await start(ports);
    const banner = running.text();
    expect(banner).toContain(`http://127.0.0.1:${ports.api}/v1`);
    expect(banner).toContain(`http://127.0.0.1:${ports.control}/ui`);
    expect(banner).toContain(`http://127.0.0.1:${ports.control}/graphql`);
    const masterKey = /Master key \(shown once[^)]*\): (sk-tg-master-\S+)/.exec(banner)?.[1];
    expect(masterKey).toBeDefined();

    const api = admin(`http://127.0.0.1:${ports.control}/graphql`, masterKey!);
    const team = await api.createTeam('first-team');
    const key = await api.createKey({ teamId: team.id });
    const client = new OpenAI({ apiKey: key.key, baseURL: `http://127.0.0.1:${ports.api}/v1`, maxRetries: 0 });
    const reply = await waitFor(async () => {
      try {
        return await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hello' }] });
      } catch {
        return null;
      }
    }, { timeoutMs: 5_000, what: 'a chat completion' });
    expect(reply.choices[0]?.message.content).toContain('hello');

    // The dashboard is served.
    const ui = await fetch(`http://127.0.0.1:${ports.control}/ui/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<div id="app"');

    expect(await running.stop()).toBe(0);
    running = undefined;

    // Second start on the same data: no new master key, the first one and the key still work.
    const again = { api: await freePort(), control: await freePort(), pg: ports.pg };
    running = await start(again);
    expect(running.text()).not.toMatch(/sk-tg-master-/);
    const api2 = admin(`http://127.0.0.1:${again.control}/graphql`, masterKey!);
    expect((await api2.call<{ teams: Array<{ name: string }> }>('{ teams { name } }')).teams.map((t) => t.name)).toEqual(['first-team']);
    const client2 = new OpenAI({ apiKey: key.key, baseURL: `http://127.0.0.1:${again.api}/v1`, maxRetries: 0 });
    const second = await client2.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'again' }] });
    expect(second.choices[0]?.message.content).toContain('again');
  });
});

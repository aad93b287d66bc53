import { execFileSync } from 'node:child_process';
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
  const parent = mkdtempSync(join(tmpdir(), 'tollgate-start-'));
  // A folder that does not exist yet, as `.tollgate` on a fresh clone.
  const dataDir = join(parent, 'data');
  let running: ManagedProcess | undefined;
  /** What the first test made: the master key, a virtual key, and the embedded database's port. */
  let state: { masterKey: string; key: string; pgPort: number } | undefined;

  afterAll(async () => {
    await running?.stop();
    rmSync(parent, { recursive: true, force: true });
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
    state = { masterKey: masterKey!, key: key.key, pgPort: ports.pg };
  });

  it('starts a killed data plane again; killed itself, leaves nothing running that keeps the next start from working', async () => {
    expect(running).toBeDefined();
    const launcher = running!;
    const apiPort = Number(/127\.0\.0\.1:(\d+)\/v1/.exec(launcher.text())![1]);
    const ask = (port: number, content: string) =>
      new OpenAI({ apiKey: state!.key, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content }] });
    const dataPlanePid = () => {
      try {
        return Number(execFileSync('pgrep', ['-P', String(launcher.child.pid), '-f', 'data-plane/dist/main.js'], { encoding: 'utf8' }).trim().split('\n')[0]);
      } catch {
        return null;
      }
    };
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };

    // An out-of-memory kill, say: the launcher starts the data plane again, and the API answers again.
    const first = dataPlanePid()!;
    process.kill(first, 'SIGKILL');
    await waitFor(async () => {
      const now = dataPlanePid();
      if (now === null || now === first) return false;
      return (await ask(apiPort, 'back').catch(() => null))?.choices[0]?.message.content?.includes('back') === true;
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'the data plane started again' });
    expect(launcher.text()).toContain('the data plane exited (SIGKILL); starting it again');

    // The launcher killed: the data plane stops by itself, and the next start stops the database it left running.
    const second = dataPlanePid()!;
    launcher.child.kill('SIGKILL');
    await launcher.waitExit();
    await waitFor(() => !alive(second), { timeoutMs: 20_000, intervalMs: 100, what: 'the orphaned data plane to stop' });
    running = await start({ api: await freePort(), control: await freePort(), pg: state!.pgPort });
    expect(running.text()).toMatch(/stopping the embedded PostgreSQL a previous run left running \(PID \d+\)/);
    const port = Number(/127\.0\.0\.1:(\d+)\/v1/.exec(running.text())![1]);
    expect((await ask(port, 'restarted')).choices[0]?.message.content).toContain('restarted');

    // A second launcher on the same folder refuses, naming the first.
    const other = spawnNode('tollgate-2', join(repoRoot, 'bin/tollgate.js'), { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORT: String(await freePort()), TOLLGATE_CONTROL_PORT: String(await freePort()), TOLLGATE_PG_PORT: String(await freePort()) }, ['DATABASE_URL', 'REDIS_URL', 'TOLLGATE_MASTER_KEY']);
    expect(await other.waitExit()).toBe(1);
    expect(other.text()).toContain(`Tollgate is already running from ${dataDir} (PID ${running.child.pid})`);
    expect(await running.stop()).toBe(0);
    running = undefined;
  });
});

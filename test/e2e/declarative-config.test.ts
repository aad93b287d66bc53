import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { GraphQLRequestError } from '../src/graphql.js';
import { freePort } from '../src/ports.js';
import { createDatabase } from '../src/postgres.js';
import {
  repoRoot,
  spawnNode,
  startControlPlaneProcess,
  startDataPlaneProcess,
  type ControlPlaneProcess,
  type DataPlaneProcess,
  type ManagedProcess,
} from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startOpenAiStandIn, STAND_IN_API_KEY, type OpenAiStandIn } from '../stand-ins/openai/server.js';

/**
 * A LiteLLM-style config.yaml run by the real processes: its model points at the OpenAI stand-in with the provider
 * key from the data plane's environment (`os.environ/`), its client key and master key come from the control
 * plane's environment, and the official openai SDK gets an answer through the gateway with that key. An edit to
 * the file reaches the data plane without a restart.
 */
const litellmConfig = (upstreamUrl: string, extraModel = '') => `
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${upstreamUrl}
      api_key: os.environ/TG_E2E_OPENAI_KEY
      input_cost_per_token: 0.00000015
      output_cost_per_token: 0.0000006
${extraModel}
general_settings:
  master_key: os.environ/TG_E2E_MASTER_KEY
router_settings:
  routing_strategy: least-busy
  num_retries: 1
# LiteLLM keeps keys in its database; Tollgate's keys section may sit beside model_list.
keys:
  - alias: app
    key: os.environ/TG_E2E_APP_KEY
`;

describe("declarative config: a LiteLLM config.yaml through the real processes", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-config-'));
  const path = join(dir, 'config.yaml');
  const masterKey = `sk-e2e-master-${randomBytes(16).toString('hex')}`;
  const appKey = `sk-e2e-app-${randomBytes(16).toString('hex')}`;
  let db: { url: string; drop: () => Promise<void> };
  let upstream: OpenAiStandIn;
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startOpenAiStandIn();
    db = await createDatabase(inject('pgAdminUrl'));
    writeFileSync(path, litellmConfig(upstream.url));
    cp = await startControlPlaneProcess({
      databaseUrl: db.url,
      configFile: path,
      env: { TG_E2E_MASTER_KEY: masterKey, TG_E2E_APP_KEY: appKey },
    });
    // The provider key is read by the data plane, where the upstream call is made; the database holds env:TG_E2E_OPENAI_KEY.
    dp = await startDataPlaneProcess({ controlPlane: cp, env: { TG_E2E_OPENAI_KEY: STAND_IN_API_KEY } });
    api = admin(cp.graphqlUrl, masterKey);
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { timeoutMs: 5_000, what: `data plane config v${version}` });
    client = new OpenAI({ apiKey: appKey, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    const dpCode = await dp?.process.stop();
    const cpCode = await cp?.process.stop();
    await db?.drop();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
    expect(dpCode).toBe(0);
    expect(cpCode).toBe(0);
  });

  it("should use the file's master key, not TOLLGATE_MASTER_KEY, and show the file's status", async () => {
    await expect(admin(cp.graphqlUrl, cp.masterKey).configVersion()).rejects.toBeInstanceOf(GraphQLRequestError);
    const { configFile } = await api.call<{ configFile: { path: string; format: string; errors: unknown[]; warnings: Array<{ path: string }> } }>(
      '{ configFile { path format errors { path message } warnings { path message } } }',
    );
    expect(configFile).toMatchObject({ path, format: 'litellm', errors: [] });
    expect(configFile.warnings).toEqual([]);
    // LiteLLM's router settings became the gateway's, owned by the file.
    const { routerSettings } = await api.call<{ routerSettings: Record<string, unknown> }>('{ routerSettings { strategy numRetries managedBy } }');
    expect(routerSettings).toEqual({ strategy: 'least_busy', numRetries: 1, managedBy: 'file' });
    const { models } = await api.call<{ models: Array<Record<string, unknown>> }>('{ models { name provider providerModel apiBase apiKeyRef managedBy } }');
    expect(models).toEqual([
      { name: 'gpt-4o-mini', provider: 'openai_compatible', providerModel: 'gpt-4o-mini', apiBase: upstream.url, apiKeyRef: 'env:TG_E2E_OPENAI_KEY', managedBy: 'file' },
    ]);
  });

  it('should answer the official openai SDK called with the key from the environment', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello from a config file' }] });
    expect(completion.choices[0]?.message.content).toContain('hello from a config file');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    const call = upstream.requests.at(-1)!;
    expect(call.path).toBe('/v1/chat/completions');
    expect(call.headers.authorization).toBe(`Bearer ${STAND_IN_API_KEY}`);
    expect((call.body as { model: string }).model).toBe('gpt-4o-mini');

    const rejected = new OpenAI({ apiKey: `sk-e2e-wrong-${randomBytes(8).toString('hex')}`, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
    await expect(rejected.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
  });

  it('should serve a model added to the file without a restart', async () => {
    const extra = `  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: ${upstream.url}
      api_key: os.environ/TG_E2E_OPENAI_KEY
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
`;
    const temporary = `${path}.tmp`;
    writeFileSync(temporary, litellmConfig(upstream.url, extra));
    renameSync(temporary, path);
    const reply = await waitFor(async () => {
      try {
        return await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hot reloaded' }] });
      } catch {
        return null;
      }
    }, { timeoutMs: 5_000, what: 'the added model on the data plane' });
    expect(reply.choices[0]?.message.content).toContain('hot reloaded');
    expect((upstream.requests.at(-1)!.body as { model: string }).model).toBe('gpt-4o');
  });
});

describe('bin/tollgate.js --config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-launcher-'));
  const path = join(dir, 'tollgate.yaml');
  let db: { url: string; drop: () => Promise<void> };
  let running: ManagedProcess | undefined;

  afterAll(async () => {
    await running?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should pass the config file to the control plane it starts', async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    const key = `sk-e2e-launcher-${randomBytes(16).toString('hex')}`;
    writeFileSync(
      path,
      `models:
  - { name: declared-mock, provider: mock, providerModel: mock-gpt, inputCostPerMillion: 1, outputCostPerMillion: 2 }
keys:
  - { alias: launcher, key: env:TG_E2E_LAUNCHER_KEY }
`,
    );
    const ports = { api: await freePort(), control: await freePort() };
    running = spawnNode(
      'tollgate',
      join(repoRoot, 'bin/tollgate.js'),
      { DATABASE_URL: db.url, TOLLGATE_PORT: String(ports.api), TOLLGATE_CONTROL_PORT: String(ports.control), TG_E2E_LAUNCHER_KEY: key },
      ['TOLLGATE_CONFIG', 'TOLLGATE_MASTER_KEY', 'TOLLGATE_DATA_PLANE_TOKEN', 'TOLLGATE_HOST', 'REDIS_URL'],
      undefined,
      ['--config', path],
    );
    await waitFor(() => {
      if (!running!.running) throw new Error(`bin/tollgate.js exited:\n${running!.text()}`);
      return running!.text().includes('Tollgate is running');
    }, { timeoutMs: 60_000, intervalMs: 100, what: 'the start banner' });
    expect(running.text()).toContain(`Config file            ${path}`);
    const client = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${ports.api}/v1`, maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'declared-mock', messages: [{ role: 'user', content: 'launched with a file' }] });
    expect(reply.choices[0]?.message.content).toContain('launched with a file');
    expect(await running.stop()).toBe(0);
    running = undefined;
  });
});

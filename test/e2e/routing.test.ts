import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startAnthropicStandIn, STAND_IN_API_KEY as ANTHROPIC_KEY, type AnthropicStandIn } from '../stand-ins/anthropic/server.js';
import { startOpenAiStandIn, STAND_IN_API_KEY as OPENAI_KEY, type OpenAiStandIn } from '../stand-ins/openai/server.js';

/**
 * Routing and resilience through real processes: a control plane holding model groups and router settings, three
 * data planes sharing Redis, and provider stand-ins with injected faults (one stand-in per deployment, so one can be
 * dead, slow or rate limited while the other is healthy). Clients are the official SDKs, without their own retries:
 * what they see is what the gateway did.
 */
describe('routing across deployments, retries, fallbacks and cooldowns', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dps: DataPlaneProcess[];
  let api: ReturnType<typeof admin>;
  let key: string;
  /** Two OpenAI deployments of `gpt`, `east` and `west`; a third serving `gpt-big` (fallbacks land there). */
  let east: OpenAiStandIn;
  let west: OpenAiStandIn;
  let big: OpenAiStandIn;
  let claude: AnthropicStandIn;
  const ids: Record<string, string> = {};

  const openai = (i = 0) => new OpenAI({ apiKey: key, baseURL: `${dps[i]!.baseUrl}/v1`, maxRetries: 0 });

  async function createModel(label: string, input: Record<string, unknown>): Promise<void> {
    const created = await api.call<{ createModel: { id: string } }>('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: { inputCostPerMillion: 1, outputCostPerMillion: 2, ...input },
    });
    ids[label] = created.createModel.id;
  }

  /** Sets the router settings each test needs; every other setting back to its default (null), so tests stand alone. */
  async function routerSettings(input: Record<string, unknown>): Promise<void> {
    const fields = ['strategy', 'groupStrategies', 'numRetries', 'retryPolicy', 'backoffMs', 'maxBackoffMs', 'maxRetryAfterMs', 'fallbacks', 'contextWindowFallbacks', 'contentPolicyFallbacks', 'allowedFails', 'allowedFailsPolicy', 'failureWindowMs', 'cooldownMs'];
    const defaults = Object.fromEntries(fields.map((field) => [field, null]));
    await api.call('mutation($i: RouterSettingsInput!) { updateRouterSettings(input: $i) { strategy } }', { i: { ...defaults, ...input } });
    await caughtUp();
  }

  async function caughtUp(): Promise<void> {
    const version = await api.configVersion();
    await Promise.all(dps.map((dp) => waitFor(async () => (await dp.configVersion()) >= version, { what: 'the config on every data plane' })));
  }

  /** How many inference requests each stand-in received since the last `reset()`. */
  const received = () => ({ east: east.inferenceRequests().length, west: west.inferenceRequests().length, big: big.inferenceRequests().length });

  beforeAll(async () => {
    [east, west, big, claude] = await Promise.all([startOpenAiStandIn(), startOpenAiStandIn(), startOpenAiStandIn(), startAnthropicStandIn()]);
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    api = admin(cp.graphqlUrl, cp.masterKey);
    const openaiModel = (apiBase: string) => ({ provider: 'openai', providerModel: 'gpt-4o-mini', apiBase, apiKeyRef: 'env:TG_TEST_OPENAI_KEY' });
    await createModel('east', { name: 'gpt', ...openaiModel(east.url), weight: 1 });
    await createModel('west', { name: 'gpt', ...openaiModel(west.url), weight: 3 });
    await createModel('big', { name: 'gpt-big', ...openaiModel(big.url) });
    // `tight`: both stand-ins, a short timeout, east cheaper (lowest_cost picks it first while it is healthy).
    await createModel('tight-east', { name: 'tight', ...openaiModel(east.url), timeoutMs: 500, inputCostPerMillion: 0.1, outputCostPerMillion: 0.2 });
    await createModel('tight-west', { name: 'tight', ...openaiModel(west.url), timeoutMs: 500 });
    // `quick`: east and west again, for lowest latency alone (no figures from the other tests' traffic on `gpt`).
    await createModel('quick-east', { name: 'quick', ...openaiModel(east.url) });
    await createModel('quick-west', { name: 'quick', ...openaiModel(west.url) });
    await createModel('claude', { name: 'claude-small', provider: 'anthropic', providerModel: 'claude-3-5-haiku-latest', apiBase: claude.url, apiKeyRef: 'env:TG_TEST_ANTHROPIC_KEY' });
    const created = await api.call<{ createKey: { key: string } }>('mutation($input: CreateKeyInput!) { createKey(input: $input) { key } }', { input: { alias: 'routing' } });
    key = created.createKey.key;
    const env = { TG_TEST_OPENAI_KEY: OPENAI_KEY, TG_TEST_ANTHROPIC_KEY: ANTHROPIC_KEY, REDIS_URL: 'redis://127.0.0.1:6379' };
    dps = await Promise.all([0, 1, 2].map(() => startDataPlaneProcess({ controlPlane: cp, env })));
    await caughtUp();
  });

  afterAll(async () => {
    await Promise.all((dps ?? []).map((dp) => dp.process.stop()));
    await cp?.process.stop();
    await db?.drop();
    await Promise.all([east, west, big].map((s) => s?.close()));
    await claude?.close();
  });

  beforeEach(() => {
    for (const s of [east, west, big]) {
      s.clearFaults();
      s.requests.length = 0;
    }
    claude.clearFaults();
    claude.requests.length = 0;
  });

  const ask = (i: number, model = 'gpt') =>
    openai(i % dps.length).chat.completions.create({ model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 5 }).withResponse();

  async function many(n: number, concurrency: number, send: (i: number) => Promise<unknown>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) await send(next++);
    }));
  }

  it('spreads requests by weight (1:3) within ±5% over 2,000 requests, on every data plane', async () => {
    await routerSettings({ strategy: 'weighted', numRetries: 2, allowedFails: 3, cooldownMs: 5_000 });
    await many(2_000, 16, async (i) => {
      const { response } = await ask(i);
      expect(response.headers.get('x-tollgate-deployment')).toMatch(new RegExp(`^(${ids.east}|${ids.west})$`));
    });
    const { east: e, west: w } = received();
    expect(e + w).toBe(2_000);
    expect(Math.abs(e / 2_000 - 0.25)).toBeLessThan(0.05);
  });

  it("retries a 429 on the same deployment after the provider's retry-after", async () => {
    await routerSettings({ strategy: 'weighted', numRetries: 1, allowedFails: 5, maxRetryAfterMs: 5_000 });
    const only = 'gpt-big';
    big.inject({ fault: { kind: 'http', status: 429, retryAfter: '1' }, times: 1 });
    const { response } = await ask(0, only);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-attempts')).toBe('2');
    const [first, second] = big.inferenceRequests();
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('least busy: concurrent requests spread evenly over deployments in flight', async () => {
    await routerSettings({ strategy: 'weighted', groupStrategies: { gpt: 'least_busy' } });
    east.inject({ latencyMs: 300 });
    west.inject({ latencyMs: 300 });
    await Promise.all(Array.from({ length: 10 }, () => ask(0)));
    expect(received()).toMatchObject({ east: 5, west: 5 });
  });

  it('lowest latency: once both are measured, traffic goes to the faster deployment', async () => {
    await routerSettings({ strategy: 'weighted', groupStrategies: { quick: 'lowest_latency' } });
    east.inject({ latencyMs: 150 });
    // Warm-up measures both (a never-measured deployment goes first) on each data plane or through Redis.
    for (let i = 0; i < 6; i++) await ask(i % 3, 'quick');
    for (const s of [east, west]) s.requests.length = 0;
    for (let i = 0; i < 30; i++) await ask(i % 3, 'quick');
    expect(received().west).toBeGreaterThanOrEqual(28);
  });

  it('retries a deployment that timed out on another one', async () => {
    await routerSettings({ groupStrategies: { tight: 'lowest_cost' }, allowedFails: 100 });
    east.inject({ fault: { kind: 'hang' }, times: 1 });
    const started = Date.now();
    const { data, response } = await ask(0, 'tight');
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(response.headers.get('x-tollgate-deployment')).toBe(ids['tight-west']);
    expect(response.headers.get('x-tollgate-attempts')).toBe('2');
    expect(data.choices[0]!.message.content).toContain('ping');
  });

  it('a stream whose connection drops before its first byte is retried transparently; one that dies after chunks ends in an error event, not retried', async () => {
    await routerSettings({ groupStrategies: { tight: 'lowest_cost' }, allowedFails: 100 });
    const stream = (content: string) => openai(1).chat.completions.create({ model: 'tight', stream: true, messages: [{ role: 'user', content }] });
    east.inject({ fault: { kind: 'drop', afterChunks: 0 }, times: 1 });
    let text = '';
    for await (const chunk of await stream('one two three four')) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('one two three four');
    expect(received()).toMatchObject({ east: 1, west: 1 });

    east.inject({ fault: { kind: 'drop', afterChunks: 2 }, times: 1 });
    const deltas: string[] = [];
    const failure = await (async () => {
      for await (const chunk of await stream('five six seven eight')) deltas.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(deltas.join('')).not.toContain('seven eight');
    expect(received()).toMatchObject({ east: 2, west: 1 });
  });

  it('general fallbacks: a model whose every deployment fails answers from its fallback, streamed, unnoticed', async () => {
    await routerSettings({ strategy: 'weighted', numRetries: 1, allowedFails: 100, fallbacks: { gpt: ['gpt-big'] } });
    east.inject({ fault: { kind: 'http', status: 503 } });
    west.inject({ fault: { kind: 'http', status: 503 } });
    const stream = await openai(1).chat.completions.create({ model: 'gpt', stream: true, messages: [{ role: 'user', content: 'fall back please' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('fall back please');
    expect(received()).toEqual({ east: 1, west: 1, big: 1 });
  });

  it('context-window fallback: Claude Code against a small Claude model lands on a larger GPT when the provider says the prompt is too long', async () => {
    await routerSettings({ strategy: 'weighted', contextWindowFallbacks: { 'claude-small': ['gpt-big'] } });
    claude.inject({ fault: { kind: 'http', status: 400, code: 'context_length_exceeded' } });
    const client = new Anthropic({ apiKey: key, baseURL: dps[0]!.baseUrl, maxRetries: 0 });
    const message = await client.messages.create({ model: 'claude-small', max_tokens: 50, messages: [{ role: 'user', content: 'a long prompt' }] });
    expect(message.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('a long prompt') });
    expect(claude.inferenceRequests()).toHaveLength(1);
    expect(received().big).toBe(1);
  });

  it('content-policy fallback: a request the provider refuses goes to the content-policy fallback', async () => {
    await routerSettings({ strategy: 'weighted', contentPolicyFallbacks: { 'gpt-big': ['gpt'] } });
    big.inject({ fault: { kind: 'http', status: 400, code: 'content_policy_violation', message: 'Your request was rejected as a result of our safety system.' } });
    const { response } = await ask(0, 'gpt-big');
    expect(response.status).toBe(200);
    expect([ids.east, ids.west]).toContain(response.headers.get('x-tollgate-deployment'));
  });

  it('without fallbacks, the client gets the last failure in its own format, after the retries', async () => {
    await routerSettings({ strategy: 'weighted', numRetries: 2, allowedFails: 100, fallbacks: {} });
    big.inject({ fault: { kind: 'http', status: 500, message: 'The server had an error.' } });
    const error = await ask(0, 'gpt-big').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toMatch(/3 attempts on 'gpt-big'/);
    expect(received().big).toBe(3);
  });

  it('moves traffic off a dead deployment with no client-visible errors, and three data planes agree on its cooldown', async () => {
    await routerSettings({ strategy: 'weighted', numRetries: 2, allowedFails: 3, cooldownMs: 60_000, failureWindowMs: 60_000 });
    east.inject({ fault: { kind: 'http', status: 500, message: 'The server had an error while processing your request.' } });
    // Failures on two data planes add up to the threshold in Redis (earlier tests' failures of east may count too:
    // the window is shared): the third data plane, which saw none, hears of the cooldown and stops sending.
    const coolingOnThird = async () =>
      (await (await fetch(`${dps[2]!.baseUrl}/metrics`)).text()).includes(`tollgate_deployment_cooling_down{deployment="${ids.east}",model="gpt"} 1`);
    const statuses: number[] = [];
    for (let i = 0; i < 200 && !(await coolingOnThird()); i++) {
      const { response } = await ask(i % 2);
      statuses.push(response.status);
    }
    expect(await coolingOnThird()).toBe(true);
    expect(received().east).toBeGreaterThan(0);
    expect(received().east).toBeLessThanOrEqual(3);
    const seenByEast = received().east;
    for (let i = 0; i < 60; i++) {
      const { data, response } = await ask(2);
      statuses.push(response.status);
      expect(response.headers.get('x-tollgate-deployment')).toBe(ids.west);
      expect(data.choices[0]!.message.content).toContain('ping');
    }
    expect(received().east).toBe(seenByEast);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

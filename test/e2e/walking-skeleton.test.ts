import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, type CreatedKey } from '../src/admin.js';
import { collect, wsClient } from '../src/graphql.js';
import { createDatabase } from '../src/postgres.js';
import {
  startControlPlaneProcess,
  startDataPlaneProcess,
  type ControlPlaneProcess,
  type DataPlaneProcess,
} from '../src/processes.js';
import { waitFor } from '../src/wait.js';

// The whole loop on real parts: a key created over GraphQL reaches the data plane over graphql-ws, the official
// OpenAI SDK chats through the data plane, and the spend comes back to PostgreSQL and to a live subscription.
describe('walking skeleton: control plane + data plane + PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;
  let team: { id: string; name: string };
  let key: CreatedKey;
  let client: OpenAI;
  const spend = { dispose: () => undefined as void, items: [] as Array<{ spendUpdated: { totalSpend: number; totalRequests: number; batchRequests: number } }> };
  let ws: ReturnType<typeof wsClient>;

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    dp = await startDataPlaneProcess({ controlPlane: cp });
    api = admin(cp.graphqlUrl, cp.masterKey);
    ws = wsClient(cp.wsUrl, cp.masterKey);
    const sub = collect<(typeof spend.items)[number]>(ws, 'subscription { spendUpdated { totalSpend totalRequests batchRequests } }');
    spend.items = sub.items;
    spend.dispose = sub.dispose;

    team = await api.createTeam('platform');
    key = await api.createKey({ teamId: team.id, alias: 'e2e' });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { timeoutMs: 5_000, what: `data plane config v${version}` });
    client = new OpenAI({ apiKey: key.key, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    spend.dispose();
    await ws?.dispose();
    const dpCode = await dp?.process.stop();
    const cpCode = await cp?.process.stop();
    await db?.drop();
    // Both processes shut down cleanly on SIGTERM.
    expect(dpCode).toBe(0);
    expect(cpCode).toBe(0);
  });

  it('creates a key whose plaintext is returned once and never listed', async () => {
    expect(key.key).toMatch(/^sk-tg-[A-Za-z0-9_-]{40,}$/);
    expect(key.key.startsWith(key.virtualKey.prefix)).toBe(true);
    const listed = JSON.stringify(await api.call('{ keys { id prefix alias teamId } }'));
    expect(listed).toContain(key.virtualKey.id);
    expect(listed).not.toContain(key.key);
  });

  it('answers a plain chat completion through the official OpenAI SDK', async () => {
    const completion = await client.chat.completions.create({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'hello gateway' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('mock-gpt');
    expect(completion.choices[0]?.message.role).toBe('assistant');
    expect(completion.choices[0]?.message.content).toContain('hello gateway');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  });

  it('streams a chat completion chunk by chunk, with usage and [DONE]', async () => {
    const plain = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'stream me' }] });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
    expect(chunks[0]!.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    // The stream carries exactly the text the plain call returns, in order.
    expect(text).toBe(plain.choices[0]?.message.content);
    const finishes = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
    expect(finishes).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);
    expect(last.usage?.prompt_tokens).toBe(plain.usage?.prompt_tokens);
  });

  it('ends the raw SSE stream with data: [DONE]', async () => {
    const res = await fetch(`${dp.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', stream: true, messages: [{ role: 'user', content: 'raw' }] }),
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    const events = body.split('\n\n').filter((e) => e.trim());
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
  });

  it('writes every request to the spend log with tokens and cost, and the key spend moves', async () => {
    const rows = await waitFor(async () => {
      const logs = await api.spendLogs(key.virtualKey.id);
      return logs.filter((l) => l.status === 'success').length >= 4 ? logs : null;
    }, { timeoutMs: 5_000, what: 'spend log rows' });
    for (const row of rows.filter((r) => r.status === 'success')) {
      expect(row.keyId).toBe(key.virtualKey.id);
      expect(row.teamId).toBe(team.id);
      expect(row.model).toBe('mock-gpt');
      expect(row.httpStatus).toBe(200);
      expect(row.promptTokens).toBeGreaterThan(0);
      expect(row.completionTokens).toBeGreaterThan(0);
      // mock-gpt is priced at $1 / $2 per million input / output tokens.
      expect(row.cost).toBeCloseTo((row.promptTokens * 1 + row.completionTokens * 2) / 1e6, 12);
    }
    expect(rows.filter((r) => r.stream).length).toBeGreaterThanOrEqual(2);
    const streamed = rows.find((r) => r.stream && r.status === 'success')!;
    expect(streamed.ttftMs).not.toBeNull();

    const total = rows.reduce((sum, r) => sum + r.cost, 0);
    const { keys } = await api.call<{ keys: Array<{ id: string; spend: number }> }>('{ keys { id spend } }');
    expect(keys.find((k) => k.id === key.virtualKey.id)?.spend).toBeCloseTo(total, 10);
  });

  it('pushes live spend to a graphql-ws subscriber', async () => {
    await waitFor(() => spend.items.length > 0, { timeoutMs: 5_000, what: 'spendUpdated event' });
    const latest = spend.items.at(-1)!.spendUpdated;
    const summary = await api.spendSummary();
    expect(latest.totalRequests).toBeGreaterThan(0);
    expect(latest.totalSpend).toBeGreaterThan(0);
    expect(summary.totalSpend).toBeGreaterThanOrEqual(latest.totalSpend);
  });

  it('lists only the models the key may use', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['mock-gpt']);

    const restricted = await api.createKey({ teamId: team.id, models: ['no-such-model-yet'] });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: 'config push' });
    const res = await fetch(`${dp.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${restricted.key}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toEqual([]);
  });

  describe('errors, in OpenAI format', () => {
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${dp.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const chat = JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] });
    type ErrorBody = { error: { message: string; type: string; code: string | null } };

    it('401 for a missing key', async () => {
      const res = await post(chat, {});
      expect(res.status).toBe(401);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.message).toMatch(/api key/i);
      expect(body.error.type).toBe('invalid_request_error');
    });

    it('401 for an invalid key, through the SDK as AuthenticationError', async () => {
      const bad = new OpenAI({ apiKey: 'sk-tg-not-a-real-key', baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
      const err = await bad.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
      expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    });

    it('400 for malformed JSON', async () => {
      const res = await post('{"model": "mock-gpt", "messages": [', { authorization: `Bearer ${key.key}` });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message).toMatch(/json/i);
    });

    it('403 for a model the key may not use', async () => {
      const limited = await api.createKey({ teamId: team.id, models: ['other-model'] });
      const version = await api.configVersion();
      await waitFor(async () => (await dp.configVersion()) >= version, { what: 'config push' });
      const sdk = new OpenAI({ apiKey: limited.key, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
      const err = await sdk.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((err as Error).message).toContain('mock-gpt');
    });

    it('404 for an unknown model', async () => {
      const err = await client.chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    });

    it('413 for a body over the cap', async () => {
      // Over the default cap of 32 MiB (TOLLGATE_MAX_BODY_BYTES).
      const huge = JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] });
      const res = await post(huge, { authorization: `Bearer ${key.key}` });
      expect(res.status).toBe(413);
      expect(((await res.json()) as ErrorBody).error.type).toBe('invalid_request_error');
    });

    it('records refused requests of a known key in the spend log as errors', async () => {
      const rows = await waitFor(async () => {
        const logs = await api.spendLogs(key.virtualKey.id);
        return logs.some((l) => l.httpStatus === 404) ? logs : null;
      }, { timeoutMs: 5_000, what: 'error usage event' });
      const notFound = rows.find((l) => l.httpStatus === 404)!;
      expect(notFound.status).toBe('error');
      expect(notFound.cost).toBe(0);
    });
  });
});

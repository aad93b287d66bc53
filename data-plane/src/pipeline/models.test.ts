import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { key, KEYS, model, snapshotOf } from '../test-support/fixtures.js';

describe('GET /v1/models', () => {
  let t: TestDataPlane;

  beforeAll(async () => {
    t = await startTestDataPlane();
  });
  afterAll(() => t.close());

  const list = async (key: string, path = '/v1/models') => {
    const res = await fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { object: string; data: Array<{ id: string; object: string; created: number; owned_by: string }> };
  };

  it('lists every model for a key whose team allows all, in the OpenAI list shape', async () => {
    const body = await list(KEYS.full);
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(['mock-gpt', 'other-model', 'openai-model']);
    expect(body.data[0]).toEqual({ id: 'mock-gpt', object: 'model', created: 1735689600, owned_by: 'tollgate' });
  });

  it("lists only the key's own models, or its team's when it has none", async () => {
    expect((await list(KEYS.mockOnly)).data.map((m) => m.id)).toEqual(['mock-gpt']);
    expect((await list(KEYS.restrictedTeam, '/models')).data.map((m) => m.id)).toEqual(['other-model']);
  });

  it('lists them at a trailing slash too (a base URL written with one)', async () => {
    expect((await list(KEYS.mockOnly, '/v1/models/')).data.map((m) => m.id)).toEqual(['mock-gpt']);
    expect((await list(KEYS.mockOnly, '/models/')).data.map((m) => m.id)).toEqual(['mock-gpt']);
  });

  it('works through the SDK, including retrieving one model', async () => {
    const sdk = new OpenAI({ apiKey: KEYS.mockOnly, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    const page = await sdk.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['mock-gpt']);
    expect((await sdk.models.retrieve('mock-gpt')).id).toBe('mock-gpt');
    await expect(sdk.models.retrieve('other-model')).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(sdk.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('requires a valid key and emits no usage event', async () => {
    expect((await fetch(`${t.baseUrl}/v1/models`)).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/v1/models`, { headers: { authorization: 'Bearer sk-tg-nobody' } })).status).toBe(401);
    const res = await fetch(`${t.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${KEYS.full}` } });
    await res.text();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(t.cp.received.some((e) => e.requestId === res.headers.get('x-request-id'))).toBe(false);
  });

  describe("in Anthropic's shape, for clients that send anthropic-version", () => {
    const anthropic = (key: string) => new Anthropic({ apiKey: key, baseURL: t.baseUrl, maxRetries: 0 });

    it("answers Claude Code's model discovery (GET /v1/models?limit=1000, bearer token) with Anthropic's list", async () => {
      const res = await fetch(`${t.baseUrl}/v1/models?limit=1000`, { headers: { authorization: `Bearer ${KEYS.full}`, 'anthropic-version': '2023-06-01' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        data: ['mock-gpt', 'other-model', 'openai-model'].map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00.000Z' })),
        has_more: false,
        first_id: 'mock-gpt',
        last_id: 'openai-model',
      });
    });

    it('pages as Anthropic does: limit (default 20), after_id, before_id; the SDK walks every page', async () => {
      const sdk = anthropic(KEYS.full);
      const first = await sdk.models.list({ limit: 2 });
      expect(first.data.map((m) => m.id)).toEqual(['mock-gpt', 'other-model']);
      expect(first.has_more).toBe(true);
      const all: string[] = [];
      for await (const m of sdk.models.list({ limit: 1 })) all.push(m.id);
      expect(all).toEqual(['mock-gpt', 'other-model', 'openai-model']);
      const before = await sdk.models.list({ before_id: 'openai-model', limit: 1 });
      expect(before.data.map((m) => m.id)).toEqual(['other-model']);
      expect(before.has_more).toBe(true);
      const bad = await fetch(`${t.baseUrl}/v1/models?limit=0`, { headers: { 'x-api-key': KEYS.full, 'anthropic-version': '2023-06-01' } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining("'limit'") } });
    });

    it('retrieves one model, and answers errors in Anthropic\'s shape with its request-id header', async () => {
      const sdk = anthropic(KEYS.mockOnly);
      expect(await sdk.models.retrieve('mock-gpt')).toEqual({ type: 'model', id: 'mock-gpt', display_name: 'mock-gpt', created_at: '2025-01-01T00:00:00.000Z' });
      await expect(sdk.models.retrieve('other-model')).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
      const missing = await sdk.models.retrieve('nope').catch((err: unknown) => err);
      expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
      expect((missing as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
      expect((missing as InstanceType<typeof Anthropic.NotFoundError>).requestID).toMatch(/.+/);
      await expect(anthropic('sk-tg-nobody').models.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    });
  });
});

describe('when each model was made', () => {
  let t: TestDataPlane;
  const KEY = 'sk-tg-models-created-000000000000000000000000';

  beforeAll(async () => {
    t = await startTestDataPlane({
      snapshot: snapshotOf({
        models: [
          model({ id: 'm-old', name: 'old-model', createdAt: '2026-01-02T03:04:05.000Z' }),
          model({ id: 'm-new', name: 'new-model', createdAt: '2026-11-20T00:00:00.000Z' }),
        ],
        keys: [key(KEY, { id: 'k-created' })],
      }),
    });
  });
  afterAll(() => t.close());

  it("shows each model's own creation time, not the config's, to OpenAI and Anthropic clients", async () => {
    const openai = new OpenAI({ apiKey: KEY, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    expect((await openai.models.list()).data.map((m) => [m.id, m.created])).toEqual([
      ['old-model', Date.UTC(2026, 0, 2, 3, 4, 5) / 1000],
      ['new-model', Date.UTC(2026, 10, 20) / 1000],
    ]);
    expect((await openai.models.retrieve('new-model')).created).toBe(Date.UTC(2026, 10, 20) / 1000);
    const anthropic = new Anthropic({ apiKey: KEY, baseURL: t.baseUrl, maxRetries: 0 });
    expect((await anthropic.models.retrieve('old-model')).created_at).toBe('2026-01-02T03:04:05.000Z');
  });
});

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { KEYS } from '../test-support/fixtures.js';

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
});

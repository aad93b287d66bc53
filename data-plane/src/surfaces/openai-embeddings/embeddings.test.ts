import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineProvider } from '../../providers/define-provider.js';
import { mockEmbedding } from '../../providers/mock/embed.js';
import { mockProvider } from '../../providers/mock/index.js';
import { ProviderRegistry } from '../../providers/registry.js';
import type { EmbeddingRequest, ProviderError } from '../../providers/types.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { ManualConfigSource } from '../../test-support/manual-config-source.js';
import { postChat } from '../../test-support/sse.js';
import { waitFor } from '../../test-support/wait.js';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
type Embeddings = { object: string; data: Array<{ object: string; index: number; embedding: number[] | string }>; model: string; usage: unknown };

const MAX_BODY = 64 * 1024;
const post = (t: TestDataPlane, body: unknown, key: string | null = KEYS.full, path = '/v1/embeddings') => postChat(t.baseUrl, key, body, path);

/** A chat-only provider: no `embed` capability. */
const chatOnly = defineProvider<null>({ kind: 'openai', translateRequest: () => null, call: async function* () {} });

/** What the scripted provider was last asked to embed. */
let lastEmbedding: EmbeddingRequest | undefined;

/** An embeddings provider doing what its first input says: fail, crash, miscount, dawdle, or answer without usage. */
const scripted = defineProvider<null>({
  kind: 'openai_compatible',
  translateRequest: () => null,
  call: async function* () {},
  async embed(req: EmbeddingRequest, call) {
    switch (req.input[0]) {
      case 'rate-limited': {
        const error: ProviderError = { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'compat: slow down', retryAfterSeconds: 3 };
        throw error;
      }
      case 'crash':
        throw new Error('boom');
      case 'short':
        return { vectors: [], inputTokens: 1 };
      case 'slow':
        await sleep(2_000, undefined, { signal: call.signal });
        return { vectors: [[1]], inputTokens: 1 };
      default:
        lastEmbedding = req;
        return { vectors: req.input.map(() => [0.25, -0.5]), inputTokens: undefined };
    }
  },
});

async function expectError(res: Response, status: number, code: string, param: string | null = null): Promise<ErrorBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  const body = (await res.json()) as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error).toMatchObject({ code, param });
  expect(body.error.type).toBe(status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

describe('POST /v1/embeddings on the real uWS server', () => {
  let t: TestDataPlane;
  let client: OpenAI;

  beforeAll(async () => {
    const snapshot = fixtureSnapshot();
    snapshot.models.push(
      model({ id: 'm4', name: 'compat-embed', provider: 'openai_compatible', inputCostPerMillion: 100 }),
      model({ id: 'm5', name: 'anthropic-model', provider: 'anthropic' }),
    );
    t = await startTestDataPlane({ snapshot, maxBodyBytes: MAX_BODY, providers: new ProviderRegistry([mockProvider(), chatOnly, scripted]) });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(() => t.close());

  const usageOf = (res: Response) => waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');

  describe('answers', () => {
    it('returns an exact list of float embeddings, one per input in order, with usage', async () => {
      const res = await post(t, { model: 'mock-gpt', input: ['first text', 'second'], encoding_format: 'float' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({
        object: 'list',
        data: [
          { object: 'embedding', index: 0, embedding: mockEmbedding('first text', 8) },
          { object: 'embedding', index: 1, embedding: mockEmbedding('second', 8) },
        ],
        model: 'mock-gpt',
        // ceil(10/4) + ceil(6/4)
        usage: { prompt_tokens: 3 + 2, total_tokens: 5 },
      });
    });

    it('encodes base64 as little-endian float32 bytes of the same vectors', async () => {
      const res = await post(t, { model: 'mock-gpt', input: 'bytes', encoding_format: 'base64' }, KEYS.full, '/embeddings');
      const body = (await res.json()) as Embeddings;
      const bytes = Buffer.from(body.data[0]!.embedding as string, 'base64');
      expect(bytes).toHaveLength(8 * 4);
      expect(Array.from({ length: 8 }, (_, i) => bytes.readFloatLE(i * 4))).toEqual(mockEmbedding('bytes', 8));
    });

    it('round-trips exactly through the official SDK, which asks for base64 by default and decodes it', async () => {
      const input = ['The quick brown fox', 'jumped over the lazy dog'];
      const floats = await client.embeddings.create({ model: 'mock-gpt', input, encoding_format: 'float' });
      const decoded = await client.embeddings.create({ model: 'mock-gpt', input });
      expect(decoded.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => d.embedding));
      expect(decoded.data.map((d) => d.embedding)).toEqual(input.map((text) => mockEmbedding(text, 8)));
      expect(decoded).toMatchObject({ object: 'list', model: 'mock-gpt', usage: floats.usage });
      for (const { embedding } of decoded.data) expect(Math.hypot(...embedding)).toBeCloseTo(1, 6);
    });

    it('honours dimensions, also without the /v1 prefix', async () => {
      const bare = new OpenAI({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
      const result = await bare.embeddings.create({ model: 'mock-gpt', input: 'short vector', dimensions: 3 });
      expect(result.data[0]!.embedding).toEqual(mockEmbedding('short vector', 3));
    });

    it('estimates input tokens locally when the provider reports none', async () => {
      const res = await post(t, { model: 'compat-embed', input: ['abcdefgh', 'abc'] });
      // Counted with the tokenizer: one token each.
      expect(((await res.json()) as Embeddings).usage).toEqual({ prompt_tokens: 1 + 1, total_tokens: 2 });
      expect(await usageOf(res)).toMatchObject({ provider: 'openai_compatible', promptTokens: 2, completionTokens: 0, estimated: true });
    });
  });

  // LangChain's OpenAIEmbeddings sends token ids by default (it splits long texts with tiktoken): they go to the
  // provider as sent, one vector per array, and count one token each where the provider reports no usage.
  it("passes the request's fields the gateway does not read to the provider, not its metadata", async () => {
    const res = await post(t, { model: 'compat-embed', input: 'a query', input_type: 'query', truncate: 'END', metadata: { tags: ['rag'] } });
    expect(res.status).toBe(200);
    expect(lastEmbedding).toEqual({ input: ['a query'], extra: { input_type: 'query', truncate: 'END' } });
  });

  it('embeds token ids, passed to the provider as sent', async () => {
    const res = await post(t, { model: 'compat-embed', input: [[9906, 1917], [15339]] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Embeddings;
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    expect(body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const sdk = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    expect((await sdk.embeddings.create({ model: 'mock-gpt', input: [9906, 1917] })).data).toHaveLength(1);
  });

  describe('usage events', () => {
    it('records exactly one event with prompt tokens, no output tokens, their cost and the end user', async () => {
      const res = await post(t, { model: 'mock-gpt', input: 'twelve chars', user: 'end-user-3' });
      await res.text();
      const event = await usageOf(res);
      expect(event).toMatchObject({
        keyId: 'k-full', teamId: 't1', model: 'mock-gpt', modelId: 'm1', provider: 'mock', route: '/v1/embeddings', stream: false,
        status: 'success', httpStatus: 200, errorType: null, promptTokens: 3, completionTokens: 0, totalTokens: 3,
        endUser: 'end-user-3', ttftMs: null, dataPlaneId: 'dp-test',
      });
      expect(event.cost).toBe('0.000003000000');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(t.cp.received.filter((e) => e.requestId === event.requestId)).toHaveLength(1);
    });

    it('records a client that leaves while the provider works as aborted, once', async () => {
      // No response comes before the provider answers, so the request is found by its usage event afterwards.
      await new Promise<void>((resolve, reject) => {
        const req = request(`${t.baseUrl}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' } });
        req.on('error', (err) => { if (!req.destroyed) reject(err); });
        req.end(JSON.stringify({ model: 'compat-embed', input: 'slow' }));
        setTimeout(() => { req.destroy(); resolve(); }, 100);
      });
      const event = await waitFor(() => t.cp.received.find((e) => e.model === 'compat-embed' && e.status === 'aborted'), 'aborted usage event');
      expect(event).toMatchObject({ httpStatus: 499, errorType: 'client_disconnected', promptTokens: 0, cost: '0.000000000000' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(t.cp.received.filter((e) => e.requestId === event.requestId)).toHaveLength(1);
      expect((await post(t, { model: 'mock-gpt', input: 'still there?' })).status).toBe(200);
    });
  });

  describe('errors, in OpenAI’s shape', () => {
    it('refuses missing, unknown and blocked keys (401), with no usage event', async () => {
      await expectError(await post(t, { model: 'mock-gpt', input: 'x' }, null), 401, 'missing_api_key');
      const unknown = await post(t, { model: 'mock-gpt', input: 'x' }, 'sk-tg-nope');
      await expectError(unknown, 401, 'invalid_api_key');
      await expectError(await post(t, { model: 'mock-gpt', input: 'x' }, KEYS.blocked), 401, 'api_key_blocked');
      const sdk = new OpenAI({ apiKey: 'sk-tg-nope', baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
      expect(await sdk.embeddings.create({ model: 'mock-gpt', input: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
      await usageOf(await post(t, { model: 'mock-gpt', input: 'x' }));
      expect(t.cp.acknowledged.has(unknown.headers.get('x-request-id')!)).toBe(false);
    });

    it.each([
      ['malformed JSON', '{"model": "mock-gpt", "input": ', 'invalid_json', null],
      ['a body that is not an object', '["x"]', 'invalid_value', null],
      ['no input', { model: 'mock-gpt' }, 'missing_required_parameter', 'input'],
      ['no model', { input: 'x' }, 'missing_required_parameter', 'model'],
      ['an empty input', { model: 'mock-gpt', input: '' }, 'invalid_value', 'input'],
      ['an empty input list', { model: 'mock-gpt', input: [] }, 'invalid_value', 'input'],
      ['a negative token id', { model: 'mock-gpt', input: [[1], [-2]] }, 'invalid_value', 'input.1'],
      ['a non-string input', { model: 'mock-gpt', input: ['a', { text: 'b' }] }, 'invalid_value', 'input.1'],
      ['an unknown encoding_format', { model: 'mock-gpt', input: 'x', encoding_format: 'int8' }, 'invalid_value', 'encoding_format'],
      ['zero dimensions', { model: 'mock-gpt', input: 'x', dimensions: 0 }, 'invalid_value', 'dimensions'],
    ])('refuses %s with a 400 and records one error event', async (_what, body, code, param) => {
      const res = await post(t, body);
      await expectError(res, 400, code, param);
      // Under the model the body names, where it names one: per-model error counts see it.
      const model = typeof body === 'object' && 'model' in body ? body.model : '';
      expect(await usageOf(res)).toMatchObject({ status: 'error', httpStatus: 400, errorType: code, promptTokens: 0, cost: '0.000000000000', model });
    });

    it('refuses a body over the size cap (413)', async () => {
      const res = await post(t, { model: 'mock-gpt', input: 'x'.repeat(MAX_BODY) });
      await expectError(res, 413, 'request_too_large');
      expect(await usageOf(res)).toMatchObject({ status: 'error', httpStatus: 413 });
    });

    it('answers an unknown model 404 and a model the key may not use 403, as the SDK’s error classes', async () => {
      const notFound = await post(t, { model: 'no-such-model', input: 'x' });
      await expectError(notFound, 404, 'model_not_found', 'model');
      expect(await usageOf(notFound)).toMatchObject({ status: 'error', httpStatus: 404, model: 'no-such-model', modelId: null });
      await expectError(await post(t, { model: 'mock-gpt', input: 'x' }, KEYS.restrictedTeam), 403, 'model_not_allowed', 'model');
      const restricted = new OpenAI({ apiKey: KEYS.restrictedTeam, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
      expect(await restricted.embeddings.create({ model: 'mock-gpt', input: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(await client.embeddings.create({ model: 'no-such-model', input: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
    });

    it('answers 400 embeddings_not_supported, naming the provider, when it cannot embed', async () => {
      const res = await post(t, { model: 'openai-model', input: 'x' });
      const body = await expectError(res, 400, 'embeddings_not_supported', 'model');
      expect(body.error.message).toContain("provider 'openai'");
      expect(await usageOf(res)).toMatchObject({ status: 'error', httpStatus: 400, errorType: 'embeddings_not_supported', provider: 'openai', cost: '0.000000000000' });
    });

    it('answers 501 for a provider this data plane does not have', async () => {
      await expectError(await post(t, { model: 'anthropic-model', input: 'x' }), 501, 'provider_not_supported');
    });

    it('passes provider failures on with their status, and refuses a wrong number of vectors', async () => {
      const limited = await post(t, { model: 'compat-embed', input: 'rate-limited' });
      expect(limited.headers.get('retry-after')).toBe('3');
      await expectError(limited, 429, 'rate_limit_exceeded');
      expect(await usageOf(limited)).toMatchObject({ status: 'error', httpStatus: 429, promptTokens: 0 });
      const crashed = await expectError(await post(t, { model: 'compat-embed', input: 'crash' }), 502, 'upstream_error');
      expect(crashed.error.message).toBe('openai_compatible: boom');
      await expectError(await post(t, { model: 'compat-embed', input: ['short', 'b'] }), 502, 'upstream_error');
      await expectError(await post(t, { model: 'mock-gpt', input: 'x', dimensions: 1_000_000 }), 400, 'invalid_value');
    });
  });
});

describe('POST /v1/embeddings before the first config', () => {
  it('answers 503 config_not_loaded in OpenAI’s shape', async () => {
    const t = await startTestDataPlane({ configSource: new ManualConfigSource() });
    try {
      await expectError(await post(t, { model: 'mock-gpt', input: 'x' }), 503, 'config_not_loaded');
    } finally {
      await t.close();
    }
  });
});

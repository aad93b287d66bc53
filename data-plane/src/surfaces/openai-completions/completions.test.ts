import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineProvider } from '../../providers/define-provider.js';
import { mockProvider } from '../../providers/mock/index.js';
import { MOCK_REPLY_PREFIX } from '../../providers/mock/reply.js';
import { ProviderRegistry } from '../../providers/registry.js';
import type { StreamEvent } from '../../providers/types.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { KEYS } from '../../test-support/fixtures.js';
import { postChat, sseData } from '../../test-support/sse.js';
import { waitFor } from '../../test-support/wait.js';

/** OpenAI always sends the usage breakdowns, zeros included. */
const NO_DETAILS = { prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
type Chunk = {
  id: string; object: string; created: number; model: string; usage?: unknown;
  choices: Array<{ text: string; index: number; logprobs: null; finish_reason: string | null }>;
};

const PROMPT = 'hello gateway';
// One user message: ceil(13/4) + 3.
const PROMPT_TOKENS = 4 + 3;
const REPLY = `${MOCK_REPLY_PREFIX}${PROMPT}`;
const REPLY_WORDS = REPLY.split(' ').length;

const post = (t: TestDataPlane, body: unknown, key: string | null = KEYS.full, path = '/v1/completions') => postChat(t.baseUrl, key, body, path);

/**
 * Stands in for a chat model behind the `openai-model` deployment, doing what the prompt says: think before it
 * answers, call a tool, be filtered, or fail before or after its first output.
 */
const scripted = defineProvider<string>({
  kind: 'openai',
  translateRequest: (request) => {
    const part = request.messages.at(-1)!.content[0]!;
    return part.type === 'text' ? part.text : '';
  },
  call: async function* (prompt): AsyncGenerator<StreamEvent> {
    const usage = { inputTokens: 11, outputTokens: 9, reasoningTokens: 4 };
    switch (prompt) {
      case 'think':
        yield { type: 'reasoning-delta', text: 'let me think' };
        yield { type: 'reasoning-signature', signature: 'sig' };
        yield { type: 'text-delta', text: 'Hi' };
        yield { type: 'text-delta', text: ' there' };
        yield { type: 'finish', finishReason: { unified: 'length', raw: 'max_tokens' }, usage };
        return;
      case 'tool':
        yield { type: 'text-delta', text: 'calling' };
        yield { type: 'tool-call-start', index: 0, id: 'call_1', name: 'f' };
        yield { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' };
        yield { type: 'tool-call-end', index: 0 };
        yield { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage };
        return;
      case 'filtered':
        yield { type: 'finish', finishReason: { unified: 'content-filter', raw: 'content_filter' }, usage };
        return;
      case 'early':
        yield { type: 'error', error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'slow down', retryAfterSeconds: 7 } };
        return;
      case 'think-then-fail':
        yield { type: 'reasoning-delta', text: 'hmm' };
        yield { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: 'upstream said no' } };
        return;
      default:
        yield { type: 'text-delta', text: 'Hello' };
        yield { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: 'upstream said no' } };
    }
  },
});

async function expectError(res: Response, status: number, code: string, param: string | null = null): Promise<ErrorBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  const body = (await res.json()) as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error).toMatchObject({ type: status >= 500 ? 'api_error' : body.error.type, code, param });
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

describe('POST /v1/completions on the real uWS server', () => {
  let t: TestDataPlane;
  let client: OpenAI;

  beforeAll(async () => {
    t = await startTestDataPlane({ providers: new ProviderRegistry([mockProvider(), scripted]) });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(() => t.close());

  const usageOf = (res: Response) => waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');

  describe('non-streamed', () => {
    it('answers with an exact text_completion object: a chat model answers the prompt as one user message', async () => {
      const res = await post(t, { model: 'mock-gpt', prompt: PROMPT });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const requestId = res.headers.get('x-request-id')!;
      expect(await res.json()).toEqual({
        id: `cmpl-${requestId.replaceAll('-', '')}`,
        object: 'text_completion',
        created: expect.any(Number),
        model: 'mock-gpt',
        choices: [{ text: REPLY, index: 0, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: REPLY_WORDS, total_tokens: PROMPT_TOKENS + REPLY_WORDS, ...NO_DETAILS },
      });
    });

    it('works through the official OpenAI SDK, with and without the /v1 prefix, and with a one-string prompt array', async () => {
      const completion = await client.completions.create({ model: 'mock-gpt', prompt: 'sdk', max_tokens: 50, temperature: 0 });
      expect(completion.object).toBe('text_completion');
      expect(completion.choices).toEqual([{ text: `${MOCK_REPLY_PREFIX}sdk`, index: 0, logprobs: null, finish_reason: 'stop' }]);
      const bare = new OpenAI({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
      const again = await bare.completions.create({ model: 'mock-gpt', prompt: ['sdk'] });
      expect(again.choices[0]?.text).toBe(completion.choices[0]?.text);
    });

    it('drops reasoning, maps the finish reason, and passes the reasoning token count on', async () => {
      const think = await client.completions.create({ model: 'openai-model', prompt: 'think' });
      expect(think.choices).toEqual([{ text: 'Hi there', index: 0, logprobs: null, finish_reason: 'length' }]);
      expect(think.usage).toEqual({ prompt_tokens: 11, completion_tokens: 9, total_tokens: 20, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 4 } });
      const filtered = await client.completions.create({ model: 'openai-model', prompt: 'filtered' });
      expect(filtered.choices[0]).toMatchObject({ text: '', finish_reason: 'content_filter' });
      // Not offered tools, a model that calls one anyway still ends a text completion with text and `stop`.
      const tool = await client.completions.create({ model: 'openai-model', prompt: 'tool' });
      expect(tool.choices[0]).toMatchObject({ text: 'calling', finish_reason: 'stop' });
    });
  });

  describe('streamed', () => {
    it('sends text_completion chunks with one id, the finish chunk, the usage chunk, then [DONE]', async () => {
      const res = await post(t, { model: 'mock-gpt', prompt: PROMPT, stream: true, stream_options: { include_usage: true } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const id = `cmpl-${res.headers.get('x-request-id')!.replaceAll('-', '')}`;
      const data = sseData(await res.text());
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
      for (const c of chunks) expect(c).toMatchObject({ id, object: 'text_completion', created: chunks[0]!.created, model: 'mock-gpt' });
      // opening chunk, one chunk per word, finish chunk, usage chunk
      expect(chunks).toHaveLength(1 + REPLY_WORDS + 1 + 1);
      expect(chunks[0]!.choices).toEqual([{ text: '', index: 0, logprobs: null, finish_reason: null }]);
      expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe(REPLY);
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
      expect(chunks.at(-2)!.choices).toEqual([{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }]);
      expect(chunks.at(-1)!).toMatchObject({
        choices: [],
        usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: REPLY_WORDS, total_tokens: PROMPT_TOKENS + REPLY_WORDS, ...NO_DETAILS },
      });
    });

    it('sends no usage field and no usage chunk without stream_options.include_usage', async () => {
      const data = sseData(await (await post(t, { model: 'mock-gpt', prompt: PROMPT, stream: true }, KEYS.full, '/completions')).text());
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
      expect(chunks.every((c) => !('usage' in c))).toBe(true);
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    });

    it('streams through the official OpenAI SDK to the same text and usage as the plain call', async () => {
      const plain = await client.completions.create({ model: 'mock-gpt', prompt: 'stream me' });
      const stream = await client.completions.create({ model: 'mock-gpt', prompt: 'stream me', stream: true, stream_options: { include_usage: true } });
      const chunks: OpenAI.Completions.Completion[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe(plain.choices[0]?.text);
      expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop']);
      expect(chunks.at(-1)!.usage).toEqual(plain.usage);
    });

    it('streams text only, dropping reasoning, with the mapped finish reason', async () => {
      const stream = await client.completions.create({ model: 'openai-model', prompt: 'think', stream: true });
      const chunks: OpenAI.Completions.Completion[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]!.text)).toEqual(['', 'Hi', ' there', '']);
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('length');
    });
  });

  describe('usage events', () => {
    it('records exactly one event per request with tokens, cost and the end user', async () => {
      for (const stream of [false, true]) {
        const res = await post(t, { model: 'mock-gpt', prompt: PROMPT, stream, user: 'end-user-9' });
        await res.text();
        const event = await usageOf(res);
        expect(event).toMatchObject({
          keyId: 'k-full', model: 'mock-gpt', modelId: 'm1', provider: 'mock', route: '/v1/completions', stream,
          status: 'success', httpStatus: 200, promptTokens: PROMPT_TOKENS, completionTokens: REPLY_WORDS,
          totalTokens: PROMPT_TOKENS + REPLY_WORDS, endUser: 'end-user-9',
        });
        expect(event.cost).toBe(((PROMPT_TOKENS * 1 + REPLY_WORDS * 2) / 1e6).toFixed(12));
        if (stream) expect(event.ttftMs).toBeGreaterThanOrEqual(0);
        else expect(event.ttftMs).toBeNull();
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(t.cp.received.filter((e) => e.requestId === event.requestId)).toHaveLength(1);
      }
    });
  });

  describe('errors, in OpenAI’s shape', () => {
    it('refuses missing and unknown keys (401), with no usage event', async () => {
      await expectError(await post(t, { model: 'mock-gpt', prompt: 'x' }, null), 401, 'missing_api_key');
      const unknown = await post(t, { model: 'mock-gpt', prompt: 'x' }, 'sk-tg-nope');
      await expectError(unknown, 401, 'invalid_api_key');
      const sdk = new OpenAI({ apiKey: 'sk-tg-nope', baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
      expect(await sdk.completions.create({ model: 'mock-gpt', prompt: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
      const later = await post(t, { model: 'mock-gpt', prompt: 'x' });
      await usageOf(later);
      expect(t.cp.acknowledged.has(unknown.headers.get('x-request-id')!)).toBe(false);
    });

    it.each([
      ['malformed JSON', '{"model": "mock-gpt", "prompt": ', 'invalid_json', null],
      ['no prompt', { model: 'mock-gpt' }, 'missing_required_parameter', 'prompt'],
      ['no model', { prompt: 'x' }, 'missing_required_parameter', 'model'],
      ['several prompts', { model: 'mock-gpt', prompt: ['a', 'b'] }, 'unsupported_value', 'prompt'],
      ['a token array', { model: 'mock-gpt', prompt: [1, 2, 3] }, 'unsupported_value', 'prompt'],
      ['token arrays', { model: 'mock-gpt', prompt: [[1], [2]] }, 'unsupported_value', 'prompt'],
      ['suffix', { model: 'mock-gpt', prompt: 'x', suffix: 'y' }, 'unsupported_parameter', 'suffix'],
      ['echo', { model: 'mock-gpt', prompt: 'x', echo: true }, 'unsupported_value', 'echo'],
      ['logprobs', { model: 'mock-gpt', prompt: 'x', logprobs: 1 }, 'unsupported_parameter', 'logprobs'],
      ['n > 1', { model: 'mock-gpt', prompt: 'x', n: 2 }, 'unsupported_value', 'n'],
      ['best_of > 1', { model: 'mock-gpt', prompt: 'x', best_of: 2 }, 'unsupported_value', 'best_of'],
      ['a bad max_tokens', { model: 'mock-gpt', prompt: 'x', max_tokens: -1 }, 'invalid_value', 'max_tokens'],
    ])('refuses %s with a 400 and records one error event', async (_what, body, code, param) => {
      const res = await post(t, body);
      const error = await expectError(res, 400, code, param);
      expect(error.error.type).toBe('invalid_request_error');
      expect(await usageOf(res)).toMatchObject({ status: 'error', httpStatus: 400, errorType: code, promptTokens: 0, cost: '0.000000000000' });
    });

    it('raises the SDK’s BadRequestError with the code', async () => {
      const err = await client.completions.create({ model: 'mock-gpt', prompt: 'x', echo: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('unsupported_value');
    });

    it('answers an unknown model 404 and a model the key may not use 403', async () => {
      await expectError(await post(t, { model: 'no-such-model', prompt: 'x' }), 404, 'model_not_found', 'model');
      await expectError(await post(t, { model: 'mock-gpt', prompt: 'x' }, KEYS.restrictedTeam), 403, 'model_not_allowed', 'model');
      const err = await client.completions.create({ model: 'no-such-model', prompt: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    });

    it('answers a provider failure before any output with its status, streamed or not', async () => {
      for (const stream of [false, true]) {
        const res = await post(t, { model: 'openai-model', prompt: 'early', stream });
        expect(res.headers.get('retry-after')).toBe('7');
        await expectError(res, 429, 'rate_limit_exceeded');
        expect(await usageOf(res)).toMatchObject({ status: 'error', httpStatus: 429, errorType: 'rate_limit_exceeded' });
      }
    });

    it('reports a mid-stream failure as an SSE error event, even when only reasoning came before it', async () => {
      for (const prompt of ['late', 'think-then-fail']) {
        const res = await post(t, { model: 'openai-model', prompt, stream: true });
        expect(res.status).toBe(200);
        const data = sseData(await res.text());
        expect(JSON.parse(data[0]!)).toMatchObject({ object: 'text_completion', choices: [{ text: '' }] });
        expect(JSON.parse(data.at(-1)!)).toEqual({ error: { message: 'upstream said no', type: 'api_error', param: null, code: 'upstream_error' } });
        expect(await usageOf(res)).toMatchObject({ status: 'error', httpStatus: 200, errorType: 'upstream_error' });
      }
    });
  });
});

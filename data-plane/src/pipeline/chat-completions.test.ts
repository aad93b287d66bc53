import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockProvider } from '../providers/mock/index.js';
import { MOCK_REPLY_PREFIX } from '../providers/mock/reply.js';
import { ProviderRegistry } from '../providers/registry.js';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { KEYS } from '../test-support/fixtures.js';
import { postChat, sseData } from '../test-support/sse.js';
import { waitFor } from '../test-support/wait.js';

/** OpenAI always sends the usage breakdowns, zeros included. */
const NO_DETAILS = { prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const messages = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: 'hello gateway' },
];
// ceil(8/4)+3 + ceil(13/4)+3
const PROMPT_TOKENS = 5 + 7;
const REPLY = `${MOCK_REPLY_PREFIX}hello gateway`;
const REPLY_WORDS = REPLY.split(' ').length;

describe('POST /v1/chat/completions on the real uWS server', () => {
  let t: TestDataPlane;
  let client: OpenAI;

  beforeAll(async () => {
    t = await startTestDataPlane();
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(() => t.close());

  describe('non-streamed', () => {
    it('answers with an exact chat.completion object, usage included', async () => {
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      expect(res.headers.get('x-tollgate-config-version')).toBe('1');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({
        id: `chatcmpl-${res.headers.get('x-request-id')!.replaceAll('-', '')}`,
        object: 'chat.completion',
        created: expect.any(Number),
        model: 'mock-gpt',
        choices: [{ index: 0, message: { role: 'assistant', content: REPLY, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: REPLY_WORDS, total_tokens: PROMPT_TOKENS + REPLY_WORDS, ...NO_DETAILS },
      });
    });

    it('works through the official OpenAI SDK, with and without the /v1 prefix', async () => {
      const completion = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'sdk' }] });
      expect(completion.choices[0]?.message.content).toBe(`${MOCK_REPLY_PREFIX}sdk`);
      const bare = new OpenAI({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
      const again = await bare.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'sdk' }] });
      expect(again.choices[0]?.message.content).toBe(completion.choices[0]?.message.content);
    });

    it('takes the text of array content parts', async () => {
      const res = await postChat(t.baseUrl, KEYS.full, {
        model: 'mock-gpt',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'part one' }, { type: 'text', text: 'part two' }] }],
      });
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0]?.message.content).toBe(`${MOCK_REPLY_PREFIX}part one\npart two`);
    });
  });

  describe('streamed', () => {
    it('sends role first, word deltas, finish_reason stop, the usage chunk, then [DONE]', async () => {
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages, stream: true, stream_options: { include_usage: true } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      expect(res.headers.get('x-tollgate-config-version')).toBe('1');

      const data = sseData(await res.text());
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as {
        id: string; object: string; created: number; model: string; usage: unknown;
        choices: Array<{ index: number; delta: { role?: string; content?: string }; logprobs: null; finish_reason: string | null }>;
      });
      const id = `chatcmpl-${res.headers.get('x-request-id')!.replaceAll('-', '')}`;
      for (const c of chunks) {
        expect(c).toMatchObject({ id, object: 'chat.completion.chunk', created: chunks[0]!.created, model: 'mock-gpt' });
      }
      // role chunk, one chunk per word, finish chunk, usage chunk
      expect(chunks).toHaveLength(1 + REPLY_WORDS + 1 + 1);
      expect(chunks[0]!.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
      const words = chunks.slice(1, 1 + REPLY_WORDS);
      expect(words.map((c) => c.choices[0]!.delta.content).join('')).toBe(REPLY);
      expect(words.every((c) => c.choices[0]!.finish_reason === null && c.choices[0]!.delta.role === undefined)).toBe(true);
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
      const finish = chunks.at(-2)!;
      expect(finish.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
      const usage = chunks.at(-1)!;
      expect(usage.choices).toEqual([]);
      expect(usage.usage).toEqual({ prompt_tokens: PROMPT_TOKENS, completion_tokens: REPLY_WORDS, total_tokens: PROMPT_TOKENS + REPLY_WORDS, ...NO_DETAILS });
    });

    it('sends no usage field and no usage chunk without stream_options.include_usage', async () => {
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages, stream: true }, '/chat/completions');
      const data = sseData(await res.text());
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, unknown> & { choices: Array<{ finish_reason: string | null }> });
      expect(chunks.every((c) => !('usage' in c))).toBe(true);
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    });

    it('streams through the official OpenAI SDK to the same text as the plain call', async () => {
      const plain = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'stream me' }] });
      const stream = await client.chat.completions.create({
        model: 'mock-gpt',
        messages: [{ role: 'user', content: 'stream me' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks[0]!.choices[0]?.delta.role).toBe('assistant');
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(plain.choices[0]?.message.content);
      expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop']);
      expect(chunks.at(-1)!.usage).toEqual(plain.usage);
    });

    it('delivers a long stream intact to a slow reader (backpressure)', async () => {
      const words = 50_000;
      const said = Array.from({ length: words }, (_, i) => `w${i}`).join(' ');
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', stream: true, messages: [{ role: 'user', content: said }] });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (let i = 0; ; i++) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        // Read slowly at first so the server's socket buffer fills up and uWS reports backpressure.
        if (i < 20) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const data = sseData(text);
      expect(data.at(-1)).toBe('[DONE]');
      const content = data.slice(0, -1).map((d) => (JSON.parse(d) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '').join('');
      expect(content).toBe(MOCK_REPLY_PREFIX + said);
    });
  });

  describe('usage events', () => {
    it('ships exactly one event per request with tokens, cost, ttft and the request id', async () => {
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages, stream: true, user: 'end-user-7' });
      await res.text();
      const requestId = res.headers.get('x-request-id')!;
      const event = await waitFor(() => t.cp.acknowledged.get(requestId), 'usage event');
      expect(event).toMatchObject({
        requestId,
        keyId: 'k-full',
        teamId: 't1',
        model: 'mock-gpt',
        modelId: 'm1',
        provider: 'mock',
        route: '/v1/chat/completions',
        stream: true,
        status: 'success',
        httpStatus: 200,
        errorType: null,
        promptTokens: PROMPT_TOKENS,
        completionTokens: REPLY_WORDS,
        totalTokens: PROMPT_TOKENS + REPLY_WORDS,
        endUser: 'end-user-7',
        dataPlaneId: 'dp-test',
      });
      // mock-gpt costs 1 and 2 USD per million tokens: the cost is exact, a decimal string.
      expect(event.cost).toBe(((PROMPT_TOKENS * 1 + REPLY_WORDS * 2) / 1e6).toFixed(12));
      expect(event).toMatchObject({ cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, estimated: false });
      expect(event.ttftMs).toBeGreaterThanOrEqual(0);
      expect(t.cp.received.filter((e) => e.requestId === requestId)).toHaveLength(1);
      expect(t.cp.calls.every((c) => c.authorization === 'Bearer dp-test-token')).toBe(true);
    });

    it('records ttftMs only for streamed requests', async () => {
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages });
      await res.text();
      const event = await waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');
      expect(event.stream).toBe(false);
      expect(event.ttftMs).toBeNull();
    });
  });
});

describe('client disconnect mid-stream', () => {
  let t: TestDataPlane;

  beforeAll(async () => {
    // A slow mock, so the client can leave while the answer is still streaming.
    t = await startTestDataPlane({ providers: new ProviderRegistry([mockProvider({ delayMs: 10 })]) });
  });
  afterAll(() => t.close());

  it('does not crash the server and yields one aborted usage event with partial tokens', async () => {
    const said = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
    const body = JSON.stringify({ model: 'mock-gpt', stream: true, messages: [{ role: 'user', content: said }] });
    const { requestId, received } = await new Promise<{ requestId: string; received: number }>((resolve, reject) => {
      const req = request(`${t.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.toString().split('\n\n').length - 1;
          // Leave after a few chunks: destroy the socket mid-stream.
          if (received >= 5) {
            req.destroy();
            resolve({ requestId: String(res.headers['x-request-id']), received });
          }
        });
      });
      req.on('error', (err) => { if (!req.destroyed) reject(err); });
      req.end(body);
    });

    const event = await waitFor(() => t.cp.acknowledged.get(requestId), 'aborted usage event');
    expect(event.status).toBe('aborted');
    expect(event.httpStatus).toBe(200);
    expect(event.stream).toBe(true);
    expect(event.promptTokens).toBeGreaterThan(0);
    // Some deltas were produced, far fewer than the 209 of the whole answer.
    expect(event.completionTokens).toBeGreaterThanOrEqual(received - 1);
    expect(event.completionTokens).toBeLessThan(100);
    // The stream was cut before the provider reported usage: the counts are local estimates, and billed.
    expect(event.estimated).toBe(true);
    expect(Number(event.cost)).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.cp.received.filter((e) => e.requestId === requestId)).toHaveLength(1);

    // The server is still fine.
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages: [{ role: 'user', content: 'still there?' }] });
    expect(res.status).toBe(200);
  });
});

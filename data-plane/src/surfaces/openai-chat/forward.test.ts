import { request } from 'node:http';
import { STREAM_OPENING } from '../../http/exchange.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { startRawUpstream, streamParts, type RawHandler, type RawRequest, type RawUpstream } from '../../test-support/raw-upstream.js';
import { afterOpening, postChat, sseData } from '../../test-support/sse.js';
import { waitFor } from '../../test-support/wait.js';
import { countTextTokens } from '../../providers/token-estimate.js';
import { SAMPLE_BYTES } from '../forward/output.js';
import { usageOfJson } from './forward.js';

/**
 * The same-protocol fast path (OpenAI chat in, `openai_compatible` out) against a raw HTTP upstream each test
 * scripts: exact bytes both ways, usage accounting, stream framing across reads, errors, abort and backpressure.
 */
const chunk = (delta: string, finish: string | null = null) =>
  `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":${delta},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}],"usage":null}\n\n`;
const USAGE_CHUNK = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[],"usage":{"prompt_tokens":21,"completion_tokens":3,"total_tokens":24,"prompt_tokens_details":{"cached_tokens":5}}}\n\n';
const DONE = 'data: [DONE]\n\n';
const OPENAI_KEY_ENV = 'TG_CHAT_FORWARD_TEST_KEY';
const STREAM = [chunk('{"role":"assistant","content":""}'), chunk('{"content":"a"}'), chunk('{"content":"b"}'), chunk('{"content":"c"}'), chunk('{}', 'stop'), USAGE_CHUNK, DONE];

describe('OpenAI chat fast path (forwarding to an OpenAI-compatible upstream)', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  let handler: RawHandler;
  let received: RawRequest[];

  beforeAll(async () => {
    upstream = await startRawUpstream((req, body, res) => handler(req, body, res));
    received = upstream.received;
    const apiBase = `${upstream.origin}/v1`;
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'm9', name: 'compat', provider: 'openai_compatible', providerModel: 'up-model', apiBase, inputCostPerMillion: 1_000_000, outputCostPerMillion: 2_000_000 }));
    snapshot.models.push(model({ id: 'm10', name: 'compat-1s', provider: 'openai_compatible', providerModel: 'up-model', apiBase, timeoutMs: 1_000 }));
    snapshot.models.push(model({ id: 'm11', name: 'compat-200ms', provider: 'openai_compatible', providerModel: 'up-model', apiBase, timeoutMs: 200 }));
    snapshot.models.push(model({ id: 'm12', name: 'compat-idle-1s', provider: 'openai_compatible', providerModel: 'up-model', apiBase, streamIdleTimeoutMs: 1_000 }));
    snapshot.models.push(model({ id: 'm13', name: 'compat-idle-300ms', provider: 'openai_compatible', providerModel: 'up-model', apiBase, timeoutMs: 5_000, streamIdleTimeoutMs: 300 }));
    process.env[OPENAI_KEY_ENV] = 'sk-upstream';
    snapshot.models.push(model({ id: 'm14', name: 'gpt', provider: 'openai', providerModel: 'gpt-up', apiBase, apiKeyRef: `env:${OPENAI_KEY_ENV}` }));
    // Priced from the pricing table: GPT-5.4's standard, flex and priority prices.
    snapshot.models.push(model({ id: 'm16', name: 'gpt-no-key', provider: 'openai', providerModel: 'gpt-up', apiBase, apiKeyRef: 'env:TG_TEST_UNSET_OPENAI_KEY' }));
    // A reference an earlier release stored, which no data plane resolves: it must not cost the other models their config.
    snapshot.models.push(model({ id: 'm17', name: 'gpt-gateway-secret', provider: 'openai', providerModel: 'gpt-up', apiBase, apiKeyRef: 'env:DATABASE_URL' }));
    snapshot.models.push(model({ id: 'm15', name: 'gpt-listed', provider: 'openai', providerModel: 'gpt-5.4', apiBase, apiKeyRef: `env:${OPENAI_KEY_ENV}`, inputCostPerMillion: 2.5, outputCostPerMillion: 15 }));
    t = await startTestDataPlane({ snapshot });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
    delete process.env[OPENAI_KEY_ENV];
  });
  beforeEach(() => {
    received.length = 0;
  });

  const usageEvent = (res: Response) => waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');

  // DeepSeek (and DeepInfra) refuse the role: 400/422 "messages[0].role: unknown variant `developer`".
  it('sends developer messages as system to an OpenAI-compatible deployment, and as they are to OpenAI', async () => {
    const answer = JSON.stringify({ id: 'x', object: 'chat.completion', model: 'up-model', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 } });
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer);
    };
    const messages = [{ role: 'developer', content: [{ type: 'text', text: 'be terse' }], name: 'ops' }, { role: 'user', content: 'x' }];
    expect((await postChat(t.baseUrl, KEYS.full, { model: 'compat', messages })).status).toBe(200);
    expect(received[0]!.body.messages).toEqual([{ role: 'system', content: [{ type: 'text', text: 'be terse' }], name: 'ops' }, { role: 'user', content: 'x' }]);
    expect((await postChat(t.baseUrl, KEYS.full, { model: 'gpt', messages })).status).toBe(200);
    expect(received[1]!.body.messages).toEqual(messages);
  });

  // xAI counts reasoning beside completion_tokens: total = prompt + completion + reasoning (vercel/ai#12425).
  it("bills xAI's reasoning tokens as output, streamed or whole; OpenAI's count (reasoning inside) as it is", async () => {
    const xai = { prompt_tokens: 12, completion_tokens: 1, total_tokens: 399, completion_tokens_details: { reasoning_tokens: 386 } };
    const usageChunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [], usage: xai })}\n\n`;
    handler = streamParts([STREAM[0]!, STREAM[1]!, STREAM[4]!, usageChunk, DONE]);
    const streamed = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
    await streamed.text();
    expect(await usageEvent(streamed)).toMatchObject({ status: 'success', promptTokens: 12, completionTokens: 387 });
    const whole = (usage: unknown): RawHandler => (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'up', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }], usage }));
    };
    handler = whole(xai);
    const answered = await postChat(t.baseUrl, KEYS.full, { model: 'compat', messages: [{ role: 'user', content: 'x' }] });
    expect(await usageEvent(answered)).toMatchObject({ status: 'success', promptTokens: 12, completionTokens: 387 });
    handler = whole({ prompt_tokens: 12, completion_tokens: 390, total_tokens: 402, completion_tokens_details: { reasoning_tokens: 386 } });
    const openai = await postChat(t.baseUrl, KEYS.full, { model: 'compat', messages: [{ role: 'user', content: 'x' }] });
    expect(await usageEvent(openai)).toMatchObject({ status: 'success', promptTokens: 12, completionTokens: 390 });
  });


  it('bills the tier OpenAI served the answer at (service_tier): priority dearer, flex at half, whole and streamed', async () => {
    // GPT-5.4, 20 in, 4 out: standard 20 × 2.5 + 4 × 15 = 110 per million; priority 220; flex 55.
    const usage = { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 };
    const whole = (tier: string, extra: Record<string, unknown> = {}): RawHandler => (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'gpt-5.4', service_tier: tier, choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }], usage, ...extra }));
    };
    const cases: Array<[RawHandler, string]> = [
      [whole('priority'), '0.000220000000'],
      [whole('flex'), '0.000055000000'],
      [whole('default'), '0.000110000000'],
      // A "service_tier" elsewhere in the answer (a tool's arguments, say) is not the tier it was served at.
      [whole('default', { note: { service_tier: 'flex' } }), '0.000110000000'],
    ];
    for (const [answer, cost] of cases) {
      handler = answer;
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'gpt-listed', messages: [{ role: 'user', content: 'x' }], service_tier: 'auto' });
      await res.text();
      expect(await usageEvent(res)).toMatchObject({ status: 'success', promptTokens: 20, completionTokens: 4, cost });
    }
    // GPT-5.6 and later report their prompt-cache writes, which they bill.
    handler = whole('default', { usage: { ...usage, prompt_tokens_details: { cached_tokens: 5, cache_write_tokens: 10 } } });
    const writes = await postChat(t.baseUrl, KEYS.full, { model: 'gpt-listed', messages: [{ role: 'user', content: 'x' }] });
    await writes.text();
    expect(await usageEvent(writes)).toMatchObject({ status: 'success', promptTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 10 });
    const tiered = (json: string) => json.replace('"object":', '"service_tier":"priority","object":');
    const usageChunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-5.4', service_tier: 'priority', choices: [], usage })}\n\n`;
    handler = streamParts([tiered(STREAM[0]!), tiered(STREAM[1]!), tiered(STREAM[4]!), usageChunk, DONE]);
    const streamed = await postChat(t.baseUrl, KEYS.full, { model: 'gpt-listed', stream: true, messages: [{ role: 'user', content: 'x' }], service_tier: 'priority' });
    await streamed.text();
    expect(await usageEvent(streamed)).toMatchObject({ status: 'success', stream: true, cost: '0.000220000000' });
  });

  it("answers a deployment whose credential is not configured with the provider's error, not an internal one", async () => {
    for (const stream of [false, true]) {
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'gpt-no-key', stream, messages: [{ role: 'user', content: 'x' }] });
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'provider_credential_missing',
        message: expect.stringContaining('env:TG_TEST_UNSET_OPENAI_KEY'),
      });
    }
    // Nothing an attempt more would change: one attempt, no "(3 attempts …)".
    const secret = await postChat(t.baseUrl, KEYS.full, { model: 'gpt-gateway-secret', messages: [{ role: 'user', content: 'x' }] });
    expect(secret.status).toBe(500);
    const { error } = (await secret.json()) as { error: { code: string; message: string } };
    expect(error).toMatchObject({ code: 'provider_credential_missing', message: expect.stringContaining("DATABASE_URL is the gateway's own secret") });
    expect(error.message).not.toContain('attempts');
    expect(received).toHaveLength(0);
  });

  it('forwards a plain answer byte for byte and bills the reported usage', async () => {
    const answer = JSON.stringify({ id: 'x', object: 'chat.completion', model: 'up-model', choices: [{ index: 0, message: { role: 'assistant', content: 'hi "usage": {}' }, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } }, null, 2);
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(answer);
    };
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', messages: [{ role: 'user', content: 'x' }], top_k: 3, user: 'u1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.text()).toBe(answer);
    // The model is the deployment's, unknown fields go along untouched; no stream options on a plain request.
    expect(received[0]!.body).toEqual({ model: 'up-model', messages: [{ role: 'user', content: 'x' }], top_k: 3, user: 'u1' });
    expect(received[0]!.headers.accept).toBe('application/json');
    // Each header once (the provider's own content-type is replaced, not repeated).
    const raw = received[0]!.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
    expect(raw.filter((h) => h === 'content-type')).toHaveLength(1);
    expect(await usageEvent(res)).toMatchObject({ status: 'success', httpStatus: 200, stream: false, promptTokens: 9, completionTokens: 4, cost: '17.000000000000', endUser: 'u1', provider: 'openai_compatible' });
  });

  // An upstream that writes a short stream whole (one read at the gateway): the stream still goes out as one, chunked,
  // never with a Content-Length (as every provider sends streams).
  it('forwards a stream that arrives in one read as a chunked event stream', async () => {
    const whole = STREAM.join('');
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'content-length': String(Buffer.byteLength(whole)) });
      res.end(whole);
    };
    const res = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const req = request(`${t.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' } }, (answer) => {
        let body = '';
        answer.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        answer.on('end', () => resolve({ status: answer.statusCode!, headers: answer.headers, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] }));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(afterOpening(res.body)).toBe(STREAM.filter((e) => e !== USAGE_CHUNK).join(''));
  });

  it('streams every event, withholding the usage chunk it asked for on the client\'s behalf, across awkward read boundaries', async () => {
    const whole = STREAM.join('');
    // Cut inside event separators, inside the usage key and inside [DONE].
    const cuts = [whole.indexOf('\n\n') + 1, whole.indexOf('"usage":{') + 4, whole.indexOf('[DONE]') + 3];
    const parts = [whole.slice(0, cuts[0]), whole.slice(cuts[0], cuts[1]), whole.slice(cuts[1], cuts[2]), whole.slice(cuts[2])];
    handler = streamParts(parts);
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(afterOpening(await res.text())).toBe(STREAM.filter((e) => e !== USAGE_CHUNK).join(''));
    expect(received[0]!.body).toMatchObject({ model: 'up-model', stream: true, stream_options: { include_usage: true } });
    expect(await usageEvent(res)).toMatchObject({ status: 'success', stream: true, promptTokens: 21, completionTokens: 3, ttftMs: expect.any(Number) });
  });

  it('passes the usage chunk on when the client asked for it, keeping its other stream options', async () => {
    handler = streamParts([STREAM.join('')]);
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, stream_options: { include_usage: true, extra: 1 }, messages: [{ role: 'user', content: 'x' }] });
    expect(afterOpening(await res.text())).toBe(STREAM.join(''));
    expect(received[0]!.body.stream_options).toEqual({ include_usage: true, extra: 1 });
    expect(sseData(STREAM.join('')).length).toBe(7);
    expect(await usageEvent(res)).toMatchObject({ status: 'success', promptTokens: 21, completionTokens: 3 });
  });

  it('ends a stream the upstream cut short with an error event, billing what was streamed', async () => {
    handler = streamParts(STREAM.slice(0, 3), { end: false });
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'count' }] });
    expect(res.status).toBe(200);
    const data = sseData(await res.text());
    expect(data).toHaveLength(4);
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { type: 'api_error', code: 'upstream_error' } });
    const event = await usageEvent(res);
    expect(event).toMatchObject({ status: 'error', httpStatus: 200, errorType: 'upstream_error', completionTokens: countTextTokens('ab'), estimated: true });
    expect(event.promptTokens).toBeGreaterThan(0);
  });

  describe('output the upstream does not count, counted with the tokenizer', () => {
    const answerText = ['The gateway counts ', 'every token it forwarded, ', 'not every chunk.'];
    const toolCall = [
      chunk('{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}'),
      chunk('{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\": "}}]}'),
      chunk('{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]}'),
    ];
    const reasoning = chunk(`{"reasoning_content":"First, think about what a token is."}`);
    // (Counted in the tests: the tokenizer is loaded by then.)
    const counted = () => countTextTokens(answerText.join('') + 'get_weather{"city": "Paris"}');
    const reasoningTokens = () => countTextTokens('First, think about what a token is.');

    it('a stream cut short: its text, tool calls and reasoning, marked estimated', async () => {
      handler = streamParts([STREAM[0]!, reasoning, ...answerText.map((text) => chunk(JSON.stringify({ content: text }))), ...toolCall], { end: false });
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
      await res.text();
      const event = await usageEvent(res);
      expect(event).toMatchObject({ status: 'error', completionTokens: reasoningTokens() + counted(), reasoningTokens: reasoningTokens(), estimated: true });
      // Tokens, not events: seven content events carried more.
      expect(event.completionTokens).toBeGreaterThan(7);
    });

    it('a whole stream from a server that sends no usage chunk', async () => {
      handler = streamParts([STREAM[0]!, ...answerText.map((text) => chunk(JSON.stringify({ content: text }))), chunk('{}', 'stop'), DONE]);
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
      await res.text();
      expect(await usageEvent(res)).toMatchObject({ status: 'success', completionTokens: countTextTokens(answerText.join('')), reasoningTokens: 0, estimated: true });
    });

    it('a plain answer without usage: the message, its tool calls and reasoning', async () => {
      const message = {
        role: 'assistant',
        content: answerText.join(''),
        reasoning_content: 'First, think about what a token is.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }],
      };
      handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'up-model', choices: [{ index: 0, message, finish_reason: 'tool_calls' }] }));
      };
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', messages: [{ role: 'user', content: 'What is a token?' }] });
      expect(res.status).toBe(200);
      const event = await usageEvent(res);
      expect(event).toMatchObject({ status: 'success', completionTokens: reasoningTokens() + counted(), reasoningTokens: reasoningTokens(), estimated: true });
      expect(event.promptTokens).toBeGreaterThan(0);
      // Billed: 1 USD per input token, 2 per output token on this deployment.
      expect(Number(event.cost)).toBe(event.promptTokens + 2 * event.completionTokens);
    });

    it('a legacy completion cut short: its text', async () => {
      const completion = (text: string) => `data: ${JSON.stringify({ id: 'c', object: 'text_completion', created: 1, model: 'up', choices: [{ index: 0, text, logprobs: null, finish_reason: null }] })}\n\n`;
      handler = streamParts(answerText.map(completion), { end: false });
      const res = await fetch(`${t.baseUrl}/v1/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'compat', prompt: 'Say it', stream: true }),
      });
      await res.text();
      expect(await usageEvent(res)).toMatchObject({ status: 'error', completionTokens: countTextTokens(answerText.join('')), estimated: true });
    });

    it('a long stream: counted from the first events it keeps, scaled to the rest', async () => {
      // " word" is one token; 3,000 chunks are several times what a stream keeps.
      const words = 3_000;
      const chunks = Array.from({ length: words }, () => chunk('{"content":" word"}'));
      expect(chunks.join('').length).toBeGreaterThan(4 * SAMPLE_BYTES);
      handler = streamParts([STREAM[0]!, ...[0, 1, 2].map((i) => chunks.slice(i * 1_000, (i + 1) * 1_000).join(''))], { end: false });
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
      await res.text();
      const event = await usageEvent(res);
      // Within 3%: the sample's share of events without text (the opening role chunk) is scaled up with the rest.
      expect(Math.abs(event.completionTokens - words)).toBeLessThanOrEqual(words * 0.03);
      expect(event.estimated).toBe(true);
    });
  });

  it('opens the stream at the upstream\'s 200 but holds the role chunk back until the answer begins: a stream that dies before then carries only the error event', async () => {
    handler = streamParts([STREAM[0]!], { end: false });
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'count' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const body = await res.text();
    expect(body.startsWith(STREAM_OPENING)).toBe(true);
    expect(sseData(body).map((d) => JSON.parse(d))).toEqual([{ error: expect.objectContaining({ type: 'api_error', code: 'upstream_unreachable' }) }]);
    expect(await usageEvent(res)).toMatchObject({ status: 'error', httpStatus: 200, errorType: 'upstream_unreachable', completionTokens: 0, cost: '0.000000000000' });

    // Azure opens with a chunk without choices (its prompt filter results): still nothing of the answer.
    const promptFilter = 'data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}\n\n';
    handler = streamParts([promptFilter, STREAM[0]!], { end: false });
    const azureLike = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'count' }] });
    expect(sseData(await azureLike.text()).map((d) => JSON.parse(d))).toEqual([{ error: expect.objectContaining({ code: 'upstream_unreachable' }) }]);

    // An error event as the stream's first event, likewise: the provider's message, once.
    handler = streamParts([STREAM[0]!, 'data: {"error":{"message":"overloaded, try again","type":"server_error","code":null}}\n\n']);
    const failed = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'count' }] });
    expect(failed.status).toBe(200);
    expect(sseData(await failed.text()).map((d) => JSON.parse(d).error.message)).toEqual(['overloaded, try again']);
  });

  it('answers a real HTTP error status when the failure arrives together with the upstream\'s 200 (one read)', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(STREAM[0]! + 'data: {"error":{"message":"overloaded, try again","type":"server_error","code":null}}\n\n');
    };
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'count' }] });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('overloaded, try again');
    expect(await usageEvent(res)).toMatchObject({ status: 'error', httpStatus: 502 });
  });

  it('answers an error event before the answer as the error its code stands for: a rate limit a 429, a prompt over the window a 400', async () => {
    // OpenRouter puts the HTTP status in `code`; OpenAI names what failed.
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(STREAM[0]! + 'data: {"error":{"message":"Rate limit exceeded: free-models-per-min","code":429}}\n\n');
    };
    const limited = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'count' }] });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: 'rate_limit_error', message: expect.stringContaining('free-models-per-min') });
    expect(await usageEvent(limited)).toMatchObject({ status: 'error', httpStatus: 429 });
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(STREAM[0]! + 'data: {"error":{"message":"This model\'s maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}\n\n');
    };
    const long = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'count' }] });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
  });

  it("records a stream whose finish says it failed (vLLM's abort, OpenRouter's error) as an error, forwarding it as sent", async () => {
    for (const reason of ['abort', 'error']) {
      const failed = chunk('{}', reason);
      // In one read with the usage chunk and [DONE], and in reads of their own.
      for (const parts of [[STREAM[0]!, STREAM[1]!, failed + USAGE_CHUNK + DONE], [STREAM[0]!, STREAM[1]!, failed, USAGE_CHUNK, DONE]]) {
        handler = streamParts(parts);
        const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
        expect(afterOpening(await res.text())).toBe(STREAM[0]! + STREAM[1]! + failed + DONE);
        expect(await usageEvent(res)).toMatchObject({ status: 'error', errorMessage: `the provider ended the answer with finish_reason ${reason}` });
      }
    }
    // A plain finish is a success, as ever.
    handler = streamParts(STREAM);
    const ok = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
    await ok.text();
    expect(await usageEvent(ok)).toMatchObject({ status: 'success' });
  });

  it('treats a stream that ends cleanly without [DONE] before its choice finished as cut short too', async () => {
    handler = streamParts(STREAM.slice(0, 4));
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const data = sseData(await res.text());
    expect(JSON.parse(data.at(-1)!).error.message).toContain('closed the stream before it was complete');
    expect(await usageEvent(res)).toMatchObject({ status: 'error', errorType: 'upstream_error' });
  });

  it("forwards an upstream error event verbatim and adds none of its own", async () => {
    const error = 'data: {"error":{"message":"overloaded mid-way","type":"server_error"}}\n\n';
    handler = streamParts([STREAM[0]!, STREAM[1]!, error]);
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(afterOpening(await res.text())).toBe(STREAM[0]! + STREAM[1]! + error);
    expect(await usageEvent(res)).toMatchObject({ status: 'error', errorType: 'upstream_error', errorMessage: 'overloaded mid-way' });
  });

  it('answers an upstream error status before any output in OpenAI form, keeping retry-after', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }));
    };
    for (const stream of [false, true]) {
      const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream, messages: [{ role: 'user', content: 'x' }] });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(((await res.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: 'rate_limit_error', message: expect.stringContaining('slow down') });
      expect(await usageEvent(res)).toMatchObject({ status: 'error', httpStatus: 429, promptTokens: 0, completionTokens: 0 });
    }
  });

  it('answers 502 when the upstream answers 200 and then drops the connection before a plain body is complete', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":"x"');
      setTimeout(() => res.destroy(), 5);
    };
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(502);
    expect(await usageEvent(res)).toMatchObject({ status: 'error', httpStatus: 502 });
  });

  it("times out an upstream that sends no headers after the deployment's timeoutMs, with a 504", async () => {
    handler = () => undefined; // never answers
    for (const [name, ms] of [['compat-200ms', 200], ['compat-1s', 1_000]] as const) {
      const t0 = performance.now();
      const res = await postChat(t.baseUrl, KEYS.full, { model: name, stream: true, messages: [{ role: 'user', content: 'x' }] });
      const elapsed = performance.now() - t0;
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
      expect(elapsed).toBeGreaterThanOrEqual(ms - 5);
      // Within the deadline sweep's quarter second (undici's own timer fired a 200 ms timeout after 0.5–1 s).
      expect(elapsed).toBeLessThan(ms + 600);
      await upstream.lastClosed;
    }
  });

  it("ends a stream that stalls longer than the deployment's streamIdleTimeoutMs with an error event, billing what was streamed", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(STREAM[0]! + STREAM[1]!);
      // …and then silence.
    };
    for (const [name, ms] of [['compat-idle-300ms', 300], ['compat-idle-1s', 1_000]] as const) {
      const t0 = performance.now();
      const res = await postChat(t.baseUrl, KEYS.full, { model: name, stream: true, messages: [{ role: 'user', content: 'x' }] });
      expect(res.status).toBe(200);
      const data = sseData(await res.text());
      const elapsed = performance.now() - t0;
      expect(data[0]).toBe(sseData(STREAM[0]!)[0]);
      expect(JSON.parse(data.at(-1)!).error).toMatchObject({ code: 'upstream_error', message: expect.stringContaining('did not answer in time') });
      expect(elapsed).toBeGreaterThanOrEqual(ms - 5);
      expect(elapsed).toBeLessThan(ms + 800);
      expect(await usageEvent(res)).toMatchObject({ status: 'error', httpStatus: 200 });
      await upstream.lastClosed;
    }
  });

  it('aborts the upstream request at once when the client goes away mid-stream, billing what was streamed', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(STREAM[0]! + STREAM[1]!);
      // …and then nothing more: only the client's abort ends this.
    };
    const controller = new AbortController();
    const res = await fetch(`${t.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const t0 = performance.now();
    controller.abort();
    await reader.closed.catch(() => undefined);
    await upstream.lastClosed;
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await usageEvent(res)).toMatchObject({ status: 'aborted', httpStatus: 200, errorType: 'client_disconnected', completionTokens: countTextTokens('a'), estimated: true });
  });

  it('bills the prompt, estimated, of a request whose client left before the upstream answered: the provider had it', async () => {
    handler = () => {
      // The request reached the provider, which has not answered yet.
    };
    for (const stream of [true, false]) {
      const user = `left-early-${stream}`;
      const controller = new AbortController();
      const sent = fetch(`${t.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'compat', stream, user, messages: [{ role: 'user', content: 'a prompt the provider has read' }] }),
        signal: controller.signal,
      });
      await waitFor(() => received.some((r) => r.body.user === user), 'the request upstream');
      controller.abort();
      await expect(sent).rejects.toThrow();
      await upstream.lastClosed;
      const event = await waitFor(() => [...t.cp.acknowledged.values()].find((e) => e.endUser === user), 'usage event');
      expect(event).toMatchObject({ status: 'aborted', httpStatus: 499, errorType: 'client_disconnected', completionTokens: 0, estimated: true });
      expect(event.promptTokens).toBeGreaterThan(0);
      expect(Number(event.cost)).toBeGreaterThan(0);
    }
  });

  it('stops reading upstream while the client does not read (backpressure), then delivers every byte', async () => {
    const line = (i: number) => chunk(`{"content":"${String(i).padStart(6, '0')}${'x'.repeat(4000)}"}`);
    const total = 10_000; // ~40 MB
    let written = 0;
    let finished = false;
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = () => {
        while (written < total) {
          if (!res.write(line(written++))) {
            res.once('drain', pump);
            return;
          }
        }
        finished = true;
        res.end(USAGE_CHUNK + DONE);
      };
      pump();
    };
    const { status, stall, body } = await new Promise<{ status: number; stall: number; body: Buffer }>((resolve, reject) => {
      const req = request(`${t.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' } }, (res) => {
        res.pause();
        // Give the upstream time to fill every buffer between it and this (paused) client.
        setTimeout(() => {
          const stall = written;
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, stall, body: Buffer.concat(parts) }));
          res.resume();
        }, 500);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'compat', stream: true, messages: [{ role: 'user', content: 'x' }] }));
    });
    expect(status).toBe(200);
    // Socket buffers hold some megabytes; without backpressure the whole 40 MB would have been read by now.
    expect(stall).toBeLessThan(total / 2);
    expect(finished).toBe(true);
    // Every event, in order, intact (the forwarder reuses its join buffer between reads).
    const expected = Buffer.from(Array.from({ length: total }, (_, i) => line(i)).join('') + DONE);
    const events = body.subarray(0, STREAM_OPENING.length).toString() === STREAM_OPENING ? body.subarray(STREAM_OPENING.length) : body;
    expect(events.length).toBe(expected.length);
    expect(events.equals(expected)).toBe(true);
  });
});

describe('usageOfJson', () => {
  const parse = (value: unknown, indent?: number) => usageOfJson(Buffer.from(JSON.stringify(value, null, indent)));

  it('reads the usage object from the end, pretty-printed or not', () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 1 } };
    expect(parse({ id: 'x', choices: [], usage })).toEqual(usage);
    expect(parse({ id: 'x', choices: [], usage }, 2)).toEqual(usage);
  });

  it('falls back to the whole body when usage is not the last member, or a later "usage" is something else', () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2 };
    expect(parse({ usage, choices: [{ message: { content: 'see "usage": {"x":1}' } }] })).toEqual(usage);
    expect(parse({ usage, meta: { usage: 'none' } })).toEqual(usage);
    expect(parse({ usage, meta: { usage: { other: 1 } } })).toEqual(usage);
  });

  it('gives undefined for a body without usage, or not JSON at all', () => {
    expect(parse({ id: 'x' })).toBeUndefined();
    expect(usageOfJson(Buffer.from('<html>'))).toBeUndefined();
  });
});

describe('a stream the model is slow to begin (fast path)', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  let handler: RawHandler;

  beforeAll(async () => {
    upstream = await startRawUpstream((req, body, res) => handler(req, body, res));
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'm9', name: 'compat', provider: 'openai_compatible', providerModel: 'up-model', apiBase: `${upstream.origin}/v1` }));
    // Keep-alive comments after 300 ms of silence (checked on the 250 ms deadline sweep), instead of 15 s.
    t = await startTestDataPlane({ snapshot, streamKeepAliveMs: 300 });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('gives the client the head as soon as the upstream accepts, and keep-alive comments while the model is silent', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(STREAM[0]);
      // Nothing more until the test has the response's head: without an early head this would never resolve.
      void released.then(() => res.end(STREAM.slice(1).join('')));
    };
    const res = await postChat(t.baseUrl, KEYS.full, { model: 'compat', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'think first' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The model stays silent until two keep-alives have arrived (the held role chunk does not go out meanwhile).
    while (text.split(': keep-alive\n\n').length < 3) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe(STREAM_OPENING + ': keep-alive\n\n: keep-alive\n\n' + STREAM.join(''));
    expect(sseData(text)).toHaveLength(STREAM.length);
  });
});

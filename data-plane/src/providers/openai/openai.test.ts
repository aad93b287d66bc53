import { ModelConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive } from '../../../../test/stand-ins/script.js';
import { standInEmbedding } from '../../../../test/stand-ins/openai/embeddings.js';
import { STAND_IN_API_KEY, startOpenAiStandIn, type OpenAiStandIn } from '../../../../test/stand-ins/openai/server.js';
import type { CanonicalRequest } from '../../canonical/request.js';
import { secretResolver } from '../../upstream/secrets.js';
import type { ProviderCall, StreamEvent } from '../types.js';
import { openaiProvider, openAiChatUpstream, openAiCompletionsUpstream, openAiResponsesUpstream } from './index.js';
import { toolNames } from './tool-names.js';

const secrets = secretResolver({ OPENAI_API_KEY: STAND_IN_API_KEY, OTHER_KEY: 'sk-other' });
const provider = openaiProvider();

function ask(text: string, extra: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return { stream: true, messages: [{ role: 'user', content: [{ type: 'text', text }] }], ...extra };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const parallel = directive({
  text: '',
  toolCalls: [
    { name: 'get_weather', arguments: '{"city":"Paris"}' },
    { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
  ],
});

describe('openai provider against the OpenAI stand-in', () => {
  let standIn: OpenAiStandIn;
  let call: (overrides?: Partial<ModelConfig>, signal?: AbortSignal) => ProviderCall;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn();
    call = (overrides = {}, signal = new AbortController().signal) => ({
      target: ModelConfig.parse({ id: 'm1', name: 'gpt', provider: 'openai', providerModel: 'gpt-4o-mini', apiBase: standIn.url, inputCostPerMillion: 1, outputCostPerMillion: 2, ...overrides }),
      signal,
      secrets,
    });
  });
  afterAll(() => standIn.close());

  it('streams text as metadata, deltas and a finish with usage, asking for include_usage and Bearer auth', async () => {
    const events = await collect(provider.chat(ask('hello world'), call()));
    expect(events[0]).toEqual({ type: 'response-metadata', id: expect.stringMatching(/^chatcmpl-/), model: 'gpt-4o-mini' });
    expect(events.filter((e) => e.type === 'text-delta').map((e) => e.text)).toEqual(['Echo:', ' hello', ' world']);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: 3, outputTokens: 3, cacheReadTokens: 0, reasoningTokens: 0 },
    });
    const request = standIn.requests.at(-1)!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${STAND_IN_API_KEY}`);
    expect(request.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
  });

  it('streams two parallel tool calls one after another, with their argument pieces, and finishes with tool-calls', async () => {
    const events = await collect(provider.chat(ask(parallel), call()));
    expect(events.slice(1)).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_00standin', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_01standin', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"timezo' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: 'ne":"Eur' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: 'ope/Pari' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: 's"}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: expect.objectContaining({ outputTokens: 2 + 1 + 4 + 1 }) },
    ]);
  });

  it('gives the same events from the non-streaming endpoint, arguments whole', async () => {
    const events = await collect(provider.chat(ask(parallel, { stream: false }), call()));
    expect(standIn.requests.at(-1)!.body).toMatchObject({ stream: false });
    expect(standIn.requests.at(-1)!.body).not.toHaveProperty('stream_options');
    expect(events.slice(1)).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_00standin', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_01standin', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"timezone":"Europe/Paris"}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: expect.objectContaining({ inputTokens: expect.any(Number) }) },
    ]);
    const plain = await collect(provider.chat(ask('hi', { stream: false }), call()));
    expect(plain.map((e) => e.type)).toEqual(['response-metadata', 'text-delta', 'finish']);
    expect(plain[1]).toEqual({ type: 'text-delta', text: 'Echo: hi' });
  });

  // OpenAI takes function names of at most 64 characters, so a longer one goes shortened (tool-names.ts); the model
  // calls the tool by that name, and the client must get its own name back to run it.
  it('names calls of tools whose names went shortened by the names the client gave them, streamed or not', async () => {
    const long = 'mcp__claude_ai_Atlassian__getConfluencePageInlineCommentsWithAllReplies';
    const tools = [{ name: long, parameters: { type: 'object' } }, { name: 'get_time', parameters: { type: 'object' } }];
    const short = toolNames(ask('', { tools })).toUpstream(long);
    const script = directive({ text: '', toolCalls: [{ name: short, arguments: '{"pageId":"42"}' }, { name: 'get_time', arguments: '{}' }] });
    for (const stream of [true, false]) {
      const events = await collect(provider.chat(ask(script, { stream, tools }), call()));
      expect(events.filter((e) => e.type === 'tool-call-start').map((e) => e.name)).toEqual([long, 'get_time']);
      const sent = standIn.requests.at(-1)!.body as { tools: { function: { name: string } }[] };
      expect(sent.tools.map((t) => t.function.name)).toEqual([short, 'get_time']);
    }
  });

  it('maps reasoning_content deltas to reasoning-delta and reports cached and reasoning tokens', async () => {
    const script = directive({ reasoning: 'Think it through.', text: 'Done.', usage: { inputTokens: 2000, cacheReadTokens: 1536 } });
    for (const stream of [true, false]) {
      const events = await collect(provider.chat(ask(script, { stream }), call()));
      expect(events.filter((e) => e.type === 'reasoning-delta').map((e) => e.text).join('')).toBe('Think it through.');
      expect(events.filter((e) => e.type === 'text-delta').map((e) => e.text).join('')).toBe('Done.');
      expect(events.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 2000, cacheReadTokens: 1536, reasoningTokens: 3, outputTokens: 4 } });
    }
  });

  it('reports the tier OpenAI served the request at, which is billed apart (flex, priority), and not the default one', async () => {
    for (const stream of [true, false]) {
      const priority = await collect(provider.chat(ask('hi', { stream, passthrough: { protocol: 'openai-chat', fields: { service_tier: 'priority' } } }), call()));
      expect(priority.at(-1)).toMatchObject({ type: 'finish', usage: { serviceTier: 'priority' } });
      const auto = await collect(provider.chat(ask('hi', { stream, passthrough: { protocol: 'openai-chat', fields: { service_tier: 'auto' } } }), call()));
      expect(auto.at(-1)).toMatchObject({ type: 'finish' });
      expect((auto.at(-1) as { usage: object }).usage).not.toHaveProperty('serviceTier');
    }
  });

  it('maps finish reasons: length and content_filter', async () => {
    const truncated = await collect(provider.chat(ask(directive({ text: 'cut off', truncated: true })), call()));
    expect(truncated.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'length', raw: 'length' } });
    const filtered = await collect(provider.chat(ask(directive({ text: 'partial', fault: { kind: 'content-filter' } })), call()));
    expect(filtered.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'content-filter', raw: 'content_filter' } });
  });

  it('turns a 429 into a rate_limit_error with retry-after, from the header or else from x-ratelimit-reset-requests', async () => {
    const [withHeader] = await collect(provider.chat(ask(directive({ fault: { kind: 'http', status: 429, retryAfter: '12' } })), call()));
    expect(withHeader).toEqual({
      type: 'error',
      error: expect.objectContaining({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', retryAfterSeconds: 12, provider: 'openai', message: expect.stringContaining('Rate limit reached') }),
    });
    // No retry-after: the stand-in still says x-ratelimit-remaining-requests: 0, x-ratelimit-reset-requests: 1s.
    const [fromReset] = await collect(provider.chat(ask(directive({ fault: { kind: 'http', status: 429 } })), call()));
    expect(fromReset).toMatchObject({ type: 'error', error: { status: 429, retryAfterSeconds: 1 } });
  });

  it('recognises context_length_exceeded and keeps the provider message', async () => {
    const [event] = await collect(provider.chat(ask(directive({ fault: { kind: 'http', status: 400, code: 'context_length_exceeded' } }), { stream: false }), call()));
    expect(event).toMatchObject({ type: 'error', error: { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded', message: expect.stringContaining("This model's maximum context length") } });
  });

  it('passes other 4xx codes through and hides upstream auth failures behind a 502', async () => {
    const [notFound] = await collect(provider.chat(ask(directive({ fault: { kind: 'http', status: 404, code: 'model_not_found', message: 'The model `x` does not exist' } })), call()));
    expect(notFound).toMatchObject({ type: 'error', error: { status: 404, code: 'model_not_found', message: 'openai: The model `x` does not exist' } });
    const [auth] = await collect(provider.chat(ask('hi'), call({ apiKeyRef: 'env:OTHER_KEY' })));
    expect(auth).toMatchObject({ type: 'error', error: { status: 502, code: 'upstream_auth_failed', message: expect.stringContaining('Incorrect API key provided: [redacted].') } });
    // OpenAI quotes the key's ends (`sk-*****cdef`): every client would read them.
    expect(JSON.stringify(auth)).not.toMatch(/\*{3,}/);
  });

  it('reports a missing credential as an error event naming the reference', async () => {
    const [event] = await collect(provider.chat(ask('hi'), call({ apiKeyRef: 'env:NOT_SET' })));
    expect(event).toMatchObject({ type: 'error', error: { code: 'provider_credential_missing', message: expect.stringContaining('env:NOT_SET') } });
  });

  it('turns a mid-stream error event into an error event after the content before it', async () => {
    const events = await collect(provider.chat(ask(directive({ text: 'one two three', fault: { kind: 'midstream', afterChunks: 2, message: 'overloaded' } })), call()));
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'text-delta', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ error: { status: 502, type: 'api_error', message: 'openai: overloaded' } });
  });

  it('turns a dropped connection into an error event, never a finish', async () => {
    const events = await collect(provider.chat(ask(directive({ text: 'one two three', fault: { kind: 'drop', afterChunks: 1 } })), call()));
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ error: { status: 502, code: 'upstream_error', message: expect.stringContaining('closed before the response finished') } });
    const [dropped] = await collect(provider.chat(ask(directive({ fault: { kind: 'drop', afterChunks: 0 } }), { stream: false }), call()));
    expect(dropped).toMatchObject({ type: 'error', error: { status: 502 } });
  });

  it('aborts the upstream request promptly when the client goes away', async () => {
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    const started = Date.now();
    const consuming = (async () => {
      for await (const e of provider.chat(ask(directive({ text: 'a b c d e f g h', chunkDelayMs: 200 })), call({}, controller.signal))) {
        events.push(e);
        if (e.type === 'text-delta') controller.abort();
      }
    })();
    await consuming;
    await standIn.requests.at(-1)!.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'text-delta']);

    const hang = new AbortController();
    const hanging = collect(provider.chat(ask(directive({ fault: { kind: 'hang' } })), call({}, hang.signal)));
    await new Promise((r) => setTimeout(r, 50));
    hang.abort();
    expect(await hanging).toEqual([]);
    await standIn.requests.at(-1)!.closed;
  });

  it('times out a hanging upstream after the deployment timeoutMs, on time', async () => {
    const started = Date.now();
    const [event] = await collect(provider.chat(ask(directive({ fault: { kind: 'hang' } })), call({ timeoutMs: 200 })));
    expect(event).toMatchObject({ type: 'error', error: { status: 504, code: 'upstream_timeout' } });
    // Not early, and not a second late as undici's own coarse timer was (the sweep ticks every 250 ms).
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(200 + 450);
  });

  it('lets the client abort a request under a deadline, before its headers and after', async () => {
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    const started = Date.now();
    for await (const e of provider.chat(ask(directive({ text: 'a b c d e f g h', chunkDelayMs: 200 })), call({ timeoutMs: 5_000 }, controller.signal))) {
      events.push(e);
      if (e.type === 'text-delta') controller.abort();
    }
    await standIn.requests.at(-1)!.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'text-delta']);

    const hang = new AbortController();
    const hanging = collect(provider.chat(ask(directive({ fault: { kind: 'hang' } })), call({ timeoutMs: 5_000 }, hang.signal)));
    await new Promise((r) => setTimeout(r, 50));
    hang.abort();
    expect(await hanging).toEqual([]);
    await standIn.requests.at(-1)!.closed;
  });

  it('embeds inputs as float vectors with usage, passing dimensions', async () => {
    const result = await provider.embed!({ input: ['alpha', 'beta'], dimensions: 4 }, call({ providerModel: 'text-embedding-3-small' }));
    expect(result).toEqual({ vectors: [standInEmbedding('alpha', 4), standInEmbedding('beta', 4)], inputTokens: 3 });
    expect(standIn.requests.at(-1)).toMatchObject({ path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 4 } });
    // Token ids, as OpenAI takes them, go as sent.
    expect((await provider.embed!({ input: [[9906, 1917], [15339]] }, call({ providerModel: 'text-embedding-3-small' }))).vectors).toHaveLength(2);
    expect(standIn.requests.at(-1)).toMatchObject({ body: { input: [[9906, 1917], [15339]] } });
    await expect(provider.embed!({ input: [directive({ fault: { kind: 'http', status: 429, retryAfter: '3' } })] }, call())).rejects.toMatchObject({ status: 429, retryAfterSeconds: 3 });
  });

  it("sends the request's other embedding fields as sent, over the deployment's defaults", async () => {
    // An asymmetric retrieval model (NVIDIA's nv-embedqa, Cohere-style servers): a query embedded as a passage would
    // be a worse vector, silently.
    const target = call({ providerModel: 'nv-embedqa-e5-v5', defaultParams: { input_type: 'passage', truncate: 'NONE' } });
    await provider.embed!({ input: ['what is a gateway?'], extra: { input_type: 'query', truncate_prompt_tokens: 512 } }, target);
    expect(standIn.requests.at(-1)!.body).toEqual({
      input_type: 'query', truncate_prompt_tokens: 512, model: 'nv-embedqa-e5-v5', input: ['what is a gateway?'], encoding_format: 'float', truncate: 'NONE',
    });
  });

  it('tells the same-protocol fast path where to forward raw chat, legacy completions and Responses bodies', async () => {
    const target = call().target;
    expect(openAiChatUpstream(target, secrets)).toEqual({ url: `${standIn.url}/chat/completions`, headers: { 'content-type': 'application/json', authorization: `Bearer ${STAND_IN_API_KEY}` } });
    expect(openAiCompletionsUpstream(target, secrets).url).toBe(`${standIn.url}/completions`);
    for (const protocol of ['openai-chat', 'openai-completions', 'openai-responses'] as const) expect(provider.forward?.takes(protocol, target)).toBe(true);
    expect(provider.forward?.takes('anthropic-messages', target)).toBe(false);
    expect(provider.forward?.upstream('openai-responses', target, secrets)).toEqual(openAiResponsesUpstream(target, secrets));
    expect(openAiResponsesUpstream(target, secrets).url).toBe(`${standIn.url}/responses`);
    expect(provider.forward?.upstream('openai-chat', target, secrets)).toEqual(openAiChatUpstream(target, secrets));
    expect(provider.forward?.upstream('openai-completions', target, secrets)).toEqual(openAiCompletionsUpstream(target, secrets));
    expect(() => provider.forward?.upstream('anthropic-messages', target, secrets)).toThrow();
    expect(provider.forward?.mapError(400, {}, '{"error":{"message":"too long","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}')).toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
      message: 'openai: too long',
    });
    expect(provider.forward?.mapError(429, { 'retry-after': '4' }, '{"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}')).toMatchObject({ status: 429, retryAfterSeconds: 4 });
    const defaults = ModelConfig.parse({ id: 'x', name: 'x', provider: 'openai', providerModel: 'gpt-4o', inputCostPerMillion: 0, outputCostPerMillion: 0 });
    expect(openAiChatUpstream(defaults, secrets).url).toBe('https://api.openai.com/v1/chat/completions');

    // And the forwarded bytes are answered as OpenAI would.
    const endpoint = openAiCompletionsUpstream(target, secrets);
    const response = await fetch(endpoint.url, { method: 'POST', headers: endpoint.headers, body: JSON.stringify({ model: 'gpt-3.5-turbo-instruct', prompt: 'raw' }) });
    expect(((await response.json()) as { choices: { text: string }[] }).choices[0]!.text).toBe('Echo: raw');
  });
});

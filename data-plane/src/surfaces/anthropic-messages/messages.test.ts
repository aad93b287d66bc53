import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../../canonical/request.js';
import type { StreamEvent } from '../../canonical/events.js';
import type { ProviderError } from '../../canonical/errors.js';
import { defineProvider } from '../../providers/define-provider.js';
import { mockProvider } from '../../providers/mock/index.js';
import { MOCK_REPLY_PREFIX } from '../../providers/mock/reply.js';
import { ProviderRegistry } from '../../providers/registry.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { waitFor } from '../../test-support/wait.js';
import { isSseComment } from '../../test-support/sse.js';

// ─── A scripted provider: what it streams depends on the last user message ───────────────────────────────────

const overloaded: ProviderError = { status: 503, type: 'overloaded_error', code: 'upstream_overloaded', message: 'anthropic: Overloaded', provider: 'anthropic' };
const rateLimited: ProviderError = { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'anthropic: slow down', retryAfterSeconds: 7, provider: 'anthropic' };

const SCRIPTS: Record<string, StreamEvent[]> = {
  /** Thinking with a signature, redacted thinking, text, two tool calls with argument deltas, cache usage. */
  full: [
    { type: 'response-metadata', id: 'msg_upstream', model: 'claude-upstream' },
    { type: 'usage', usage: { inputTokens: 1200, outputTokens: undefined, cacheReadTokens: 800, cacheWriteTokens: 300 } },
    { type: 'reasoning-delta', text: 'The user wants ' },
    { type: 'reasoning-delta', text: 'weather and time.' },
    { type: 'reasoning-signature', signature: 'sig-EqQBCkYIARgC' },
    { type: 'reasoning-redacted', data: 'redacted-EmwKAhgB' },
    { type: 'text-delta', text: 'Let me check ' },
    { type: 'text-delta', text: 'both.' },
    { type: 'tool-call-start', index: 0, id: 'toolu_01A', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city": "Par' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: 'is"}' },
    { type: 'tool-call-end', index: 0 },
    { type: 'tool-call-start', index: 1, id: 'toolu_01B', name: 'get_time' },
    { type: 'tool-call-delta', index: 1, argumentsDelta: '{"tz":"CET"}' },
    { type: 'tool-call-end', index: 1 },
    { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' }, usage: { inputTokens: 1200, outputTokens: 57, cacheReadTokens: 800, cacheWriteTokens: 300, reasoningTokens: 12 } },
  ],
  'stop-sequence': [
    { type: 'text-delta', text: 'one two' },
    { type: 'finish', finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: 'END' }, usage: { inputTokens: 10, outputTokens: 2 } },
  ],
  'early-429': [{ type: 'error', error: rateLimited }],
  'late-overload': [{ type: 'text-delta', text: 'Partial' }, { type: 'error', error: overloaded }],
};

const seen: CanonicalRequest[] = [];
const counted: CanonicalRequest[] = [];

function lastUserText(request: CanonicalRequest): string {
  const last = request.messages.filter((m) => m.role === 'user').at(-1);
  return last?.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('') ?? '';
}

const scripted = defineProvider<CanonicalRequest>({
  kind: 'anthropic',
  translateRequest: (request) => request,
  call: async function* (request) {
    seen.push(request);
    yield* SCRIPTS[lastUserText(request)] ?? SCRIPTS.full!;
  },
  countTokens: async (request) => {
    if (lastUserText(request) === 'early-429') throw rateLimited;
    counted.push(request);
    return 4242;
  },
});

// ─── Helpers ──────────────────────────────────────────────────────────────────────────────────────────────────

interface Sse {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Splits a raw Anthropic SSE body into events, checking the framing and that each event names its data type;
 * comments are skipped.
 */
function sseEvents(body: string): Sse[] {
  const frames = body.split('\n\n');
  expect(frames.at(-1)).toBe('');
  return frames.slice(0, -1).filter((frame) => !isSseComment(frame)).map((frame) => {
    const match = /^event: ([a-z_]+)\ndata: ([^\n]*)$/.exec(frame);
    if (!match) throw new Error(`unexpected SSE frame: ${frame}`);
    const data = JSON.parse(match[2]!) as Record<string, unknown>;
    expect(data.type).toBe(match[1]);
    return { event: match[1]!, data };
  });
}

/**
 * A streamed message as the SDK accumulated it, comparable with the non-streamed one: the SDK adds its own
 * `parsed_output` (structured-output helper) to `finalMessage()`, and the message id differs per request.
 */
function comparable(final: Anthropic.Message, id: string): Record<string, unknown> {
  const { parsed_output: _parsed, ...rest } = final as Anthropic.Message & { parsed_output?: unknown };
  return { ...rest, id };
}

const LARGE_BODY_LIMIT = 100_000;
const UUID_HEX = /^msg_[0-9a-f]{32}$/;

describe('Anthropic Messages on the real uWS server', () => {
  let t: TestDataPlane;
  let client: Anthropic;

  const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-api-key': KEYS.full }) =>
    fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'm-claude', name: 'claude-fake', provider: 'anthropic', providerModel: 'claude-sonnet-4-5' }));
    t = await startTestDataPlane({ snapshot, providers: new ProviderRegistry([mockProvider(), scripted]), maxBodyBytes: LARGE_BODY_LIMIT });
    client = new Anthropic({ apiKey: KEYS.full, authToken: null, baseURL: t.baseUrl, maxRetries: 0 });
  });
  afterAll(() => t.close());

  describe('with the mock provider', () => {
    // ceil(8/4)+3 + ceil(13/4)+3
    const PROMPT_TOKENS = 5 + 7;
    const REPLY = `${MOCK_REPLY_PREFIX}hello gateway`;
    const REPLY_WORDS = REPLY.split(' ').length;
    const request = { model: 'mock-gpt', max_tokens: 256, system: 'be brief', messages: [{ role: 'user' as const, content: 'hello gateway' }] };

    it('answers messages.create with an exact Message object', async () => {
      const { data, response } = await client.messages.create(request).withResponse();
      expect(data).toEqual({
        id: `msg_${response.headers.get('x-request-id')!.replaceAll('-', '')}`,
        type: 'message',
        role: 'assistant',
        model: 'mock-gpt',
        content: [{ type: 'text', text: REPLY }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: PROMPT_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: REPLY_WORDS },
      });
      expect(response.headers.get('content-type')).toBe('application/json');
      // Anthropic's SDK reads the request id from `request-id`.
      expect(response.headers.get('request-id')).toBe(response.headers.get('x-request-id'));
      const { response: raw, request_id } = await client.messages.create(request).withResponse();
      expect(request_id).toBe(raw.headers.get('x-request-id'));
    });

    it('answers unknown routes under /v1/messages in Anthropic shape', async () => {
      for (const [method, path] of [['POST', '/v1/messages/batches'], ['GET', '/v1/messages'], ['POST', '/messages/nope']] as const) {
        const res = await fetch(`${t.baseUrl}${path}`, { method, headers: { 'x-api-key': KEYS.full, 'content-type': 'application/json' }, ...(method === 'POST' && { body: '{}' }) });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: `Invalid URL (${method} ${path})` }, request_id: res.headers.get('request-id') });
      }
    });

    it('streams message_start, ping, one text block, message_delta and message_stop', async () => {
      const res = await post('/v1/messages', { ...request, stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const events = sseEvents(await res.text());
      const id = `msg_${res.headers.get('x-request-id')!.replaceAll('-', '')}`;
      expect(events.map((e) => e.event)).toEqual([
        'message_start', 'ping', 'content_block_start', ...Array<string>(REPLY_WORDS).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop',
      ]);
      expect(events[0]!.data).toEqual({
        type: 'message_start',
        message: {
          id, type: 'message', role: 'assistant', model: 'mock-gpt', content: [], stop_reason: null, stop_sequence: null,
          usage: { input_tokens: PROMPT_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
        },
      });
      expect(events[2]!.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data as { index: number; delta: { type: string; text: string } });
      expect(deltas.every((d) => d.index === 0 && d.delta.type === 'text_delta')).toBe(true);
      expect(deltas.map((d) => d.delta.text).join('')).toBe(REPLY);
      expect(events.at(-3)!.data).toEqual({ type: 'content_block_stop', index: 0 });
      expect(events.at(-2)!.data).toEqual({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { input_tokens: PROMPT_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: REPLY_WORDS },
      });
      expect(events.at(-1)!.data).toEqual({ type: 'message_stop' });
    });

    it('streams through the SDK to the same message as the plain call', async () => {
      const plain = await client.messages.create(request);
      const stream = client.messages.stream(request);
      let text = '';
      stream.on('text', (delta) => (text += delta));
      const final = await stream.finalMessage();
      expect(text).toBe(REPLY);
      expect(comparable(final, plain.id)).toEqual(plain);
    });

    it('answers on the routes without /v1 too', async () => {
      const res = await post('/messages', request);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { content: unknown }).content).toEqual([{ type: 'text', text: REPLY }]);
    });
  });

  describe('with a provider that thinks, talks and calls two tools', () => {
    const request = {
      model: 'claude-fake',
      max_tokens: 4096,
      system: [{ type: 'text' as const, text: 'You are a helpful agent.', cache_control: { type: 'ephemeral' as const } }],
      metadata: { user_id: 'end-user-9' },
      thinking: { type: 'enabled' as const, budget_tokens: 2048 },
      tools: [
        { name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
        { name: 'get_time', input_schema: { type: 'object' as const, properties: { tz: { type: 'string' } } } },
      ],
      messages: [{ role: 'user' as const, content: 'full' }],
    };
    const CONTENT = [
      { type: 'thinking', thinking: 'The user wants weather and time.', signature: 'sig-EqQBCkYIARgC' },
      { type: 'redacted_thinking', data: 'redacted-EmwKAhgB' },
      { type: 'text', text: 'Let me check both.' },
      { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: { tz: 'CET' } },
    ];
    // Anthropic's input_tokens excludes cache reads and writes: 1200 − 800 − 300.
    const USAGE = { input_tokens: 100, cache_creation_input_tokens: 300, cache_read_input_tokens: 800, output_tokens: 57 };

    it('returns the content blocks in order, tool input parsed, and Anthropic usage', async () => {
      const message = await client.messages.create(request);
      expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-fake', stop_reason: 'tool_use', stop_sequence: null });
      expect(message.id).toMatch(UUID_HEX);
      expect(message.content).toEqual(CONTENT);
      expect(message.usage).toEqual(USAGE);

      const canonical = seen.at(-1)!;
      expect(canonical.messages[0]).toEqual({ role: 'system', content: [{ type: 'text', text: 'You are a helpful agent.', cacheControl: { type: 'ephemeral' } }] });
      expect(canonical).toMatchObject({ maxOutputTokens: 4096, user: 'end-user-9', reasoning: { budgetTokens: 2048 }, stream: false });
      expect(canonical.tools?.map((tool) => tool.name)).toEqual(['get_weather', 'get_time']);
    });

    it('sends the exact event sequence with block indices when streamed', async () => {
      const res = await post('/v1/messages', { ...request, stream: true });
      expect(res.status).toBe(200);
      const events = sseEvents(await res.text());
      expect(events[0]!.event).toBe('message_start');
      expect(events[1]!.data).toEqual({ type: 'ping' });
      const delta = (index: number, d: Record<string, unknown>) => ({ type: 'content_block_delta', index, delta: d });
      expect(events.slice(2).map((e) => e.data)).toEqual([
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
        delta(0, { type: 'thinking_delta', thinking: 'The user wants ' }),
        delta(0, { type: 'thinking_delta', thinking: 'weather and time.' }),
        delta(0, { type: 'signature_delta', signature: 'sig-EqQBCkYIARgC' }),
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'redacted-EmwKAhgB' } },
        { type: 'content_block_stop', index: 1 },
        { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
        delta(2, { type: 'text_delta', text: 'Let me check ' }),
        delta(2, { type: 'text_delta', text: 'both.' }),
        { type: 'content_block_stop', index: 2 },
        { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} } },
        delta(3, { type: 'input_json_delta', partial_json: '' }),
        delta(3, { type: 'input_json_delta', partial_json: '{"city": "Par' }),
        delta(3, { type: 'input_json_delta', partial_json: 'is"}' }),
        { type: 'content_block_stop', index: 3 },
        { type: 'content_block_start', index: 4, content_block: { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} } },
        delta(4, { type: 'input_json_delta', partial_json: '{"tz":"CET"}' }),
        { type: 'content_block_stop', index: 4 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: USAGE },
        { type: 'message_stop' },
      ]);
    });

    it('streams through the SDK: the right events, and finalMessage() equals the non-streamed message', async () => {
      const plain = await client.messages.create(request);
      const stream = client.messages.stream(request);
      const types: string[] = [];
      const inputs: string[] = [];
      stream.on('inputJson', (partial) => inputs.push(partial));
      for await (const event of stream) {
        types.push(event.type === 'content_block_delta' ? `${event.type}:${event.index}:${event.delta.type}` : event.type);
      }
      const final = await stream.finalMessage();
      expect(comparable(final, plain.id)).toEqual(plain);
      expect(final.content).toEqual(CONTENT);
      expect(types).toEqual([
        'message_start',
        'content_block_start', 'content_block_delta:0:thinking_delta', 'content_block_delta:0:thinking_delta', 'content_block_delta:0:signature_delta', 'content_block_stop',
        'content_block_start', 'content_block_stop',
        'content_block_start', 'content_block_delta:2:text_delta', 'content_block_delta:2:text_delta', 'content_block_stop',
        'content_block_start', 'content_block_delta:3:input_json_delta', 'content_block_delta:3:input_json_delta', 'content_block_delta:3:input_json_delta', 'content_block_stop',
        'content_block_start', 'content_block_delta:4:input_json_delta', 'content_block_stop',
        'message_delta', 'message_stop',
      ]);
      expect(inputs).toEqual(['', '{"city": "Par', 'is"}', '{"tz":"CET"}']);
    });

    it('records one usage event with the gateway-style token counts and the end user', async () => {
      const { response } = await client.messages.create(request).withResponse();
      const requestId = response.headers.get('x-request-id')!;
      const event = await waitFor(() => t.cp.acknowledged.get(requestId), 'usage event');
      expect(event).toMatchObject({
        keyId: 'k-full', model: 'claude-fake', modelId: 'm-claude', provider: 'anthropic', route: '/v1/messages', stream: false,
        status: 'success', httpStatus: 200, promptTokens: 1200, completionTokens: 57, endUser: 'end-user-9',
      });
    });

    it('reports stop_sequence with the sequence that matched, streamed or not', async () => {
      const body = { model: 'claude-fake', max_tokens: 50, stop_sequences: ['END'], messages: [{ role: 'user' as const, content: 'stop-sequence' }] };
      const message = await client.messages.create(body);
      expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END', content: [{ type: 'text', text: 'one two' }] });
      expect(seen.at(-1)!.stop).toEqual(['END']);
      const final = await client.messages.stream(body).finalMessage();
      expect(comparable(final, message.id)).toEqual(message);
    });

    it('works through the beta endpoint with anthropic-beta headers, as Claude Code calls it', async () => {
      const message = await client.beta.messages.create({ ...request, betas: ['interleaved-thinking-2025-05-14', 'prompt-caching-2024-07-31'] });
      expect(message.content).toEqual(CONTENT);
      // The flags travel with the translation, for a provider that reads them (Claude on Bedrock).
      expect(seen.at(-1)!.passthrough?.headers).toEqual({ 'anthropic-beta': 'interleaved-thinking-2025-05-14,prompt-caching-2024-07-31' });
    });
  });

  describe('provider failures', () => {
    const body = (text: string, stream = false) => ({ model: 'claude-fake', max_tokens: 50, stream, messages: [{ role: 'user', content: text }] });
    const rateLimitBody = { type: 'error', error: { type: 'rate_limit_error', message: 'anthropic: slow down' } };

    it('answers an error before any output with its HTTP status and retry-after, in Anthropic shape, streamed or not', async () => {
      for (const stream of [false, true]) {
        const res = await post('/v1/messages', body('early-429', stream));
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe('7');
        expect(res.headers.get('content-type')).toBe('application/json');
        expect(await res.json()).toEqual({ ...rateLimitBody, request_id: res.headers.get('request-id') });
      }
      const error = await client.messages.create({ model: 'claude-fake', max_tokens: 50, messages: [{ role: 'user', content: 'early-429' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect(error).toMatchObject({ status: 429, error: rateLimitBody, type: 'rate_limit_error' });
    });

    it('reports a mid-stream failure as an `error` event, which the SDK raises', async () => {
      const res = await post('/v1/messages', body('late-overload', true));
      expect(res.status).toBe(200);
      const events = sseEvents(await res.text());
      expect(events.map((e) => e.event)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'error']);
      const overloadedBody = { type: 'error', error: { type: 'overloaded_error', message: 'anthropic: Overloaded' } };
      expect(events.at(-1)!.data).toEqual({ ...overloadedBody, request_id: res.headers.get('request-id') });

      const error = await client.messages.stream({ model: 'claude-fake', max_tokens: 50, messages: [{ role: 'user', content: 'late-overload' }] }).finalMessage().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(APIError);
      expect(error).toMatchObject({ error: overloadedBody, type: 'overloaded_error' });

      const event = await waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');
      expect(event).toMatchObject({ status: 'error', httpStatus: 200, errorType: 'upstream_overloaded', completionTokens: 1 });
    });
  });

  describe('keys and request errors, all in Anthropic shape', () => {
    const ok = { model: 'mock-gpt', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };

    it('accepts the key as x-api-key or as Authorization: Bearer (Claude Code sends either)', async () => {
      expect((await post('/v1/messages', ok, { 'x-api-key': KEYS.full })).status).toBe(200);
      expect((await post('/v1/messages', ok, { authorization: `Bearer ${KEYS.full}` })).status).toBe(200);
      const bearer = new Anthropic({ apiKey: null, authToken: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
      const message = await bearer.messages.create({ ...ok, messages: [{ role: 'user', content: 'bearer' }] });
      expect(message.content).toEqual([{ type: 'text', text: `${MOCK_REPLY_PREFIX}bearer` }]);
    });

    it('answers a missing key with 401 authentication_error', async () => {
      const res = await post('/v1/messages', ok, {});
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: "x-api-key header is required (or send the key as 'Authorization: Bearer <key>')." }, request_id: res.headers.get('request-id') });
    });

    it('answers unknown, blocked and expired keys, and keys of a blocked owner or organization, with 401 authentication_error', async () => {
      for (const key of ['sk-tg-nope', KEYS.blocked, KEYS.expired, KEYS.blockedOwner, KEYS.blockedOrg]) {
        const bad = new Anthropic({ apiKey: key, authToken: null, baseURL: t.baseUrl, maxRetries: 0 });
        const error = await bad.messages.create(ok as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
        expect(error).toMatchObject({ status: 401, type: 'authentication_error' });
      }
      const res = await post('/v1/messages', ok, { 'x-api-key': KEYS.blockedOrg });
      expect(await res.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: "This API key's organization has been blocked." }, request_id: res.headers.get('request-id') });
    });

    it('answers an unknown model with 404 not_found_error and a forbidden one with 403 permission_error', async () => {
      const missing = await client.messages.create({ ...ok, model: 'no-such-model' } as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
      expect(missing).toMatchObject({ error: { type: 'error', error: { type: 'not_found_error', message: "The model 'no-such-model' does not exist." } } });
      const restricted = new Anthropic({ apiKey: KEYS.restrictedTeam, authToken: null, baseURL: t.baseUrl, maxRetries: 0 });
      const forbidden = await restricted.messages.create({ ...ok, model: 'claude-fake' } as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(forbidden).toBeInstanceOf(Anthropic.PermissionDeniedError);
      expect(forbidden).toMatchObject({ error: { type: 'error', error: { type: 'permission_error' } } });
    });

    it('answers malformed JSON, a missing max_tokens and a bad block with 400 invalid_request_error naming the field', async () => {
      const malformed = await post('/v1/messages', '{"model": "mock-gpt",');
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'We could not parse the JSON body of your request. Send valid JSON.' }, request_id: malformed.headers.get('request-id') });

      const noMax = await post('/v1/messages', { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] });
      expect(noMax.status).toBe(400);
      expect(await noMax.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' }, request_id: noMax.headers.get('request-id') });

      const doc = await post('/v1/messages', { ...ok, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'content', content: 'x' } }] }] });
      expect(doc.status).toBe(400);
      expect(await doc.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^messages\.0\.content\.0\.source\.type: document sources of type 'content'/) } });
    });

    // Anthropic takes max_tokens 0 to populate its prompt cache without generating a response; a model behind a
    // translation cannot do that, and says so rather than failing in its provider's words.
    it('answers max_tokens 0 for a translated model with a 400 that names Anthropic models as the way', async () => {
      const err = await client.messages.create({ ...ok, max_tokens: 0 } as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect(err).toMatchObject({ error: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens: 0 populates Anthropic's prompt cache .* Use a model served by Anthropic/) } } });
    });

    it('answers a tool_choice that forces a tool the request does not offer with a 400, as Anthropic does, not an answer without the call', async () => {
      const weather = { name: 'get_weather', input_schema: { type: 'object' as const, properties: {} } };
      const missing = await client.messages.create({ ...ok, tools: [weather], tool_choice: { type: 'tool', name: 'missing_fn' } } as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(Anthropic.BadRequestError);
      expect(missing).toMatchObject({ error: { error: { type: 'invalid_request_error', message: "tool_choice: function 'missing_fn' is not in 'tools'." } } });
      const any = await client.messages.create({ ...ok, tool_choice: { type: 'any' } } as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(any).toMatchObject({ error: { error: { type: 'invalid_request_error', message: "tool_choice: a required tool call needs at least one function in 'tools'." } } });
      expect((await client.messages.create({ ...ok, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' } } as Anthropic.MessageCreateParamsNonStreaming)).stop_reason).toBeDefined();
    });

    it('answers a body over the size limit with 413 request_too_large', async () => {
      const res = await post('/v1/messages', { ...ok, messages: [{ role: 'user', content: 'x'.repeat(LARGE_BODY_LIMIT) }] });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ type: 'error', error: { type: 'request_too_large', message: `Request body exceeds the limit of ${LARGE_BODY_LIMIT} bytes.` }, request_id: res.headers.get('request-id') });
    });
  });

  describe('POST /v1/messages/count_tokens', () => {
    const request = {
      model: 'claude-fake',
      system: 'be brief',
      tools: [{ name: 'get_weather', input_schema: { type: 'object' as const } }],
      messages: [{ role: 'user' as const, content: 'count me' }],
    };

    it("uses the provider's counter when it has one", async () => {
      expect(await client.messages.countTokens(request)).toEqual({ input_tokens: 4242 });
      const canonical = counted.at(-1)!;
      expect(canonical.messages.map((m) => m.role)).toEqual(['system', 'user']);
      expect(canonical.tools).toEqual([{ name: 'get_weather', parameters: { type: 'object' } }]);
      expect(canonical).not.toHaveProperty('maxOutputTokens');
    });

    it('estimates locally for a provider without one, on the route without /v1 too, with a Bearer key', async () => {
      const res = await post('/messages/count_tokens', { model: 'mock-gpt', system: 'be brief', messages: [{ role: 'user', content: 'hello gateway' }] }, { authorization: `Bearer ${KEYS.full}` });
      expect(res.status).toBe(200);
      // o200k: "be brief" 2 + 3, "hello gateway" 2 + 3.
      expect(await res.json()).toEqual({ input_tokens: 10 });
    });

    it('takes a PDF document block: the mock answers the text and bills the document by its size, as count_tokens estimates it', async () => {
      // 48,000 bytes → 3,000 tokens (one per 16 bytes); the text: ceil(9/4); the message: 3.
      const data = Buffer.alloc(48_000, 7).toString('base64');
      const messages = [{ role: 'user' as const, content: [{ type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf' as const, data } }, { type: 'text' as const, text: 'summarise' }] }];
      const message = await client.messages.create({ model: 'mock-gpt', max_tokens: 64, messages });
      expect(message.content).toEqual([{ type: 'text', text: `${MOCK_REPLY_PREFIX}summarise` }]);
      expect(message.usage.input_tokens).toBe(3000 + 3 + 3);
      expect(await client.messages.countTokens({ model: 'mock-gpt', messages })).toEqual({ input_tokens: 3006 });
    });

    it('answers key, model, body and provider errors in Anthropic shape', async () => {
      const cases: Array<[Response, number, string]> = [
        [await post('/v1/messages/count_tokens', request, {}), 401, 'authentication_error'],
        [await post('/v1/messages/count_tokens', { ...request, model: 'no-such-model' }), 404, 'not_found_error'],
        [await post('/v1/messages/count_tokens', request, { 'x-api-key': KEYS.restrictedTeam }), 403, 'permission_error'],
        [await post('/v1/messages/count_tokens', '{oops'), 400, 'invalid_request_error'],
        [await post('/v1/messages/count_tokens', { model: 'claude-fake' }), 400, 'invalid_request_error'],
        [await post('/v1/messages/count_tokens', { ...request, messages: [{ role: 'user', content: 'x'.repeat(LARGE_BODY_LIMIT) }] }), 413, 'request_too_large'],
        [await post('/v1/messages/count_tokens', { ...request, messages: [{ role: 'user', content: 'early-429' }] }), 429, 'rate_limit_error'],
      ];
      for (const [res, status, type] of cases) {
        expect(res.status).toBe(status);
        expect(await res.json()).toMatchObject({ type: 'error', error: { type, message: expect.any(String) } });
      }
      expect(cases.at(-1)![0].headers.get('retry-after')).toBe('7');
    });

    it('records no usage event', async () => {
      const res = await post('/v1/messages/count_tokens', request);
      expect(res.status).toBe(200);
      const countId = res.headers.get('x-request-id')!;
      // A later request's event arriving means anything the count had emitted would have been shipped by now.
      const { response } = await client.messages.create({ model: 'mock-gpt', max_tokens: 20, messages: [{ role: 'user', content: 'after count' }] }).withResponse();
      await waitFor(() => t.cp.acknowledged.get(response.headers.get('x-request-id')!), 'usage event of the later request');
      expect(t.cp.received.some((e) => e.requestId === countId)).toBe(false);
    });
  });
});

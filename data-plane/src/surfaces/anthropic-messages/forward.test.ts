import Anthropic from '@anthropic-ai/sdk';
import { afterOpening } from '../../test-support/sse.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { startRawUpstream, type RawHandler, type RawRequest, type RawUpstream } from '../../test-support/raw-upstream.js';
import { waitFor } from '../../test-support/wait.js';
import { countTextTokens } from '../../providers/token-estimate.js';

/**
 * The same-protocol fast path for Anthropic Messages (Anthropic in, `anthropic` out) against a raw HTTP upstream
 * each test scripts: the body and beta flags go as sent, the answer's bytes come back untouched (blocks the canonical
 * form does not model included), and the usage event has Anthropic's counts in the gateway's terms.
 */
const event = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
const START = event('message_start', {
  message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-up', content: [], stop_reason: null, usage: { input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 300, output_tokens: 1 } },
});
const SEARCH = [
  event('content_block_start', { index: 0, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } }),
  event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"query":"tollgate"}' } }),
  event('content_block_stop', { index: 0 }),
  event('content_block_start', { index: 1, content_block: { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://example.com', title: 'T', encrypted_content: 'e' }] } }),
  event('content_block_stop', { index: 1 }),
];
const TEXT = [
  event('content_block_start', { index: 2, content_block: { type: 'text', text: '', citations: [] } }),
  event('content_block_delta', { index: 2, delta: { type: 'text_delta', text: 'It is a gateway.' } }),
  event('content_block_delta', { index: 2, delta: { type: 'citations_delta', citation: { type: 'web_search_result_location', url: 'https://example.com', title: 'T', encrypted_index: 'i', cited_text: 'gateway' } } }),
  event('content_block_stop', { index: 2 }),
];
const END = [
  event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 42, output_tokens_details: { thinking_tokens: 7 }, server_tool_use: { web_search_requests: 1 } } }),
  event('message_stop', {}),
];
const STREAM = [START, event('ping', {}), ...SEARCH, ...TEXT, ...END];

describe('Anthropic Messages fast path (forwarding to an Anthropic upstream)', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  let handler: RawHandler;
  let received: RawRequest[];
  /** The official SDK, which Claude Code is built on: how it reads the gateway's answers is what matters. */
  let client: Anthropic;

  beforeAll(async () => {
    upstream = await startRawUpstream((req, body, res) => handler(req, body, res));
    received = upstream.received;
    const apiBase = upstream.origin;
    process.env.TG_TEST_ANTHROPIC_FORWARD_KEY = 'sk-ant-forward';
    const snapshot = fixtureSnapshot();
    // Prices per million tokens: input 1, output 2, cache reads 0.1, cache writes 1.25 (nano-USD per token: ×1000).
    snapshot.models.push(
      model({
        id: 'm20',
        name: 'claude',
        provider: 'anthropic',
        providerModel: 'claude-up',
        apiBase,
        apiKeyRef: 'env:TG_TEST_ANTHROPIC_FORWARD_KEY',
        inputCostPerMillion: 1,
        outputCostPerMillion: 2,
        cachedInputCostPerMillion: 0.1,
        cacheWriteCostPerMillion: 1.25,
      }),
      // Another deployment behind the same upstream: a fallback model.
      model({ id: 'm21', name: 'claude-other', provider: 'anthropic', providerModel: 'claude-other-up', apiBase, apiKeyRef: 'env:TG_TEST_ANTHROPIC_FORWARD_KEY' }),
      // One priced from the pricing table (Sonnet 4.5: cache writes 3.75 for 5 minutes, 6 for an hour).
      model({ id: 'm22', name: 'claude-listed', provider: 'anthropic', providerModel: 'claude-sonnet-4-5-20250929', apiBase, apiKeyRef: 'env:TG_TEST_ANTHROPIC_FORWARD_KEY', inputCostPerMillion: 3, outputCostPerMillion: 15 }),
      // Opus 5.5 from the table: fast mode at 2× its prices, US-only inference at 1.1×.
      model({ id: 'm23', name: 'claude-fast', provider: 'anthropic', providerModel: 'claude-opus-5-5', apiBase, apiKeyRef: 'env:TG_TEST_ANTHROPIC_FORWARD_KEY', inputCostPerMillion: 4, outputCostPerMillion: 20 }),
    );
    t = await startTestDataPlane({ snapshot });
    client = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });
  beforeEach(() => {
    received.length = 0;
  });

  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal, path = '/v1/messages') =>
    fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.full, 'anthropic-version': '2023-06-01', ...headers }, body: JSON.stringify(body), signal });
  const usageEvent = (res: Response) => waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');

  const request = {
    model: 'claude',
    max_tokens: 256,
    tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 1 }],
    messages: [{ role: 'user', content: 'What is Tollgate?' }],
    container: 'container_1',
  };

  // The second turn of a web search conversation, as the Anthropic SDK sends it back: the assistant's server tool
  // blocks and cited text, then blocks of other server features in the user's turn.
  const secondTurn = {
    ...request,
    messages: [
      { role: 'user', content: 'What is Tollgate?' },
      {
        role: 'assistant',
        content: [
          { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'tollgate' } },
          { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://example.com', title: 'T', encrypted_content: 'e', page_age: null }] },
          { type: 'text', text: 'It is a gateway.', citations: [{ type: 'web_search_result_location', url: 'https://example.com', title: 'T', encrypted_index: 'i', cited_text: 'gateway' }] },
          { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'echo', server_name: 'docs', input: {} },
          { type: 'mcp_tool_result', tool_use_id: 'mcptoolu_1', is_error: false, content: [{ type: 'text', text: 'ok' }] },
        ],
      },
      { role: 'user', content: [{ type: 'search_result', source: 'https://docs', title: 'Docs', content: [{ type: 'text', text: 'A gateway.' }] }, { type: 'text', text: 'Is that right?' }] },
    ],
  };

  it('streams every event byte for byte, server tool blocks and citations included, and bills Anthropic\'s counts', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Cut inside an event: the forwarder carries the tail over to the next read.
      const whole = STREAM.join('');
      const cut = whole.indexOf('citations_delta') + 5;
      res.write(whole.slice(0, cut));
      setTimeout(() => res.end(whole.slice(cut)), 5);
    };
    const res = await post({ ...request, stream: true }, { 'anthropic-beta': 'web-search-2025-03-05' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(afterOpening(await res.text())).toBe(STREAM.join(''));

    // The client's body with the deployment's model, unknown fields and server tools untouched; its beta flag along.
    expect(received[0]!.url).toBe('/v1/messages');
    expect(received[0]!.body).toEqual({ ...request, model: 'claude-up', stream: true });
    expect(received[0]!.headers).toMatchObject({ 'x-api-key': 'sk-ant-forward', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'web-search-2025-03-05', accept: 'text/event-stream' });

    // Input in the gateway's terms includes the cache reads and writes Anthropic's input_tokens leaves out.
    expect(await usageEvent(res)).toMatchObject({
      status: 'success',
      stream: true,
      provider: 'anthropic',
      promptTokens: 510,
      completionTokens: 42,
      cacheReadTokens: 300,
      cacheWriteTokens: 200,
      reasoningTokens: 7,
      estimated: false,
      // 10 uncached × $1 + 200 written × $1.25 + 300 read × $0.10 + 42 out × $2, per million.
      cost: '0.000374000000',
    });
  });

  /** Has the upstream answer `message` (a whole message's JSON) and returns it. */
  const answerWith = (message: Record<string, unknown>): string => {
    const json = JSON.stringify({ type: 'message', role: 'assistant', model: 'claude-up', stop_reason: 'end_turn', ...message });
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json);
    };
    return json;
  };

  it("keeps what it holds back before the answer begins as its own: another stream's reads meanwhile do not change it", async () => {
    // The held opening events were once a view of memory every stream's reads are joined in (events cut across reads
    // are joined there): a second stream's read while the first was held overwrote it, and the first client got the
    // second's bytes (another key's answer) in place of its message_start.
    const streamOf = (who: string) => [
      START.replace('msg_1', `msg_${who}`),
      event('ping', {}),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: `the answer for ${who} alone` } }),
      event('content_block_stop', { index: 0 }),
      ...END,
    ];
    let releaseFirst: (() => void) | undefined;
    const firstHeld = new Promise<void>((resolve) => {
      handler = (_req, body, res) => {
        const who = String((body.messages as Array<{ content: string }>)[0]!.content);
        const whole = streamOf(who).join('');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // Each opening is cut inside message_start: its rest and the ping arrive joined with the carried part.
        const cut = whole.indexOf('"usage"');
        const answerAt = whole.indexOf('event: content_block_delta');
        res.write(whole.slice(0, cut));
        setTimeout(() => res.write(whole.slice(cut, answerAt)), 5);
        if (who === 'first') {
          releaseFirst = () => res.end(whole.slice(answerAt));
          setTimeout(resolve, 50);
        } else setTimeout(() => res.end(whole.slice(answerAt)), 20);
      };
    });
    const first = post({ ...request, tools: undefined, messages: [{ role: 'user', content: 'first' }], stream: true });
    await firstHeld;
    const second = await post({ ...request, tools: undefined, messages: [{ role: 'user', content: 'second-with-a-longer-opening-'.repeat(8) }], stream: true });
    expect(afterOpening(await second.text())).toContain('the answer for second-with');
    releaseFirst!();
    expect(afterOpening(await (await first).text())).toBe(streamOf('first').join(''));
  });

  it('forwards a whole message byte for byte and bills its usage', async () => {
    const message = answerWith({
      id: 'msg_2',
      content: [{ type: 'text', text: 'It is a gateway.', citations: [{ type: 'char_location', cited_text: 'gateway', document_index: 0, start_char_index: 0, end_char_index: 7 }] }],
      usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 8, output_tokens: 5 },
    });
    const res = await post(request);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(message);
    expect(await usageEvent(res)).toMatchObject({ status: 'success', stream: false, promptTokens: 20, completionTokens: 5, cacheReadTokens: 8, cacheWriteTokens: 0, estimated: false });
  });

  /**
   * An answer of `modelName`'s (Sonnet 4.5 unless said) billed from its usage, streamed (`startUsage` in message_start,
   * `deltaUsage` in message_delta, output 100) and whole (`wholeUsage`, output 100): each usage event must match `billed`.
   */
  async function expectBilled(startUsage: object, deltaUsage: object, wholeUsage: object, billed: object, modelName = 'claude-listed'): Promise<void> {
    const start = event('message_start', { message: { id: 'msg_5', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [], stop_reason: null, usage: { ...startUsage, output_tokens: 1 } } });
    const end = event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { ...deltaUsage, output_tokens: 100 } });
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end([start, ...TEXT, end, event('message_stop', {})].join(''));
    };
    const streamed = await post({ ...request, model: modelName, stream: true });
    await streamed.text();
    expect(await usageEvent(streamed)).toMatchObject({ ...billed, status: 'success', stream: true });
    answerWith({ id: 'msg_6', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'Billed.' }], usage: { ...wholeUsage, output_tokens: 100 } });
    const whole = await post({ ...request, model: modelName });
    await whole.text();
    expect(await usageEvent(whole)).toMatchObject({ ...billed, status: 'success', stream: false });
  }

  it('bills 1-hour cache writes at their own price, streamed (the split in message_start) and whole', async () => {
    // 400 of the 1,000 tokens written for 5 minutes, 600 for an hour (`cache_control: {type: "ephemeral", ttl: "1h"}`).
    const usage = { input_tokens: 10, cache_creation_input_tokens: 1_000, cache_read_input_tokens: 2_000, cache_creation: { ephemeral_5m_input_tokens: 400, ephemeral_1h_input_tokens: 600 } };
    // Anthropic's message_delta repeats the totals, not the split.
    const { cache_creation: _split, ...totals } = usage;
    // 10 × 3 + 2,000 × 0.3 + 400 × 3.75 + 600 × 6 + 100 × 15 = 7,230 per million (every write at 3.75 would be 5,880).
    await expectBilled(usage, totals, usage, { promptTokens: 3_010, completionTokens: 100, cacheReadTokens: 2_000, cacheWriteTokens: 1_000, estimated: false, cost: '0.007230000000' });
  });

  it('bills fast mode and US-only inference at the multiples of the prices the usage says (message_start\'s speed and inference_geo), streamed and whole', async () => {
    const input = { input_tokens: 1_000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const ran = { ...input, speed: 'fast', inference_geo: 'us' };
    // Opus 5.5: (1,000 × 4 + 100 × 20) × 2 (fast) × 1.1 (US-only) = 13,200 per million; message_delta does not repeat them.
    await expectBilled(ran, input, ran, { promptTokens: 1_000, completionTokens: 100, estimated: false, cost: '0.013200000000' }, 'claude-fast');
    // At standard speed, routed anywhere: the list prices, 6,000 per million.
    const standard = { ...input, speed: 'standard', inference_geo: 'global' };
    await expectBilled(standard, input, standard, { promptTokens: 1_000, completionTokens: 100, estimated: false, cost: '0.006000000000' }, 'claude-fast');
  });

  it("bills the web searches Anthropic's server tool made, per search, streamed (message_delta's count) and whole", async () => {
    const input = { input_tokens: 1_000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const usage = { ...input, server_tool_use: { web_search_requests: 2 } };
    // 1,000 × 3 + 100 × 15 = 4,500 per million = 0.0045, + 2 searches × $0.01.
    await expectBilled(input, usage, usage, { promptTokens: 1_000, completionTokens: 100, estimated: false, cost: '0.024500000000' });
  });

  it('forwards a conversation whose history holds blocks only Anthropic reads (server tools, MCP, search results) as sent', async () => {
    const message = answerWith({ id: 'msg_3', content: [{ type: 'text', text: 'Yes.' }], usage: { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 2 } });
    const res = await post(secondTurn);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(message);
    expect(received[0]!.body).toEqual({ ...secondTurn, model: 'claude-up' });
    expect(await usageEvent(res)).toMatchObject({ status: 'success', promptTokens: 40, completionTokens: 2 });
  });

  it('counts tokens of such a conversation with Anthropic\'s count_tokens, on the body as sent', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"input_tokens":1234}');
    };
    // Clients count with the body they are about to send: generation-only fields, which count_tokens refuses, stay behind.
    const res = await post({ ...secondTurn, stream: true, temperature: 0.2, metadata: { user_id: 'u1' } }, { 'anthropic-beta': 'web-search-2025-03-05' }, undefined, '/v1/messages/count_tokens');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ input_tokens: 1234 });
    expect(received[0]!.url).toBe('/v1/messages/count_tokens');
    const { max_tokens: _max, ...counted } = secondTurn;
    expect(received[0]!.body).toEqual({ ...counted, model: 'claude-up' });
    expect(received[0]!.headers).toMatchObject({ 'x-api-key': 'sk-ant-forward', 'anthropic-beta': 'web-search-2025-03-05' });
  });

  it("answers count_tokens' upstream error as Anthropic sent it, 529 and request_id included", async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fv' };
    handler = (_req, _body, res) => {
      res.writeHead(529, { 'content-type': 'application/json' });
      res.end(JSON.stringify(overloaded));
    };
    const res = await post(secondTurn, {}, undefined, '/v1/messages/count_tokens');
    expect(res.status).toBe(529);
    expect(await res.json()).toEqual(overloaded);
  });

  it('answers an upstream error in Anthropic\'s shape with its status and retry-after', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } }));
    };
    const res = await post(request);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringMatching(/per-minute rate limit/) } });
  });

  it("answers Anthropic's 500 and 503 with Anthropic's status and body, not the gateway's 502 or 529", async () => {
    for (const status of [500, 503]) {
      const body = { type: 'error', error: { type: 'api_error', message: `Internal server error ${status}` }, request_id: `req_${status}` };
      handler = (_req, _body, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const res = await post(request);
      expect(res.status, String(status)).toBe(status);
      expect(await res.json()).toEqual(body);
    }
  });

  // Anthropic answers an overload with 529 overloaded_error (https://docs.anthropic.com/en/api/errors): the SDK raises
  // its OverloadedError, and Claude Code retries 529s, then may switch to its fallback model. `x-should-retry` is
  // Anthropic's word on retrying, which the SDK obeys before the status.
  it("answers Anthropic's 529 overloaded_error as Anthropic sent it, with retry-after and x-should-retry", async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' };
    handler = (_req, _body, res) => {
      res.writeHead(529, { 'content-type': 'application/json', 'retry-after': '3', 'x-should-retry': 'true' });
      res.end(JSON.stringify(overloaded));
    };
    const err = await client.messages.create(request as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    const overload = err as InstanceType<typeof Anthropic.OverloadedError>;
    expect(overload.status).toBe(529);
    expect(overload.error).toEqual(overloaded);
    expect(overload.headers.get('retry-after')).toBe('3');
    expect(overload.headers.get('x-should-retry')).toBe('true');
  });

  it("keeps Anthropic's body (request_id and all) when every model tried was overloaded, the attempts in its message", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(529, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fw' }));
    };
    const err = (await client.messages.create({ ...request, fallbacks: ['claude-other'] } as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    expect(err.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/^Overloaded \(after 2 attempts/) }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fw' });
  });

  // Claude Code reads Anthropic's own message to recover: "input length and `max_tokens` exceed context limit: A + B >
  // C" makes it retry with a smaller max_tokens (a "prompt is too long" would make it compact the conversation
  // instead). The gateway still knows it for a context-length error (its context-window fallbacks key on that).
  it("passes Anthropic's own error message through as Anthropic wrote it, and still knows a context-length error", async () => {
    const message = 'input length and `max_tokens` exceed context limit: 178959 + 64000 > 200000, decrease input length or `max_tokens` and try again';
    handler = (_req, _body, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fz' }));
    };
    const err = (await client.messages.create(request as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fz' });
    expect(await waitFor(() => t.cp.acknowledged.get(err.headers.get('x-request-id')!), 'usage event')).toMatchObject({ status: 'error', httpStatus: 400, errorType: 'context_length_exceeded' });
  });

  // Anthropic may refuse a stream after its 200, before any content: `event: error` with the type the error response
  // would have had (streamed overloads are the common case). Nothing of the answer reached the client, so it is that
  // error response, to the client and to routing.
  const failingStream = (type: string, message: string): RawHandler => (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(START + event('ping', {}) + `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`);
  };

  it("answers an overloaded_error event before the answer began as Anthropic's overload, not an api_error", async () => {
    handler = failingStream('overloaded_error', 'Overloaded');
    const err = await client.messages.stream({ ...request, stream: true } as Anthropic.MessageStreamParams).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('falls back to another model on an overloaded_error event before the answer began, as on a 529', async () => {
    handler = failingStream('overloaded_error', 'Overloaded');
    const err = await client.messages
      .stream({ ...request, stream: true, fallbacks: ['claude-other'] } as Anthropic.MessageStreamParams)
      .finalMessage()
      .catch((e: unknown) => e);
    expect(received.map((r) => r.body.model)).toEqual(['claude-up', 'claude-other-up']);
    // Both overloaded: the client hears of the overload, with the models the gateway tried.
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/^Overloaded \(after 2 attempts/) } });
  });

  it('does not send the request to another model after an invalid_request_error event, as after a 400', async () => {
    handler = failingStream('invalid_request_error', 'messages.0.content: unsupported');
    const err = await client.messages
      .stream({ ...request, stream: true, fallbacks: ['claude-other'] } as Anthropic.MessageStreamParams)
      .finalMessage()
      .catch((e: unknown) => e);
    expect(received).toHaveLength(1);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content: unsupported' } });
  });

  // `max_tokens: 0` has Anthropic populate the prompt cache without generating a response (the SDK's
  // MessageCreateParamsBase.max_tokens; https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching): an empty
  // answer stopped by max_tokens, billed as the cache write it is.
  it('forwards max_tokens 0 (populate the prompt cache) and returns Anthropic\'s empty answer', async () => {
    answerWith({ id: 'msg_4', content: [], stop_reason: 'max_tokens', stop_sequence: null, usage: { input_tokens: 12, cache_creation_input_tokens: 2048, cache_read_input_tokens: 0, output_tokens: 0 } });
    const { data: message, response } = await client.messages.create({ ...request, max_tokens: 0 } as Anthropic.MessageCreateParamsNonStreaming).withResponse();
    expect(message.content).toEqual([]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toMatchObject({ input_tokens: 12, cache_creation_input_tokens: 2048, output_tokens: 0 });
    expect(received[0]!.body.max_tokens).toBe(0);
    expect(await waitFor(() => t.cp.acknowledged.get(response.headers.get('x-request-id')!), 'usage event')).toMatchObject({ status: 'success', promptTokens: 2060, completionTokens: 0, cacheWriteTokens: 2048, estimated: false });
  });

  it('ends a stream the upstream cuts after the answer began with Anthropic\'s error event, and records the failure', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write([START, ...TEXT.slice(0, 2)].join(''));
      setTimeout(() => res.destroy(), 5);
    };
    const res = await post({ ...request, stream: true });
    const text = await res.text();
    expect(afterOpening(text).startsWith([START, ...TEXT.slice(0, 2)].join(''))).toBe(true);
    expect(text.endsWith('\n\n')).toBe(true);
    const last = text.trimEnd().split('\n\n').at(-1)!;
    expect(last.split('\n')[0]).toBe('event: error');
    expect(JSON.parse(last.split('\n')[1]!.slice('data: '.length))).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    // No message_delta came: the input side is Anthropic's, the output counted from the text that was streamed.
    expect(await usageEvent(res)).toMatchObject({ status: 'error', promptTokens: 510, completionTokens: countTextTokens('It is a gateway.'), estimated: true });
  });

  describe('output Anthropic did not count yet, counted with the tokenizer', () => {
    const thinking = 'The user asks for the weather; the tool gives it.';
    const intro = 'Let me check the weather in Paris for you.';
    const input = '{"city":"Paris","unit":"celsius"}';
    const expected = () => ({ reasoningTokens: countTextTokens(thinking), completionTokens: countTextTokens(thinking) + countTextTokens(`${intro}get_weather${input}`) });

    it('a stream cut short (the client pressed Esc): thinking, text and a tool call, marked estimated', async () => {
      handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(
          [
            START,
            event('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
            event('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: thinking.slice(0, 20) } }),
            event('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: thinking.slice(20) } }),
            event('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' } }),
            event('content_block_stop', { index: 0 }),
            event('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
            event('content_block_delta', { index: 1, delta: { type: 'text_delta', text: intro } }),
            event('content_block_stop', { index: 1 }),
            event('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } }),
            event('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: input.slice(0, 10) } }),
            event('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: input.slice(10) } }),
          ].join(''),
        );
      };
      const controller = new AbortController();
      const res = await post({ ...request, stream: true }, {}, controller.signal);
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('input_json_delta')) seen += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      await reader.closed.catch(() => undefined);
      expect(await usageEvent(res)).toMatchObject({ status: 'aborted', promptTokens: 510, ...expected(), estimated: true });
    });

    it('a whole message without usage (a compatible server that reports none)', async () => {
      const message = {
        id: 'msg_2',
        type: 'message',
        role: 'assistant',
        model: 'claude-up',
        content: [
          { type: 'thinking', thinking, signature: 'sig' },
          { type: 'text', text: intro },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: JSON.parse(input) as unknown },
        ],
        stop_reason: 'tool_use',
      };
      handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(message));
      };
      const res = await post(request);
      expect(res.status).toBe(200);
      const usage = await usageEvent(res);
      expect(usage).toMatchObject({ status: 'success', ...expected(), estimated: true });
      expect(usage.promptTokens).toBeGreaterThan(0);
    });
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { APIError } from 'openai';
import { afterOpening } from '../../test-support/sse.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { streamParts } from '../../test-support/raw-upstream.js';
import { parseEvents, postResponses } from '../../test-support/sse-events.js';
import { waitFor } from '../../test-support/wait.js';
import { countTextTokens } from '../../providers/token-estimate.js';
import { responsesUsageOfJson } from './forward.js';
import { searchToolOf } from './web-search-calls.js';

/**
 * The native Responses pass-through (Responses in, an `openai` deployment out) against a raw HTTP upstream each
 * test scripts: the body goes up as the client sent it (model aside), the answer's bytes come back as is, usage is
 * read from the response object, and a broken stream ends in an error the client's SDK raises.
 */
type Handler = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => void;

const KEY_ENV = 'TG_RESPONSES_FORWARD_TEST_KEY';
const UPSTREAM_KEY = 'sk-upstream-responses';

let sequence = 0;
const event = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`;
const USAGE = { input_tokens: 21, input_tokens_details: { cached_tokens: 5 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 24 };
const responseObject = (status: string, output: unknown[], usage: unknown) => ({
  id: 'resp_up1',
  object: 'response',
  created_at: 1,
  status,
  error: null,
  incomplete_details: null,
  instructions: null,
  model: 'gpt-up-2025',
  output,
  previous_response_id: 'resp_prev',
  store: true,
  tools: [{ type: 'web_search' }, { type: 'function', name: 'usage', parameters: { type: 'object', properties: { usage: { type: 'string' } } } }],
  usage,
  user: null,
  metadata: {},
});
const MESSAGE = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], text: 'abc' }] };
/** A call of the built-in web search tool, as a response's output item; `web_search_preview` reported no action. */
const WEB_SEARCH = (id: string, action?: Record<string, unknown>) => ({ id, type: 'web_search_call', status: 'completed', ...(action !== undefined && { action }) });

/** A whole stream: created, in_progress, a message streamed in three deltas, completed with usage. */
function stream(): string[] {
  sequence = 0;
  const base = { item_id: 'msg_1', output_index: 0, content_index: 0 };
  return [
    event('response.created', { response: responseObject('in_progress', [], null) }),
    event('response.in_progress', { response: responseObject('in_progress', [], null) }),
    event('response.output_item.added', { output_index: 0, item: { ...MESSAGE, status: 'in_progress', content: [] } }),
    event('response.content_part.added', { ...base, part: { type: 'output_text', annotations: [], text: '' } }),
    event('response.output_text.delta', { ...base, delta: 'a' }),
    event('response.output_text.delta', { ...base, delta: 'b' }),
    event('response.output_text.delta', { ...base, delta: 'c' }),
    event('response.output_text.done', { ...base, text: 'abc' }),
    event('response.content_part.done', { ...base, part: { type: 'output_text', annotations: [], text: 'abc' } }),
    event('response.output_item.done', { output_index: 0, item: MESSAGE }),
    event('response.completed', { response: responseObject('completed', [MESSAGE], USAGE) }),
  ];
}

describe('Responses native pass-through (forwarding to an openai deployment)', () => {
  let t: TestDataPlane;
  let upstream: Server;
  let handler: Handler;
  let received: Array<{ url: string; headers: IncomingMessage['headers']; raw: string; body: Record<string, unknown> }>;
  let upstreamClosed: Promise<void>;
  let client: OpenAI;

  beforeAll(async () => {
    process.env[KEY_ENV] = UPSTREAM_KEY;
    upstream = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(parts).toString('utf8');
        received.push({ url: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> });
        upstreamClosed = new Promise((resolve) => res.on('close', resolve));
        handler(req, JSON.parse(raw) as Record<string, unknown>, res);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const apiBase = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'm20', name: 'gpt', provider: 'openai', providerModel: 'gpt-up', apiBase, apiKeyRef: `env:${KEY_ENV}`, inputCostPerMillion: 1_000_000, outputCostPerMillion: 2_000_000 }));
    snapshot.models.push(model({ id: 'm21', name: 'compat', provider: 'openai_compatible', providerModel: 'up', apiBase }));
    // Priced from the pricing table: GPT-5.4's standard, flex and priority prices.
    // GPT-5.6 Terra bills prompt-cache writes at 1.25× input.
    snapshot.models.push(model({ id: 'm23', name: 'gpt-56', provider: 'openai', providerModel: 'gpt-5.6-terra', apiBase, apiKeyRef: `env:${KEY_ENV}`, inputCostPerMillion: 2, outputCostPerMillion: 12 }));
    snapshot.models.push(model({ id: 'm22', name: 'gpt-listed', provider: 'openai', providerModel: 'gpt-5.4', apiBase, apiKeyRef: `env:${KEY_ENV}`, inputCostPerMillion: 2.5, outputCostPerMillion: 15 }));
    // GPT-4o, a non-reasoning model: the legacy web_search_preview's calls at $25 per 1,000.
    snapshot.models.push(model({ id: 'm24', name: 'gpt-4o-listed', provider: 'openai', providerModel: 'gpt-4o', apiBase, apiKeyRef: `env:${KEY_ENV}`, inputCostPerMillion: 2.5, outputCostPerMillion: 10 }));
    t = await startTestDataPlane({ snapshot });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
    delete process.env[KEY_ENV];
  });
  beforeEach(() => {
    received = [];
  });

  const usageEvent = (res: Response) => waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');


  // What only OpenAI itself can do: stored responses, built-in tools, includes. The gateway must not touch them.
  const stateful = {
    model: 'gpt',
    input: [{ type: 'item_reference', id: 'msg_0' }, { role: 'user', content: [{ type: 'input_text', text: 'and then?' }] }],
    previous_response_id: 'resp_prev',
    store: true,
    include: ['reasoning.encrypted_content', 'web_search_call.action.sources'],
    tools: [{ type: 'web_search', search_context_size: 'low' }, { type: 'code_interpreter', container: { type: 'auto' } }, { type: 'custom', name: 'apply_patch' }],
    tool_choice: { type: 'web_search' },
    metadata: { ticket: 'T-1' },
    user: 'u1',
  };

  it("compacts a conversation (Codex's /v1/responses/compact): to {apiBase}/responses/compact as is, the compaction back as is, billed", async () => {
    const compaction = {
      id: 'cmp_up1',
      object: 'response.compaction',
      created_at: 1_700_000_000,
      output: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the tests' }] }, { id: 'cmp_item1', type: 'compaction', encrypted_content: 'gAAAAB-opaque' }],
      usage: USAGE,
    };
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(compaction));
    };
    const conversation = [{ role: 'user' as const, content: 'fix the tests' }, { role: 'assistant' as const, content: 'Done: 3 fixed.' }];
    const { data, response } = await client.responses.compact({ model: 'gpt', input: conversation, instructions: 'You are Codex.', prompt_cache_key: 'thread-1' }).withResponse();
    expect(data).toEqual(compaction);
    expect(received).toHaveLength(1);
    expect(received[0]!.url).toBe('/v1/responses/compact');
    expect(received[0]!.body).toEqual({ model: 'gpt-up', input: conversation, instructions: 'You are Codex.', prompt_cache_key: 'thread-1' });
    expect(await usageEvent(response)).toMatchObject({ status: 'success', route: '/v1/responses/compact', promptTokens: 21, completionTokens: 3, cost: '27.000000000000' });

    // A model served through a translation cannot read OpenAI's compaction item back: refused before any upstream call.
    const translated = await client.responses.compact({ model: 'mock-gpt', input: 'hi' }).catch((err: unknown) => err);
    expect(translated).toBeInstanceOf(OpenAI.BadRequestError);
    expect(translated).toMatchObject({ param: 'model', message: expect.stringContaining("compaction (/v1/responses/compact) of 'mock-gpt': OpenAI's conversation compaction works only with a model served by OpenAI's Responses API") });
    // Codex's newer remote compaction, a trigger item in an ordinary request: the same reason, and what to do.
    const triggered = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: [{ role: 'user', content: 'hi' }, { type: 'compaction_trigger' }] });
    expect(triggered.status).toBe(400);
    expect(await triggered.json()).toMatchObject({ error: { param: 'input[1].type', message: expect.stringContaining('give Tollgate a [model_providers] entry of its own') } });
    const streamed = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', input: 'hi', stream: true }, '/v1/responses/compact');
    expect(streamed.status).toBe(400);
    expect(await streamed.json()).toMatchObject({ error: { param: 'stream', message: "Invalid value for 'stream': compaction is not streamed: leave stream out." } });
    expect(received).toHaveLength(1);
  });

  it('forwards a plain request as is (model aside) to {apiBase}/responses and the answer byte for byte, billing its usage', async () => {
    const answer = JSON.stringify(responseObject('completed', [MESSAGE], USAGE), null, 2);
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer);
    };
    const res = await postResponses(t.baseUrl, KEYS.full, stateful);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(answer);
    const sent = received[0]!;
    expect(sent.url).toBe('/v1/responses');
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent.headers.accept).toBe('application/json');
    expect(sent.raw).toBe(JSON.stringify({ ...stateful, model: 'gpt-up' }));
    expect(await usageEvent(res)).toMatchObject({ status: 'success', httpStatus: 200, stream: false, provider: 'openai', endUser: 'u1', promptTokens: 21, completionTokens: 3, cost: '27.000000000000' });
  });

  it("bills GPT-5.6's prompt-cache writes (cache_write_tokens) at their price, whole and streamed", async () => {
    const usage = { input_tokens: 1_000, input_tokens_details: { cached_tokens: 200, cache_write_tokens: 500 }, output_tokens: 100, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1_100 };
    // 300 × 2 + 200 × 0.2 + 500 × 2.5 + 100 × 12 = 3,090 per million (every write at input would be 2,840).
    const billed = { promptTokens: 1_000, cacheReadTokens: 200, cacheWriteTokens: 500, completionTokens: 100, cost: '0.003090000000' };
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(responseObject('completed', [MESSAGE], usage)));
    };
    const whole = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-56', input: 'hi', prompt_cache_key: 'session-1' });
    await whole.text();
    expect(await usageEvent(whole)).toMatchObject({ ...billed, status: 'success', stream: false });
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = stream();
      events[events.length - 1] = event('response.completed', { response: responseObject('completed', [MESSAGE], usage) });
      res.end(events.join(''));
    };
    const streamed = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-56', input: 'hi', stream: true });
    await streamed.text();
    expect(await usageEvent(streamed)).toMatchObject({ ...billed, status: 'success', stream: true });
  });

  it('bills the tier OpenAI served the response at (service_tier): priority dearer, flex at half, whole and streamed', async () => {
    const served = (tier: string, extra: Record<string, unknown> = {}) => ({ ...responseObject('completed', [MESSAGE], USAGE), service_tier: tier, ...extra });
    // GPT-5.4, 16 uncached + 5 cached in, 3 out: standard 16 × 2.5 + 5 × 0.25 + 3 × 15 = 86.25 per million;
    // priority 16 × 5 + 5 × 0.5 + 3 × 30 = 172.5; flex 43.125.
    const cases = [
      { answer: served('priority'), cost: '0.000172500000' },
      { answer: served('flex'), cost: '0.000043125000' },
      { answer: served('default'), cost: '0.000086250000' },
      // A "service_tier" the client put in metadata is not OpenAI's: the response was served at default.
      { answer: served('default', { metadata: { service_tier: 'flex' } }), cost: '0.000086250000' },
    ];
    for (const { answer, cost } of cases) {
      handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      const res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-listed', input: 'hi', service_tier: 'auto' });
      await res.text();
      expect(await usageEvent(res)).toMatchObject({ status: 'success', stream: false, promptTokens: 21, cacheReadTokens: 5, completionTokens: 3, cost });
    }
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = stream();
      events[events.length - 1] = event('response.completed', { response: served('priority') });
      res.end(events.join(''));
    };
    const streamed = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-listed', input: 'hi', stream: true, service_tier: 'priority' });
    await streamed.text();
    expect(await usageEvent(streamed)).toMatchObject({ status: 'success', stream: true, cost: '0.000172500000' });
  });

  it('bills the built-in web search per call that searched (its web_search_call items), whole, streamed and failed', async () => {
    // GPT-5.4: the tokens 86.25 per million (as above), + 2 searches × $0.01; opening a page is not a billed search.
    const calls = [WEB_SEARCH('ws_1', { type: 'search', query: 'euro 2024 winner' }), WEB_SEARCH('ws_2', { type: 'open_page', url: 'https://uefa.com' }), WEB_SEARCH('ws_3')];
    const searched = responseObject('completed', [...calls, MESSAGE], USAGE);
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(searched, null, 2));
    };
    const whole = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-listed', input: 'who won?', tools: [{ type: 'web_search' }] });
    await whole.text();
    expect(await usageEvent(whole)).toMatchObject({ status: 'success', stream: false, promptTokens: 21, completionTokens: 3, cost: '0.020086250000' });

    const events = stream();
    events[events.length - 1] = event('response.completed', { response: searched });
    handler = streamParts([events.join('')]);
    const streamed = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-listed', input: 'who won?', stream: true, tools: [{ type: 'web_search' }] });
    await streamed.text();
    expect(await usageEvent(streamed)).toMatchObject({ status: 'success', stream: true, cost: '0.020086250000' });

    const failedResponse = { ...responseObject('failed', [calls[0]], USAGE), error: { code: 'server_error', message: 'the model failed' } };
    handler = streamParts([...stream().slice(0, 5), event('response.failed', { response: failedResponse })]);
    const failed = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-listed', input: 'who won?', stream: true, tools: [{ type: 'web_search' }] });
    await failed.text();
    expect(await usageEvent(failed)).toMatchObject({ status: 'error', cost: '0.010086250000' });
  });

  it('bills the built-in file search per call (its file_search_call items), beside web searches, whole and streamed', async () => {
    // GPT-5.4: the tokens 86.25 per million (as above), + 2 file search calls × $0.0025 (+ 1 web search × $0.01).
    const file = (id: string) => ({ id, type: 'file_search_call', status: 'completed', queries: ['refund policy'], results: null });
    const cases = [
      { output: [file('fs_1'), file('fs_2'), MESSAGE], cost: '0.005086250000' },
      { output: [file('fs_1'), WEB_SEARCH('ws_1', { type: 'search', query: 'refunds' }), file('fs_2'), MESSAGE], cost: '0.015086250000' },
    ];
    for (const c of cases) {
      const answer = responseObject('completed', c.output, USAGE);
      handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      const tools = [{ type: 'file_search', vector_store_ids: ['vs_1'] }];
      const whole = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-listed', input: 'refunds?', tools });
      await whole.text();
      expect(await usageEvent(whole)).toMatchObject({ status: 'success', stream: false, cost: c.cost });
      const events = stream();
      events[events.length - 1] = event('response.completed', { response: answer });
      handler = streamParts([events.join('')]);
      const streamed = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-listed', input: 'refunds?', stream: true, tools });
      await streamed.text();
      expect(await usageEvent(streamed)).toMatchObject({ status: 'success', stream: true, cost: c.cost });
    }
    // A message that only mentions the item type is not a call.
    const quoted = responseObject('completed', [{ ...MESSAGE, content: [{ type: 'output_text', annotations: [], text: 'a "file_search_call" item' }] }], USAGE);
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(quoted));
    };
    const plain = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-listed', input: 'refunds?' });
    await plain.text();
    expect(await usageEvent(plain)).toMatchObject({ status: 'success', cost: '0.000086250000' });
  });

  it("bills the legacy web_search_preview's calls at its own price when the request offers only that tool, whole and streamed", async () => {
    // GPT-4o: 16 × 2.5 + 5 × 1.25 + 3 × 10 = 76.25 per million, + 2 calls × $0.025 (preview) or × $0.01 (web_search).
    const calls = [WEB_SEARCH('ws_1', { type: 'search', query: 'euro 2024 winner' }), WEB_SEARCH('ws_2', { type: 'search', query: 'final score' })];
    const searched = responseObject('completed', [...calls, MESSAGE], USAGE);
    const cases = [
      { tools: [{ type: 'web_search_preview' }], cost: '0.050076250000' },
      { tools: [{ type: 'web_search_preview_2025_03_11', search_context_size: 'low' }, { type: 'function', name: 'f', parameters: {} }], cost: '0.050076250000' },
      { tools: [{ type: 'web_search' }], cost: '0.020076250000' },
      // Both offered: a call does not say which tool made it, billed as web_search's.
      { tools: [{ type: 'web_search_preview' }, { type: 'web_search' }], cost: '0.020076250000' },
    ];
    for (const c of cases) {
      handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(searched));
      };
      const whole = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-4o-listed', input: 'who won?', tools: c.tools });
      await whole.text();
      expect({ tools: c.tools, ...(await usageEvent(whole)) }).toMatchObject({ tools: c.tools, status: 'success', stream: false, cost: c.cost });
      const events = stream();
      events[events.length - 1] = event('response.completed', { response: searched });
      handler = streamParts([events.join('')]);
      const streamed = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt-4o-listed', input: 'who won?', stream: true, tools: c.tools });
      await streamed.text();
      expect({ tools: c.tools, ...(await usageEvent(streamed)) }).toMatchObject({ tools: c.tools, status: 'success', stream: true, cost: c.cost });
    }
  });

  it('streams every event byte for byte across awkward read boundaries and bills the usage of response.completed', async () => {
    const whole = stream().join('');
    const cuts = [whole.indexOf('\n\n') + 1, whole.indexOf('event: response.completed') + 10, whole.lastIndexOf('"usage":{') + 4];
    handler = streamParts([whole.slice(0, cuts[0]), whole.slice(cuts[0], cuts[1]), whole.slice(cuts[1], cuts[2]), whole.slice(cuts[2])]);
    const res = await postResponses(t.baseUrl, KEYS.full, { ...stateful, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(afterOpening(await res.text())).toBe(whole);
    expect(received[0]!.raw).toBe(JSON.stringify({ ...stateful, stream: true, model: 'gpt-up' }));
    expect(received[0]!.headers.accept).toBe('text/event-stream');
    expect(await usageEvent(res)).toMatchObject({ status: 'success', stream: true, promptTokens: 21, completionTokens: 3, ttftMs: expect.any(Number) });
  });

  it('is assembled by the SDK stream helper into the upstream response', async () => {
    handler = streamParts([stream().join('')]);
    const final = await client.responses.stream({ model: 'gpt', input: 'x' }).finalResponse();
    expect(final.id).toBe('resp_up1');
    expect(final.output_text).toBe('abc');
    expect(final.usage).toMatchObject({ input_tokens: 21, output_tokens: 3 });
  });

  it('ends a stream the upstream cut short with response.failed and an error event the SDK raises, billing what was streamed', async () => {
    const events = stream();
    handler = streamParts(events.slice(0, 6), { end: false });
    const res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', stream: true, input: 'count to three' });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(afterOpening(body).startsWith(events.slice(0, 6).join(''))).toBe(true);
    const tail = parseEvents(body).slice(6);
    expect(tail.map((e) => [e.event, e.data.sequence_number])).toEqual([['response.failed', 6], ['error', 7]]);
    expect(tail[0]!.data).toMatchObject({ response: { id: 'resp_up1', model: 'gpt-up-2025', status: 'failed', error: { code: 'upstream_error' } } });
    expect(tail[1]!.data).toMatchObject({ code: 'upstream_error', message: expect.any(String), error: { type: 'api_error', code: 'upstream_error' } });
    const usage = await usageEvent(res);
    expect(usage).toMatchObject({ status: 'error', httpStatus: 200, errorType: 'upstream_error', completionTokens: countTextTokens('ab'), estimated: true });
    expect(usage.promptTokens).toBeGreaterThan(0);

    handler = streamParts(events.slice(0, 6), { end: false });
    const error = await client.responses.stream({ model: 'gpt', input: 'x' }).finalResponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
  });

  it('treats a stream that ends cleanly without a terminal event as cut short too', async () => {
    handler = streamParts(stream().slice(0, 10));
    const res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', stream: true, input: 'x' });
    const last = parseEvents(await res.text()).at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data.message).toContain('closed the stream before it was complete');
    expect(await usageEvent(res)).toMatchObject({ status: 'error', errorType: 'upstream_error' });
  });

  it('forwards an upstream error event or response.failed verbatim, adds nothing, and records the failure', async () => {
    const events = stream();
    const error = `event: error\ndata: ${JSON.stringify({ type: 'error', sequence_number: 5, error: { type: 'server_error', code: 'server_error', message: 'overloaded mid-way', param: null } })}\n\n`;
    handler = streamParts([...events.slice(0, 5), error]);
    let res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', stream: true, input: 'x' });
    expect(afterOpening(await res.text())).toBe(events.slice(0, 5).join('') + error);
    expect(await usageEvent(res)).toMatchObject({ status: 'error', errorType: 'upstream_error', errorMessage: 'overloaded mid-way' });

    const failedResponse = { ...responseObject('failed', [], { ...USAGE, output_tokens: 1 }), error: { code: 'server_error', message: 'the model failed' } };
    const failed = `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: 5, response: failedResponse })}\n\n`;
    handler = streamParts([...events.slice(0, 5), failed]);
    res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', stream: true, input: 'x' });
    expect(afterOpening(await res.text())).toBe(events.slice(0, 5).join('') + failed);
    expect(await usageEvent(res)).toMatchObject({ status: 'error', errorMessage: 'the model failed', promptTokens: 21, completionTokens: 1 });
  });

  // OpenAI fails a request whose prompt overflows the window after response.created, as response.failed with the code
  // (Codex turns context_length_exceeded into "context window exceeded", a rate limit into a wait). Before the first
  // delta nothing has reached the client: the failure is answered as the error response it stands for (so not retried
  // as a server error), and a request only OpenAI can serve (previous_response_id, built-in tools) still gets it.
  it('answers a failure before the first delta with its code, once, whatever the request holds', async () => {
    const failure = (code: string, message: string) => {
      const events = stream();
      sequence = 2;
      const failedResponse = { ...responseObject('failed', [], null), error: { code, message } };
      return [...events.slice(0, 2), event('response.failed', { response: failedResponse })];
    };
    handler = streamParts(failure('context_length_exceeded', 'Your input exceeds the context window of this model.'));
    const body = { model: 'gpt', stream: true, input: 'a very long prompt', previous_response_id: 'resp_prev', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] };
    const res = await postResponses(t.baseUrl, KEYS.full, body);
    const events = parseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual(['response.created', 'response.in_progress', 'response.failed', 'error']);
    expect(events[2]!.data.response).toMatchObject({ status: 'failed', error: { code: 'context_length_exceeded', message: expect.stringContaining('exceeds the context window') } });
    expect(events[3]!.data).toMatchObject({ code: 'context_length_exceeded' });
    expect(received).toHaveLength(1);
    expect(await usageEvent(res)).toMatchObject({ status: 'error', errorType: 'context_length_exceeded' });

    handler = streamParts(failure('rate_limit_exceeded', 'Rate limit reached. Please try again in 2s.'));
    const limited = parseEvents(await (await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', stream: true, input: 'x' })).text());
    expect(limited.at(-1)!.data).toMatchObject({ code: 'rate_limit_exceeded' });
  });

  it('takes response.incomplete as a terminal event with usage', async () => {
    const events = stream();
    sequence = 10;
    const incomplete = event('response.incomplete', { response: { ...responseObject('incomplete', [MESSAGE], USAGE), incomplete_details: { reason: 'max_output_tokens' } } });
    handler = streamParts([...events.slice(0, 10), incomplete]);
    const res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', stream: true, input: 'x' });
    expect(afterOpening(await res.text())).toBe(events.slice(0, 10).join('') + incomplete);
    expect(await usageEvent(res)).toMatchObject({ status: 'success', promptTokens: 21, completionTokens: 3 });
  });

  it('answers an upstream error status before any output in OpenAI form, keeping retry-after', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded', param: null } }));
    };
    for (const stream of [false, true]) {
      const err = await client.responses.create({ model: 'gpt', input: 'x', stream }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect((err as APIError).headers?.get('retry-after')).toBe('7');
      expect((err as APIError).message).toContain('slow down');
    }
  });

  it("passes the upstream's own 400 through in OpenAI form (the gateway validates only model, stream and user)", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: "Previous response with id 'resp_x' not found.", type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' } }));
    };
    const err = await client.responses.create({ model: 'gpt', input: 'x', previous_response_id: 'resp_x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).message).toContain("Previous response with id 'resp_x' not found.");
  });

  it('refuses background responses (their usage arrives only when polled: it could not be billed), and a bad model or stream at parse time', async () => {
    const res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', input: 'x', background: true });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string; message: string } }).error).toMatchObject({ param: 'background', message: expect.stringContaining('their usage arrives only when polled') });
    expect((await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', input: 'x', stream: 'yes' })).status).toBe(400);
    expect((await postResponses(t.baseUrl, KEYS.full, { input: 'x' })).status).toBe(400);
    expect(received).toHaveLength(0);
  });

  it('still translates for a deployment that does not speak Responses, refusing what it cannot do once the target is known', async () => {
    const res = await postResponses(t.baseUrl, KEYS.full, { model: 'compat', input: 'x', previous_response_id: 'resp_1' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string; message: string } }).error).toMatchObject({
      param: 'previous_response_id',
      message: expect.stringContaining('keeps no stored responses'),
    });
    const tool = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'x', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] });
    expect(((await tool.json()) as { error: { message: string } }).error.message).toMatch(/built-in tool 'file_search' is not supported/);
    expect(received).toHaveLength(0);
  });

  it('answers the stored-response routes (retrieve, delete, cancel, input items) of a response it never saw with a 404 saying why, asking no upstream', async () => {
    for (const [method, path] of [['GET', '/v1/responses/resp_other'], ['DELETE', '/v1/responses/resp_other'], ['POST', '/v1/responses/resp_other/cancel'], ['GET', '/responses/resp_other/input_items']] as const) {
      const res = await fetch(`${t.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${KEYS.full}` } });
      expect(res.status, `${method} ${path}`).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('response_not_found');
      expect(body.error.message).toContain("No response with id 'resp_other' was created through Tollgate with this API key");
    }
    const err = await client.responses.retrieve('resp_other').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    // Without a key, the usual 401 comes first.
    expect((await fetch(`${t.baseUrl}/v1/responses/resp_other`)).status).toBe(401);
    expect(received).toHaveLength(0);
  });

  it('aborts the upstream request at once when the client goes away mid-stream, billing what was streamed', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(stream().slice(0, 6).join(''));
    };
    const controller = new AbortController();
    const res = await fetch(`${t.baseUrl}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt', stream: true, input: 'x' }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const t0 = performance.now();
    controller.abort();
    await reader.closed.catch(() => undefined);
    await upstreamClosed;
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await usageEvent(res)).toMatchObject({ status: 'aborted', errorType: 'client_disconnected', completionTokens: countTextTokens('ab'), estimated: true });
  });

  describe('output the upstream does not count, counted with the tokenizer', () => {
    const summary = 'The user wants the weather, so call the tool.';
    const text = ['Calling the weather tool ', 'for Paris now.'];
    const args = '{"city": "Paris"}';
    const call = { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: args };
    const reasoningItem = { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: summary }] };
    const message = { ...MESSAGE, content: [{ type: 'output_text', annotations: [], text: text.join('') }] };
    const expected = () => ({ reasoningTokens: countTextTokens(summary), completionTokens: countTextTokens(summary) + countTextTokens(text.join('') + 'get_weather' + args) });

    it('a stream cut short: text, reasoning summary and a function call, marked estimated', async () => {
      sequence = 0;
      const events = [
        event('response.created', { response: responseObject('in_progress', [], null) }),
        event('response.output_item.added', { output_index: 0, item: { ...reasoningItem, summary: [] } }),
        event('response.reasoning_summary_text.delta', { item_id: 'rs_1', output_index: 0, summary_index: 0, delta: summary }),
        event('response.output_item.added', { output_index: 1, item: { ...message, status: 'in_progress', content: [] } }),
        ...text.map((delta) => event('response.output_text.delta', { item_id: 'msg_1', output_index: 1, content_index: 0, delta })),
        event('response.output_item.added', { output_index: 2, item: { ...call, status: 'in_progress', arguments: '' } }),
        event('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 2, delta: args.slice(0, 9) }),
        event('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 2, delta: args.slice(9) }),
      ];
      handler = streamParts(events, { end: false });
      const res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', stream: true, input: 'weather in Paris?' });
      await res.text();
      expect(await usageEvent(res)).toMatchObject({ status: 'error', ...expected(), estimated: true });
    });

    it('a whole response without usage (a compatible server): its output items', async () => {
      handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(responseObject('completed', [reasoningItem, message, call], null)));
      };
      const res = await postResponses(t.baseUrl, KEYS.full, { model: 'gpt', input: 'weather in Paris?' });
      expect(res.status).toBe(200);
      const usage = await usageEvent(res);
      expect(usage).toMatchObject({ status: 'success', ...expected(), estimated: true });
      expect(usage.promptTokens).toBeGreaterThan(0);
    });
  });
});

describe('responsesUsageOfJson', () => {
  const parse = (value: unknown, indent?: number) => responsesUsageOfJson(Buffer.from(JSON.stringify(value, null, indent)));
  const reported = { inputTokens: 21, outputTokens: 3, cacheReadTokens: 5, reasoningTokens: 1 };

  it("reads a Response object's usage from the end, pretty-printed or not", () => {
    expect(parse(responseObject('completed', [MESSAGE], USAGE))).toEqual(reported);
    expect(parse(responseObject('completed', [MESSAGE], USAGE), 2)).toEqual(reported);
  });

  it('falls back to the whole body when a later "usage" is something else', () => {
    expect(parse({ ...responseObject('completed', [], USAGE), metadata: { usage: 'none' } })).toEqual(reported);
    expect(parse({ ...responseObject('completed', [], USAGE), extra: { usage: { other: 1 } } })).toEqual(reported);
  });

  it('reads the tier the response was served at when it is not the default one, and only from the response object', () => {
    expect(parse({ ...responseObject('completed', [MESSAGE], USAGE), service_tier: 'flex' })).toEqual({ ...reported, serviceTier: 'flex' });
    expect(parse({ ...responseObject('completed', [MESSAGE], USAGE), service_tier: 'priority' }, 2)).toEqual({ ...reported, serviceTier: 'priority' });
    expect(parse({ ...responseObject('completed', [MESSAGE], USAGE), service_tier: 'default' })).toEqual(reported);
    expect(parse({ ...responseObject('completed', [MESSAGE], USAGE), service_tier: 'default', metadata: { service_tier: 'flex' } })).toEqual({ ...reported, serviceTier: 'default' });
  });

  it('counts the calls of the built-in web search tool that searched, not those that opened or read a page', () => {
    const output = [WEB_SEARCH('ws_1', { type: 'search', query: 'a' }), WEB_SEARCH('ws_2', { type: 'open_page', url: 'https://x' }), WEB_SEARCH('ws_3', { type: 'find_in_page', pattern: 'b' }), WEB_SEARCH('ws_4'), MESSAGE];
    expect(parse(responseObject('completed', output, USAGE))).toEqual({ ...reported, webSearches: 2 });
    expect(parse({ ...responseObject('completed', output, USAGE), service_tier: 'flex' }, 2)).toEqual({ ...reported, serviceTier: 'flex', webSearches: 2 });
    // The tool offered (the response's `tools` list it), or its name in the answer's text, is no call.
    const quoted = { ...MESSAGE, content: [{ type: 'output_text', annotations: [], text: 'a "web_search_call" item' }] };
    expect(parse(responseObject('completed', [quoted], USAGE))).toEqual(reported);
    expect(parse(responseObject('completed', [WEB_SEARCH('ws_5', { type: 'open_page', url: 'https://x' })], USAGE))).toEqual(reported);
  });

  it('names the search tool its web search calls were made with, when the request says, and only when they searched', () => {
    const output = [WEB_SEARCH('ws_1', { type: 'search', query: 'a' }), MESSAGE];
    expect(responsesUsageOfJson(Buffer.from(JSON.stringify(responseObject('completed', output, USAGE))), 'web_search_preview')).toEqual({
      ...reported,
      webSearches: 1,
      modifiers: { searchTool: 'web_search_preview' },
    });
    expect(responsesUsageOfJson(Buffer.from(JSON.stringify(responseObject('completed', [MESSAGE], USAGE))), 'web_search_preview')).toEqual(reported);
    expect(searchToolOf([{ type: 'web_search_preview' }])).toBe('web_search_preview');
    expect(searchToolOf([{ type: 'web_search_preview_2025_03_11' }, { type: 'file_search' }])).toBe('web_search_preview');
    expect(searchToolOf([{ type: 'web_search' }])).toBeUndefined();
    expect(searchToolOf([{ type: 'web_search_2025_08_26' }, { type: 'web_search_preview' }])).toBeUndefined();
    expect(searchToolOf(undefined)).toBeUndefined();
  });

  it('gives undefined for a body without usage, or not JSON at all', () => {
    expect(parse(responseObject('queued', [], null))).toBeUndefined();
    expect(responsesUsageOfJson(Buffer.from('<html>'))).toBeUndefined();
  });
});

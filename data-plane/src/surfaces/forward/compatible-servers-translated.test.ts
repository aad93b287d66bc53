import Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { startRawUpstream, type RawHandler, type RawUpstream } from '../../test-support/raw-upstream.js';
import { waitFor } from '../../test-support/wait.js';

/**
 * Real OpenAI-compatible servers' quirks on the translated path (Anthropic Messages in, `openai_compatible` out:
 * providers/openai/), seen through the official `@anthropic-ai/sdk`; each test scripts one server's documented bytes.
 */

const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'up' };
const sse = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`;

describe('Anthropic Messages to openai_compatible, real servers\' quirks', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  let handler: RawHandler;
  let client: Anthropic;

  beforeAll(async () => {
    upstream = await startRawUpstream((req, body, res) => handler(req, body, res));
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'a2', name: 'compat', provider: 'openai_compatible', providerModel: 'up-model', apiBase: `${upstream.origin}/v1`, inputCostPerMillion: 1_000_000, cachedInputCostPerMillion: 100_000, outputCostPerMillion: 2_000_000 }));
    t = await startTestDataPlane({ snapshot });
    client = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  const writeAll = (res: ServerResponse, parts: readonly string[]) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const part of parts) res.write(part);
    res.end();
  };

  // ── 1. Mid-stream error as `{"error": "<string>"}` (Xinference) ────────────────────────────────────────────────
  // Xinference reports a failure during a stream as `yield dict(data=json.dumps({"error": str(ex)}))`
  // (xorbitsai/inference xinference/api/restful_api.py, create_completion / create_chat_completion stream_results),
  // i.e. `data: {"error": "..."}` with a string. The openai SDK raises with that text. Tollgate's chunk schema only
  // takes an error object (providers/openai/wire.ts `OpenAiChunk.error`), so chat-stream.ts `parseChunk` rejects the
  // chunk and the Anthropic client gets "unreadable stream chunk (error: Invalid input…)" instead of the server's
  // message.
  it('a mid-stream `{"error": "text"}` (Xinference) reaches the client with its text', async () => {
    const message = 'CUDA out of memory. Tried to allocate 2.00 GiB';
    handler = (_req, _body, res) =>
      writeAll(res, [sse({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] }), `data: ${JSON.stringify({ error: message })}\n\n`]);
    let error: unknown;
    try {
      await client.messages.stream({ model: 'compat', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain(message);
  });

  // ── 2. Parallel tool calls without `index` (Gemini's OpenAI-compatible endpoint) ──────────────────────────────
  // Gemini's `generativelanguage.googleapis.com/v1beta/openai` streams tool calls without `tool_calls[].index`, each
  // call whole, with its own id (open-webui/computer#224, THU-MAIC/OpenMAIC#1556, openai/openai-python#2806).
  // chat-stream.ts treats a missing index as 0 (`call.index ?? 0`) and ToolCallSequencer appends every later call's
  // arguments to the first one: the client gets ONE tool_use named after the first call whose input is the calls'
  // arguments run together, instead of two tool_use blocks.
  it('parallel tool calls without index (Gemini OpenAI-compat) stay separate tool_use blocks', async () => {
    const call = (id: string, name: string, args: unknown) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });
    handler = (_req, _body, res) =>
      writeAll(res, [
        sse({ ...head, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [call('call_a', 'get_weather', { city: 'Paris' })] }, finish_reason: null }] }),
        sse({ ...head, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [call('call_b', 'get_time', { tz: 'UTC' })] }, finish_reason: null }] }),
        sse({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
        'data: [DONE]\n\n',
      ]);
    const tools = [
      { name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
      { name: 'get_time', input_schema: { type: 'object' as const, properties: { tz: { type: 'string' } } } },
    ];
    let error: unknown;
    let content: Anthropic.ContentBlock[] = [];
    try {
      content = (await client.messages.stream({ model: 'compat', max_tokens: 50, tools, messages: [{ role: 'user', content: 'weather and time' }] }).finalMessage()).content;
    } catch (err) {
      error = err;
    }
    expect(error).toBeUndefined();
    expect(content.filter((b) => b.type === 'tool_use').map((b) => b.type === 'tool_use' && { id: b.id, name: b.name, input: b.input })).toEqual([
      { id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
      { id: 'call_b', name: 'get_time', input: { tz: 'UTC' } },
    ]);
  });

  // ── 3. DeepSeek's cache hits (`prompt_cache_hit_tokens`), translated path ────────────────────────────────────────
  // DeepSeek's own API reports cached input only as top-level `prompt_cache_hit_tokens`/`prompt_cache_miss_tokens`
  // (`"usage": {"completion_tokens": 40, "prompt_tokens": 11, "total_tokens": 51, "prompt_cache_hit_tokens": 0,
  // "prompt_cache_miss_tokens": 11}`, BerriAI/litellm#5017; `prompt_tokens_details` null, BerriAI/litellm#16009;
  // api-docs.deepseek.com/guides/kv_cache). providers/openai/convert-usage.ts reads only
  // `prompt_tokens_details.cached_tokens`, so cache hits are billed at the full input price.
  it('DeepSeek cache hits (prompt_cache_hit_tokens) are billed as cache reads', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'x', object: 'chat.completion', created: 1, model: 'deepseek-chat',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_cache_hit_tokens: 80, prompt_cache_miss_tokens: 20 },
      }));
    };
    const { response } = await client.messages.create({ model: 'compat', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const event = await waitFor(() => t.cp.acknowledged.get(response.headers.get('x-request-id')!), 'usage event');
    expect(event).toMatchObject({ status: 'success', promptTokens: 100, completionTokens: 5, cacheReadTokens: 80 });
  });

  // ── 4. Embeddings without `index` ────────────────────────────────────────────────────────────────────────────
  // Some compatible servers list each vector without OpenAI's `index` (in input order). They were an "unreadable
  // embeddings response" (502), retried.
  it('embeddings listed without index are taken in input order', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ embedding: [1, 0] }, { embedding: [0, 1] }], model: 'up-model', usage: { prompt_tokens: 4, total_tokens: 4 } }));
    };
    const res = await fetch(`${t.baseUrl}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'compat', input: ['first', 'second'] }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Array<{ index: number; embedding: number[] }> };
    expect(body.data).toEqual([expect.objectContaining({ index: 0, embedding: [1, 0] }), expect.objectContaining({ index: 1, embedding: [0, 1] })]);
    expect(upstream.received).toHaveLength(1);
  });
});

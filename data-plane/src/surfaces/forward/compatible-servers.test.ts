import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { startRawUpstream, streamParts, type RawHandler, type RawUpstream } from '../../test-support/raw-upstream.js';
import { waitFor } from '../../test-support/wait.js';

/**
 * Real OpenAI-compatible servers' stream quirks on the OpenAI chat fast path (`openai_compatible`), seen through the
 * official `openai` SDK. Each test scripts one server's documented bytes and expects what that SDK gets from the
 * server directly.
 */

const head = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up' };
const contentChunk = (content: string, finish: string | null = null) => ({ ...head, choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
const ROLE_CHUNK = { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
const USAGE = { prompt_tokens: 21, completion_tokens: 3, total_tokens: 24 };
const USAGE_CHUNK = { ...head, choices: [], usage: USAGE };

describe('OpenAI chat fast path against real servers\' stream quirks', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  let handler: RawHandler;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startRawUpstream((req, body, res) => handler(req, body, res));
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'a1', name: 'compat', provider: 'openai_compatible', providerModel: 'up-model', apiBase: `${upstream.origin}/v1`, inputCostPerMillion: 1_000_000, cachedInputCostPerMillion: 100_000, outputCostPerMillion: 2_000_000 }));
    t = await startTestDataPlane({ snapshot });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });


  /** Streams a chat through the gateway with the SDK: the text, the chunks, the request id (or the error raised). */
  async function streamChat(extra: Record<string, unknown> = {}) {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'compat', stream: true, messages: [{ role: 'user', content: 'count' }], ...extra } as OpenAI.ChatCompletionCreateParamsStreaming)
      .withResponse();
    const requestId = response.headers.get('x-request-id')!;
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    let text = '';
    let error: unknown;
    try {
      for await (const chunk of stream) {
        chunks.push(chunk);
        text += chunk.choices[0]?.delta.content ?? '';
      }
    } catch (err) {
      error = err;
    }
    return { text, chunks, requestId, error };
  }

  const usageEvent = (requestId: string) => waitFor(() => t.cp.acknowledged.get(requestId), 'usage event');

  // ── 1. CRLF framing (sse-starlette) ─────────────────────────────────────────────────────────────────────────────
  // sse-starlette's `EventSourceResponse` ends every line with "\r\n" by default (`DEFAULT_SEPARATOR = "\r\n"`,
  // sysid/sse-starlette sse_starlette/sse.py, event.py); servers that use it without `sep=`, e.g. Xinference
  // (xorbitsai/inference xinference/api/restful_api.py: `return EventSourceResponse(stream_results())`), frame chat
  // streams as `data: {...}\r\n\r\n`. The SSE spec (and the openai SDK's decoder) accept CRLF. The chat scanner
  // (surfaces/openai-chat/forward.ts `ChatStreamScanner.scan`) only knows "\n\n" boundaries: it never sees an event,
  // carries the whole body to the end, and the client gets a 502 instead of the answer.
  it('CRLF-framed stream (sse-starlette / Xinference) reaches the client', async () => {
    handler = streamParts([ROLE_CHUNK, contentChunk('a'), contentChunk('b'), contentChunk('c', 'stop'), USAGE_CHUNK].map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).concat('data: [DONE]\r\n\r\n'));
    const { text, error, requestId } = await streamChat();
    expect(error).toBeUndefined();
    expect(text).toBe('abc');
    expect(await usageEvent(requestId)).toMatchObject({ status: 'success', promptTokens: 21, completionTokens: 3 });
  });

  // ── 2. `data:` without the optional space ───────────────────────────────────────────────────────────────────────
  // LongCat's API streams `data:{"id":...}` (davidmigloz/langchain_dart#778), as does anything behind Spring's
  // `ServerSentEventHttpMessageWriter` (`sb.append("data:")`, cited in openai/openai-python#498) and Ant Group's
  // Bailing API (tashfeenahmed/freellmapi#1092). The SSE spec makes the space optional. The fast path looks for the
  // literal `data: [DONE]` (surfaces/openai-chat/forward.ts `DONE`; also `ERROR_EVENT`), so it decides a complete
  // stream was cut short: it appends its own `{"error":…}` event after the client's `[DONE]` (the openai SDK stops
  // reading at `[DONE]`, so it does not throw; parsers that read to the end do), records the request as an
  // `upstream_error`, and routing/route.ts counts every such stream as a deployment failure (`router.failed`, cooldown).
  it('`data:`-without-space stream (LongCat, Spring proxies) ends cleanly', async () => {
    handler = streamParts([ROLE_CHUNK, contentChunk('a'), contentChunk('b'), contentChunk('c', 'stop'), USAGE_CHUNK].map((c) => `data:${JSON.stringify(c)}\n\n`).concat('data:[DONE]\n\n'));
    const { text, error, requestId } = await streamChat();
    expect(text).toBe('abc');
    expect(error).toBeUndefined();
    expect(await usageEvent(requestId)).toMatchObject({ status: 'success', promptTokens: 21, completionTokens: 3 });
  });

  // ── 3. No final `data: [DONE]` ─────────────────────────────────────────────────────────────────────────────────
  // Several servers end a finished stream without `[DONE]`: ik_llama.cpp (ikawrakow/ik_llama.cpp#467), TGI before
  // huggingface/text-generation-inference#2221, gpustack/llama-box#2. The openai SDK ends the iteration at the end of
  // the body without error; Tollgate's own translated path accepts a clean end after a `finish_reason`
  // (providers/openai/chat-stream.ts). The fast path (forwarder.ts `finishStream`, `scanner.done`) treats it as cut
  // short: the client's finished answer ends in an error event and the SDK throws.
  it('a finished stream without [DONE] (ik_llama.cpp, old TGI) is not turned into an error', async () => {
    handler = streamParts([ROLE_CHUNK, contentChunk('a'), contentChunk('b'), contentChunk('c', 'stop'), USAGE_CHUNK].map((c) => `data: ${JSON.stringify(c)}\n\n`));
    const { text, error, requestId } = await streamChat();
    expect(text).toBe('abc');
    expect(error).toBeUndefined();
    expect(await usageEvent(requestId)).toMatchObject({ status: 'success', promptTokens: 21, completionTokens: 3 });
  });

  // ── 4. Python `json.dumps` spacing: usage not read ─────────────────────────────────────────────────────────────
  // mlx_lm.server writes every chunk with `f"data: {json.dumps(response)}\n\n"` and, for `stream_options.include_usage`,
  // a `completion_usage_response` chunk `{"id": ..., "choices": [], "usage": {"prompt_tokens": ...}}` (ml-explore/mlx-lm
  // mlx_lm/server.py): Python's default separators put a space after every colon. The scanner finds usage only as the
  // exact bytes `"usage":{` (forward.ts `USAGE_OBJECT_TAIL`/`findUsageObject`), so the reported counts are ignored and
  // the request is billed on a local estimate.
  it('usage reported with spaced JSON (mlx_lm.server) is billed as reported', async () => {
    handler = streamParts([ROLE_CHUNK, contentChunk('a'), contentChunk('b'), contentChunk('c', 'stop'), { ...USAGE_CHUNK, usage: { prompt_tokens: 210, completion_tokens: 30, total_tokens: 240 } }].map((c) => `data: ${pyJson(c)}\n\n`).concat('data: [DONE]\n\n'));
    const { text, requestId } = await streamChat();
    expect(text).toBe('abc');
    expect(await usageEvent(requestId)).toMatchObject({ status: 'success', promptTokens: 210, completionTokens: 30, estimated: false });
  });

  // llama-cpp-python and other sse-starlette servers send a `: ping` comment while a long prompt is read, before the
  // first (spaced) chunk: the JSON style is the first data line's, not the first line's.
  it('spaced usage after a comment before the first chunk (sse-starlette ping) is billed as reported', async () => {
    handler = streamParts([': ping - 2026-11-27 00:00:00\r\n\r\n', ...[ROLE_CHUNK, contentChunk('a'), contentChunk('b', 'stop'), { ...USAGE_CHUNK, usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } }].map((c) => `data: ${pyJson(c)}\n\n`), 'data: [DONE]\n\n']);
    const { text, chunks, requestId } = await streamChat();
    expect(text).toBe('ab');
    expect(chunks.filter((c) => c.choices.length === 0)).toEqual([]);
    expect(await usageEvent(requestId)).toMatchObject({ status: 'success', promptTokens: 100, completionTokens: 20, estimated: false });
  });

  // SSE lets an event's data span several `data:` lines, joined with line feeds.
  it('usage in an event written over several data lines is billed as reported', async () => {
    const usageLines = `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[],\ndata: "usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120}}\n\n`;
    handler = streamParts([...[ROLE_CHUNK, contentChunk('a'), contentChunk('b', 'stop')].map((c) => `data: ${JSON.stringify(c)}\n\n`), usageLines, 'data: [DONE]\n\n']);
    const { text, requestId } = await streamChat({ stream_options: { include_usage: true } });
    expect(text).toBe('ab');
    expect(await usageEvent(requestId)).toMatchObject({ status: 'success', promptTokens: 100, completionTokens: 20, estimated: false });
  });

  // A server that sends more after its usage chunk (an empty-choices chunk) and closes without [DONE]: complete.
  it('a finished stream with chunks after its usage and no [DONE] is complete', async () => {
    handler = streamParts([[ROLE_CHUNK, contentChunk('a'), contentChunk('b', 'stop'), USAGE_CHUNK, { ...head, choices: [] }].map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')]);
    const { text, error, requestId } = await streamChat();
    expect(error).toBeUndefined();
    expect(text).toBe('ab');
    expect(await usageEvent(requestId)).toMatchObject({ status: 'success', promptTokens: 21, completionTokens: 3 });
  });

  // ── 5. Same server: the usage chunk Tollgate asked for leaks to a client that did not ───────────────────────────
  // Tollgate adds `stream_options.include_usage` on the client's behalf and promises to withhold the usage chunk
  // (forward.ts `forwardOpenAiChat` doc). It recognises it by the exact bytes `"choices":[]` (`EMPTY_CHOICES`); with
  // mlx_lm's `"choices": []` the chunk is forwarded, and a client that never asked for usage gets a chunk with no
  // choices (the classic `chunk.choices[0]` crash), which mlx_lm itself would not have sent it.
  it('the usage chunk asked for on the client\'s behalf is withheld even when spaced (mlx_lm.server)', async () => {
    handler = streamParts([ROLE_CHUNK, contentChunk('a'), contentChunk('b'), contentChunk('c', 'stop'), USAGE_CHUNK].map((c) => `data: ${pyJson(c)}\n\n`).concat('data: [DONE]\n\n'));
    const { chunks } = await streamChat();
    expect(upstream.received[0]!.body.stream_options).toEqual({ include_usage: true });
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.filter((c) => c.choices.length === 0)).toEqual([]);
  });

  // ── 6. Usage on every chunk: the stream is held back until it ends ──────────────────────────────────────────────
  // vLLM's `stream_options.continuous_usage_stats` (with include_usage) puts `usage` on every chunk, content chunks
  // included (vllm-project/vllm#6540; serving_chat.py `include_continuous_usage`). The chat scanner takes any event
  // holding `"usage":{` as a usage event and never checks it for content, so `started` stays false and the forwarder
  // holds every event back (forwarder.ts `hold`) until the upstream ends: the client gets nothing while the model
  // generates. Here the upstream sends two content chunks and pauses; the client should already have them.
  it('content chunks carrying usage (vLLM continuous_usage_stats) stream as they arrive', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const usage = (n: number) => ({ prompt_tokens: 21, completion_tokens: n, total_tokens: 21 + n });
      res.write(`data: ${JSON.stringify({ ...ROLE_CHUNK, usage: usage(0) })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...contentChunk('a'), usage: usage(1) })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...contentChunk('b'), usage: usage(2) })}\n\n`);
      void released.then(() => {
        res.write(`data: ${JSON.stringify({ ...contentChunk('c', 'stop'), usage: usage(3) })}\n\n`);
        res.end('data: [DONE]\n\n');
      });
    };
    const { data: stream } = await client.chat.completions
      .create({ model: 'compat', stream: true, stream_options: { include_usage: true, continuous_usage_stats: true }, messages: [{ role: 'user', content: 'count' }] } as OpenAI.ChatCompletionCreateParamsStreaming)
      .withResponse();
    const iterator = stream[Symbol.asyncIterator]();
    let text = '';
    const timeout = setTimeout(release, 1_500);
    try {
      // Reading while the upstream is paused: the first content must arrive before it resumes.
      while (!text.includes('b')) {
        const step = await Promise.race([iterator.next(), released.then(() => 'released' as const)]);
        if (step === 'released') break;
        if (step.done) break;
        text += step.value.choices[0]?.delta.content ?? '';
      }
      expect(text).toBe('ab');
    } finally {
      clearTimeout(timeout);
      release();
      for (let step = await iterator.next(); !step.done; step = await iterator.next());
    }
  });

  // ── 7. DeepSeek's cache hits (`prompt_cache_hit_tokens`), fast path ─────────────────────────────────────────────
  // DeepSeek's own API reports cached input only as top-level `prompt_cache_hit_tokens`/`prompt_cache_miss_tokens`
  // (BerriAI/litellm#5017: `"usage": {"completion_tokens": 40, "prompt_tokens": 11, "total_tokens": 51,
  // "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": 11}`; `prompt_tokens_details` null, BerriAI/litellm#16009).
  // surfaces/openai-chat/forward.ts `reportedUsage` reads only `prompt_tokens_details.cached_tokens`: cache hits are
  // billed at the full input price (here: a deployment with a cached-input price).
  it('DeepSeek cache hits (prompt_cache_hit_tokens) are billed as cache reads', async () => {
    handler = streamParts([ROLE_CHUNK, contentChunk('ok', 'stop'), { ...USAGE_CHUNK, usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_cache_hit_tokens: 80, prompt_cache_miss_tokens: 20 } }].map((c) => `data: ${JSON.stringify(c)}\n\n`).concat('data: [DONE]\n\n'));
    const { text, requestId } = await streamChat();
    expect(text).toBe('ok');
    expect(await usageEvent(requestId)).toMatchObject({ status: 'success', promptTokens: 100, completionTokens: 5, cacheReadTokens: 80 });
  });
});

/** JSON as Python's `json.dumps` writes it by default: `", "` and `": "` separators. */
function pyJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyJson(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

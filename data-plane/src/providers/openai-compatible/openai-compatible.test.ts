import { ModelConfig } from '@tollgate/schema';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readChunks, startReplay, type ReplayServer } from '../../../../test/stand-ins/openai/replay.js';
import { STAND_IN_API_KEY, startOpenAiStandIn, type OpenAiStandIn } from '../../../../test/stand-ins/openai/server.js';
import { directive } from '../../../../test/stand-ins/script.js';
import type { CanonicalRequest } from '../../canonical/request.js';
import { secretResolver } from '../../upstream/secrets.js';
import type { StreamEvent } from '../types.js';
import { openAiCompatibleChatUpstream, openAiCompatibleProvider } from './index.js';

const secrets = secretResolver({ VLLM_KEY: STAND_IN_API_KEY });
const provider = openAiCompatibleProvider();
const signal = () => new AbortController().signal;

function ask(text: string, extra: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return { stream: true, messages: [{ role: 'user', content: [{ type: 'text', text }] }], ...extra };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function target(apiBase: string | null, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return ModelConfig.parse({ id: 'c', name: 'local', provider: 'openai_compatible', providerModel: 'qwen3:8b', apiBase, inputCostPerMillion: 0, outputCostPerMillion: 0, ...overrides });
}

const fixture = (name: string) => readChunks(new URL(`./__fixtures__/${name}.chunks.txt`, import.meta.url));

describe('openai_compatible provider against a key-less stand-in (local vLLM / Ollama)', () => {
  let standIn: OpenAiStandIn;
  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ apiKey: null });
  });
  afterAll(() => standIn.close());

  it('passes a 422 that does not name stream_options on as it is, asking once (a refusal of them is retried without)', async () => {
    const before = standIn.requests.length;
    const [event] = await collect(provider.chat(ask(directive({ fault: { kind: 'http', status: 422 } })), { target: target(standIn.url, { id: 'other-422' }), signal: signal(), secrets }));
    expect(event).toMatchObject({ type: 'error', error: { status: 422 } });
    expect(standIn.requests.length - before).toBe(1);
    expect(standIn.requests.at(-1)!.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it('sends no Authorization header when the model has no key, and max_tokens / top_k as these servers know them', async () => {
    const events = await collect(provider.chat(ask('hi', { maxOutputTokens: 50, topK: 20 }), { target: target(standIn.url), signal: signal(), secrets }));
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
    const request = standIn.requests.at(-1)!;
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toMatchObject({ model: 'qwen3:8b', max_tokens: 50, top_k: 20, stream_options: { include_usage: true } });
    expect(request.body).not.toHaveProperty('max_completion_tokens');
  });

  it('sends the bearer key when one is configured', async () => {
    await collect(provider.chat(ask('hi'), { target: target(standIn.url, { apiKeyRef: 'env:VLLM_KEY' }), signal: signal(), secrets }));
    expect(standIn.requests.at(-1)!.headers.authorization).toBe(`Bearer ${STAND_IN_API_KEY}`);
  });

  it("sends an assistant turn's reasoning back as reasoning_content when it called tools (DeepSeek's thinking mode needs it)", async () => {
    const request = ask('q', {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'Call the tool.' }, { type: 'tool-call', id: 'c1', name: 'get_weather', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', content: [{ type: 'text', text: 'sunny' }] }] },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'Done.' }, { type: 'text', text: 'Sunny.' }] },
        { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
      ],
    });
    await collect(provider.chat(request, { target: target(standIn.url), signal: signal(), secrets }));
    const messages = (standIn.requests.at(-1)!.body as { messages: unknown[] }).messages;
    expect(messages[1]).toEqual({ role: 'assistant', content: null, reasoning_content: 'Call the tool.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] });
    expect(messages[3]).toEqual({ role: 'assistant', content: 'Sunny.' });
  });

  it('maps reasoning_content deltas (vLLM, DeepSeek) to reasoning-delta', async () => {
    const events = await collect(provider.chat(ask(directive({ reasoning: 'Hmm, simple.', text: 'Yes.' })), { target: target(standIn.url), signal: signal(), secrets }));
    expect(events.filter((e) => e.type === 'reasoning-delta').map((e) => e.text).join('')).toBe('Hmm, simple.');
  });

  it('refuses a model without apiBase with an error event', async () => {
    const [event] = await collect(provider.chat(ask('x'), { target: target(null), signal: signal(), secrets }));
    expect(event).toMatchObject({ type: 'error', error: { code: 'provider_misconfigured', message: expect.stringContaining('apiBase') } });
    expect(() => openAiCompatibleChatUpstream(target(null), secrets)).toThrow();
    expect(openAiCompatibleChatUpstream(target('http://localhost:11434/v1/'), secrets)).toEqual({ url: 'http://localhost:11434/v1/chat/completions', headers: { 'content-type': 'application/json' } });
  });
});

describe('openai_compatible provider against recorded upstream streams', () => {
  let replay: ReplayServer | undefined;
  afterEach(() => replay?.close());

  async function replayed(chunks: readonly string[], options?: Parameters<typeof startReplay>[1], request = ask('q')): Promise<StreamEvent[]> {
    replay = await startReplay(chunks, options);
    return collect(provider.chat(request, { target: target(replay.url), signal: signal(), secrets }));
  }

  it('vllm-reasoning (golden): reasoning_content then content, usage without details', async () => {
    const events = await replayed(fixture('vllm-reasoning'));
    await expect(`${JSON.stringify(events, null, 2)}\n`).toMatchFileSnapshot('./__fixtures__/vllm-reasoning.events.json');
  });

  it("ollama-reasoning-no-usage: Ollama's `reasoning` deltas, and a stream without usage finishes with usage unknown", async () => {
    const events = await replayed(fixture('ollama-reasoning-no-usage'));
    expect(events).toEqual([
      { type: 'response-metadata', id: 'chatcmpl-412', model: 'qwen3:8b' },
      { type: 'reasoning-delta', text: 'Simple' },
      { type: 'reasoning-delta', text: ' greeting.' },
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: '!' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: undefined, outputTokens: undefined, cacheReadTokens: undefined, reasoningTokens: undefined } },
    ]);
  });

  it('compatible-interleaved-tools: interleaved tool-call indices and text during a call come out in contract order', async () => {
    const events = await replayed(fixture('compatible-interleaved-tools'));
    expect(events.slice(1)).toEqual([
      { type: 'text-delta', text: 'Checking both.' },
      { type: 'tool-call-start', index: 0, id: 'chatcmpl-tool-0a1b', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ': "Oslo"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'chatcmpl-tool-2c3d', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"timezone"' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: ': "UTC"}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'text-delta', text: ' ' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: { inputTokens: 210, outputTokens: 31, cacheReadTokens: undefined, reasoningTokens: undefined } },
    ]);
  });

  it('accepts a stream that ends cleanly after finish_reason without [DONE]', async () => {
    const events = await replayed(fixture('ollama-reasoning-no-usage').filter((line) => line !== '[DONE]'));
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
  });

  it('turns a stream that ends without finish_reason into an error, never a finish', async () => {
    const events = await replayed(fixture('vllm-reasoning').slice(0, 4));
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { status: 502, code: 'upstream_error', message: expect.stringContaining('ended before the response finished') } });
  });

  it('turns a chunk that is not JSON, or not a chunk, into an error event', async () => {
    const [first, ...rest] = fixture('vllm-reasoning');
    const notJson = await replayed([first!, '{"choices":[{"delta":{"content":"x"', ...rest]);
    expect(notJson.map((e) => e.type)).toEqual(['response-metadata', 'error']);
    expect(notJson.at(-1)).toMatchObject({ error: { message: expect.stringContaining('unreadable stream chunk (not JSON') } });
    await replay!.close();
    const wrongShape = await replayed([first!, '{"choices":[{"index":0,"delta":{"content":42}}]}', ...rest]);
    expect(wrongShape.at(-1)).toMatchObject({ type: 'error', error: { message: expect.stringContaining('choices.0.delta.content') } });
  });

  it('answers when a server ignores stream: true and returns one JSON completion', async () => {
    const body = JSON.stringify({ id: 'x1', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1 } });
    const events = await replayed([], { body });
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'text-delta', 'finish']);
  });

  it('ollama-parallel-index0: calls of one batch all at index 0, each with its own id, stay separate calls (ollama/ollama#15457)', async () => {
    const events = await replayed(fixture('ollama-parallel-index0'));
    expect(events.filter((e) => e.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_k3v9q2xa', name: 'file_write' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"content":"print(\\"hello\\")","filePath":"hello.py"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_p7w1m4zc', name: 'file_write' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"content":"print(\\"world\\")","filePath":"world.py"}' },
      { type: 'tool-call-end', index: 1 },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } });
  });

  it("mlx-tool-call: mlx_lm.server's finish_reason tool_call is a tool-calls finish", async () => {
    const events = await replayed(fixture('mlx-tool-call'));
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_call' }, usage: { inputTokens: 160, outputTokens: 22 } });
  });

  it('vllm-abort: a stream its engine aborted (finish_reason abort, then usage and [DONE]) ends in an error, never a finish', async () => {
    const events = await replayed(fixture('vllm-abort'));
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ error: { status: 502, code: 'upstream_error', message: expect.stringContaining('aborted the answer (finish_reason abort)') } });
  });

  it('a finish_reason error without an error object (Mistral) ends in an error too', async () => {
    const chunks = fixture('vllm-abort').map((line) => line.replace('"abort"', '"error"'));
    const events = await replayed(chunks);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { status: 502, message: expect.stringContaining('ended the answer with an error (finish_reason error)') } });
  });

  it("openrouter-midstream-error: the error's numeric code is its status (a 429 stays a rate limit)", async () => {
    const events = await replayed(fixture('openrouter-midstream-error'));
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'openai_compatible: Provider returned error' } });
    // vLLM's mid-stream error carries its HTTP status the same way: a prompt over the window is a 400 to fall back on.
    const vllm = JSON.stringify({ error: { object: 'error', message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens", type: 'BadRequestError', param: null, code: 400 } });
    await replay!.close();
    const [first] = fixture('vllm-abort');
    expect((await replayed([first!, vllm])).at(-1)).toMatchObject({ type: 'error', error: { status: 400, code: 'context_length_exceeded' } });
  });

  it("answers OpenRouter's 200 whose body is an error as that error, by its code, not as an unreadable response", async () => {
    const body = JSON.stringify({ error: { code: 502, message: 'Provider disconnected', metadata: { provider_name: 'Together' } }, user_id: 'user_2x' });
    const [event] = await replayed([], { body }, ask('q', { stream: false }));
    expect(event).toMatchObject({ type: 'error', error: { status: 502, code: 'upstream_error', message: 'openai_compatible: Provider disconnected' } });
    await replay!.close();
    const limited = JSON.stringify({ error: { code: 429, message: 'Rate limit exceeded: free-models-per-min' } });
    expect(await replayed([], { body: limited }, ask('q', { stream: false }))).toEqual([{ type: 'error', error: expect.objectContaining({ status: 429, type: 'rate_limit_error' }) }]);
    // The error inside the choice, with finish_reason error: the same.
    await replay!.close();
    const inChoice = JSON.stringify({ id: 'gen-1', choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'error', error: { code: 503, message: 'This model is currently experiencing high demand.' } }], usage: { prompt_tokens: 5, completion_tokens: 0 } });
    expect(await replayed([], { body: inChoice }, ask('q', { stream: false }))).toEqual([{ type: 'error', error: expect.objectContaining({ status: 503, message: 'openai_compatible: This model is currently experiencing high demand.' }) }]);
  });

  it('xai-reasoning-usage: reasoning xAI counts beside completion_tokens (total = prompt + completion + reasoning) is billed as output', async () => {
    const events = await replayed(fixture('xai-reasoning-usage'));
    expect(events.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 12, outputTokens: 387, cacheReadTokens: 0, reasoningTokens: 386 } });
  });

  it("keeps a compatible server's own error message (Ollama's model-not-found)", async () => {
    const body = JSON.stringify({ error: { message: 'model "qwen3:8b" not found, try pulling it first', type: 'api_error', param: null, code: null } });
    const [event] = await replayed([], { status: 404, body });
    expect(event).toMatchObject({ type: 'error', error: { status: 404, type: 'not_found_error', message: 'openai_compatible: model "qwen3:8b" not found, try pulling it first', provider: 'openai_compatible' } });
  });
});

// A server that refuses stream_options (Mistral's API: 422 extra_forbidden; usage on every stream's last chunk).
describe('openai_compatible provider against a server that refuses stream_options', () => {
  let standIn: OpenAiStandIn;
  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ apiKey: null, strictBody: true });
  });
  afterAll(() => standIn.close());

  it('sends the stream again without them at once, and from then on never with them; the usage it reports unasked is kept', async () => {
    const deployment = target(standIn.url, { id: 'strict-1' });
    const first = await collect(provider.chat(ask('first'), { target: deployment, signal: signal(), secrets }));
    expect(first.filter((e) => e.type === 'text-delta').map((e) => e.text).join('')).toBe('Echo: first');
    expect(first.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 2, outputTokens: 2 } });
    expect(standIn.requests.map((r) => (r.body as { stream_options?: unknown }).stream_options)).toEqual([{ include_usage: true }, undefined]);

    await collect(provider.chat(ask('second'), { target: deployment, signal: signal(), secrets }));
    expect(standIn.requests).toHaveLength(3);
    expect(standIn.requests[2]!.body).not.toHaveProperty('stream_options');
    // Another deployment on the same server is its own: it learns for itself.
    await collect(provider.chat(ask('other'), { target: target(standIn.url, { id: 'strict-2' }), signal: signal(), secrets }));
    expect(standIn.requests).toHaveLength(5);
  });
});

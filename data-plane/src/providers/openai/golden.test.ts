import { ModelConfig } from '@tollgate/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { readChunks, startReplay, type ReplayServer } from '../../../../test/stand-ins/openai/replay.js';
import { secretResolver } from '../../upstream/secrets.js';
import type { StreamEvent } from '../types.js';
import { openaiProvider } from './index.js';

// Golden test: a stream in OpenAI's recorded wire format (gpt-4o, two parallel tool calls, role merged into the
// first tool-call delta, obfuscation padding, include_usage chunk with cached tokens) replayed byte for byte
// against the adapter; the canonical events are the snapshot next to it.
describe('openai golden streams', () => {
  let replay: ReplayServer | undefined;
  afterEach(() => replay?.close());

  it('openai-parallel-tools', async () => {
    replay = await startReplay(readChunks(new URL('./__fixtures__/openai-parallel-tools.chunks.txt', import.meta.url)));
    const target = ModelConfig.parse({ id: 'm', name: 'gpt', provider: 'openai', providerModel: 'gpt-4o', apiBase: replay.url, inputCostPerMillion: 0, outputCostPerMillion: 0 });
    const events: StreamEvent[] = [];
    const request = { stream: true, messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Weather and time in Paris?' }] }] };
    for await (const e of openaiProvider().chat(request, { target, signal: new AbortController().signal, secrets: secretResolver({ OPENAI_API_KEY: 'k' }) })) events.push(e);
    await expect(`${JSON.stringify(events, null, 2)}\n`).toMatchFileSnapshot('./__fixtures__/openai-parallel-tools.events.json');
  });

  // Ollama's OpenAI-compatible API (and some vLLM tool parsers) end a turn that called a tool with finish_reason
  // "stop" (shape as Ollama streams it: the call whole in one chunk, usage in a last chunk without choices). Taken as a
  // plain stop, an Anthropic client was told `end_turn` and its agent loop ended with the call unanswered.
  it('ollama-tool-call-stop: a call ended with "stop" finishes as tool calls', async () => {
    replay = await startReplay(readChunks(new URL('./__fixtures__/ollama-tool-call-stop.chunks.txt', import.meta.url)));
    const target = ModelConfig.parse({ id: 'm', name: 'qwen', provider: 'openai_compatible', providerModel: 'qwen3:8b', apiBase: replay.url, inputCostPerMillion: 0, outputCostPerMillion: 0 });
    const events: StreamEvent[] = [];
    const request = { stream: true, messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Weather in Paris?' }] }] };
    for await (const e of openaiProvider().chat(request, { target, signal: new AbortController().signal, secrets: secretResolver({ OPENAI_API_KEY: 'k' }) })) events.push(e);
    expect(events.filter((e) => e.type === 'tool-call-start')).toEqual([{ type: 'tool-call-start', index: 0, id: 'call_x8k2m1qv', name: 'get_weather' }]);
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'stop' }, usage: { inputTokens: 148, outputTokens: 21 } });
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { defineProvider } from '../define-provider.js';
import type { Provider, ProviderCall, ProviderStreamEvent } from '../types.js';
import { mockEmbed } from './embed.js';
import { mockReply, wordDeltas } from './reply.js';
import { translateRequest, type MockWire } from './translate.js';

export interface MockProviderOptions {
  /** Pause between deltas, to make streams observable in tests (client disconnects, backpressure). Default 0. */
  delayMs?: number;
}

/**
 * The built-in `mock` provider: no network, a deterministic answer streamed word by word. Prompt tokens are the
 * rough local estimate (characters ÷ 4: deterministic, and no tokenizer to wait for), completion tokens the number
 * of deltas.
 */
export function mockProvider(options: MockProviderOptions = {}): Provider {
  const delayMs = options.delayMs ?? 0;
  return defineProvider<MockWire>({
    kind: 'mock',
    translateRequest,
    call: (wire, call) => generate(wire, call, delayMs),
    embed: (request) => mockEmbed(request),
  });
}

async function* generate(wire: MockWire, call: ProviderCall, delayMs: number): AsyncGenerator<ProviderStreamEvent> {
  const deltas = wordDeltas(mockReply(wire.lastUserText));
  for (const text of deltas) {
    if (call.signal.aborted) return;
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: call.signal }).catch(() => undefined);
    if (call.signal.aborted) return;
    yield { type: 'text-delta', text };
  }
  yield {
    type: 'finish',
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: { inputTokens: wire.promptTokens, outputTokens: deltas.length },
  };
}

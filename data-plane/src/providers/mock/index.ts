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
  const { deltas, finish, stopSequence } = answer(wire);
  for (const text of deltas) {
    if (call.signal.aborted) return;
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: call.signal }).catch(() => undefined);
    if (call.signal.aborted) return;
    yield { type: 'text-delta', text };
  }
  yield {
    type: 'finish',
    finishReason: { unified: finish, raw: finish, ...(stopSequence !== undefined && { stopSequence }) },
    usage: { inputTokens: wire.promptTokens, outputTokens: deltas.length },
  };
}

/**
 * The answer's deltas (a word each, one output token each) and why it ends, as a model's would: at the first stop
 * sequence the reply contains (left out, `stop`, the sequence named), or after `maxOutputTokens` deltas (`length`), else
 * whole (`stop`).
 * So clients can try their handling of both against the mock.
 */
function answer(wire: MockWire): { deltas: string[]; finish: 'stop' | 'length'; stopSequence?: string } {
  let reply = mockReply(wire.lastUserText);
  // The stop sequence met first ends the reply, and is named (Anthropic's `stop_sequence`), as models do.
  let stopSequence: string | undefined;
  for (const stop of wire.stop ?? []) {
    const at = stop === '' ? -1 : reply.indexOf(stop);
    if (at >= 0) {
      reply = reply.slice(0, at);
      stopSequence = stop;
    }
  }
  const deltas = wordDeltas(reply);
  const cap = wire.maxOutputTokens;
  if (cap !== undefined && cap < deltas.length) return { deltas: deltas.slice(0, Math.max(cap, 0)), finish: 'length' };
  return { deltas, finish: 'stop', ...(stopSequence !== undefined && { stopSequence }) };
}

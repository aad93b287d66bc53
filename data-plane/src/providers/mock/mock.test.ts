import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineProvider } from '../define-provider.js';
import { ModelConfig } from '@tollgate/schema';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { KEYS } from '../../test-support/fixtures.js';
import { secretResolver } from '../../upstream/secrets.js';
import type { CanonicalChatRequest, ProviderStreamEvent, ProviderTarget } from '../types.js';
import { mockProvider } from './index.js';
import { MOCK_REPLY_PREFIX, wordDeltas } from './reply.js';

const target: ProviderTarget = ModelConfig.parse({ id: 'm', name: 'mock', provider: 'mock', providerModel: 'mock', inputCostPerMillion: 1, outputCostPerMillion: 2 });
const secrets = secretResolver({});
const request = (text: string): CanonicalChatRequest => ({
  stream: true,
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'sys' }] },
    { role: 'user', content: [{ type: 'text', text }] },
    { role: 'assistant', content: [{ type: 'text', text: 'earlier answer' }] },
  ],
});

async function collect(events: AsyncIterable<ProviderStreamEvent>): Promise<ProviderStreamEvent[]> {
  const out: ProviderStreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('mock provider', () => {
  it('answers deterministically with the last user message, word by word, then finish with usage', async () => {
    const events = await collect(mockProvider().chat(request('hello there'), { target, secrets, signal: new AbortController().signal }));
    const deltas = events.filter((e) => e.type === 'text-delta').map((e) => e.text);
    expect(deltas.join('')).toBe(`${MOCK_REPLY_PREFIX}hello there`);
    expect(deltas.slice(0, 3)).toEqual(['This', ' is', ' a']);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      // ceil(3/4)+3 + ceil(11/4)+3 + ceil(14/4)+3
      usage: { inputTokens: 4 + 6 + 7, outputTokens: deltas.length },
    });
  });

  it("stops at max_tokens (finish 'length') and before a stop sequence, as a model does, so clients can try both", async () => {
    const signal = new AbortController().signal;
    const capped = await collect(mockProvider().chat({ ...request('one two three four five'), maxOutputTokens: 3 }, { target, secrets, signal }));
    expect(capped.filter((e) => e.type === 'text-delta').map((e) => e.text)).toEqual(['This', ' is', ' a']);
    expect(capped.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'length' }, usage: { outputTokens: 3 } });
    const stopped = await collect(mockProvider().chat({ ...request('one two STOP three'), stop: ['STOP'] }, { target, secrets, signal }));
    expect(stopped.filter((e) => e.type === 'text-delta').map((e) => e.text).join('')).toBe(`${MOCK_REPLY_PREFIX}one two `);
    expect(stopped.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop', stopSequence: 'STOP' } });
  });

  it('stops when the call is aborted', async () => {
    const controller = new AbortController();
    const seen: ProviderStreamEvent[] = [];
    for await (const e of mockProvider({ delayMs: 1 }).chat(request('a b c d e f'), { target, secrets, signal: controller.signal })) {
      seen.push(e);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toHaveLength(2);
  });

  it('splits words so the deltas join back to the exact text', () => {
    for (const text of ['', 'one', '  lead and trail  ', 'tabs\tand\nnewlines']) expect(wordDeltas(text).join('')).toBe(text);
  });
});

describe('defineProvider', () => {
  const signal = new AbortController().signal;

  it('turns a throw into an error event', async () => {
    const broken = defineProvider({ kind: 'mock', translateRequest: () => { throw new Error('bad input'); }, call: async function* () {} });
    const events = await collect(broken.chat(request('x'), { target, secrets, signal }));
    expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, message: 'mock: bad input' }) }]);
  });

  it('ends a stream that stops without finishing with an error event, and drops anything after finish', async () => {
    const truncated = defineProvider({ kind: 'mock', translateRequest: () => null, call: async function* () { yield { type: 'text-delta', text: 'a' } as const; } });
    expect((await collect(truncated.chat(request('x'), { target, secrets, signal }))).map((e) => e.type)).toEqual(['text-delta', 'error']);
    const chatty = defineProvider({
      kind: 'mock',
      translateRequest: () => null,
      call: async function* () {
        yield { type: 'finish', finishReason: { unified: 'stop', raw: undefined }, usage: { inputTokens: 1, outputTokens: 0 } } as const;
        yield { type: 'text-delta', text: 'late' } as const;
      },
    });
    expect((await collect(chatty.chat(request('x'), { target, secrets, signal }))).map((e) => e.type)).toEqual(['finish']);
  });
});

describe('the mock through the gateway, with the official SDKs', () => {
  let t: TestDataPlane;
  beforeAll(async () => {
    t = await startTestDataPlane();
  });
  afterAll(() => t.close());

  it("says an answer cut at max_tokens was cut, in each protocol's words", async () => {
    const openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    const chat = await openai.chat.completions.create({ model: 'mock-gpt', max_tokens: 2, messages: [{ role: 'user', content: 'a long enough question' }] });
    expect(chat.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'This is' } });
    expect(chat.usage?.completion_tokens).toBe(2);
    const anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'mock-gpt', max_tokens: 2, messages: [{ role: 'user', content: 'a long enough question' }] });
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'This is' })]);
  });
});

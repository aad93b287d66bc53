import { beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../canonical/events.js';
import { countTextTokens, tokenizerReady } from '../providers/token-estimate.js';
import { Accounting } from './accounting.js';

beforeAll(async () => {
  await tokenizerReady();
});

const STOP = { unified: 'stop', raw: 'stop' } as const;

function account(events: StreamEvent[], estimate = () => 42): Accounting {
  const a = new Accounting(estimate);
  for (const e of events) a.observe(e);
  return a;
}

describe('Accounting', () => {
  it('should take the counts the provider reported, cache and reasoning included, and call them exact', () => {
    const a = account([
      { type: 'usage', usage: { inputTokens: 1_200, outputTokens: 1, cacheReadTokens: 1_000, cacheWriteTokens: 100 } },
      { type: 'reasoning-delta', text: 'Let me think.' },
      { type: 'text-delta', text: 'Done.' },
      { type: 'finish', finishReason: STOP, usage: { inputTokens: undefined, outputTokens: 80, reasoningTokens: 60 } },
    ]);
    expect(a.final()).toEqual({ inputTokens: 1_200, outputTokens: 80, cacheReadTokens: 1_000, cacheWriteTokens: 100, reasoningTokens: 60, estimated: false });
  });

  it('should keep the 1-hour part of the cache writes, known early or at the end, and leave it out when never reported', () => {
    const early = account([
      // Anthropic's message_start carries the cache-write split; its message_delta repeats only the totals.
      { type: 'usage', usage: { inputTokens: 1_200, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 1_000, cacheWrite1hTokens: 600 } },
      { type: 'finish', finishReason: STOP, usage: { inputTokens: 1_200, outputTokens: 80, cacheReadTokens: 0, cacheWriteTokens: 1_000 } },
    ]);
    expect(early.final()).toMatchObject({ cacheWriteTokens: 1_000, cacheWrite1hTokens: 600, estimated: false });
    const late = account([{ type: 'finish', finishReason: STOP, usage: { inputTokens: 1_200, outputTokens: 80, cacheWriteTokens: 1_000, cacheWrite1hTokens: 0 } }]);
    expect(late.final()).toMatchObject({ cacheWriteTokens: 1_000, cacheWrite1hTokens: 0 });
    const none = account([{ type: 'finish', finishReason: STOP, usage: { inputTokens: 1_200, outputTokens: 80, cacheWriteTokens: 1_000 } }]);
    expect(none.final()).not.toHaveProperty('cacheWrite1hTokens');
  });

  it('should keep the service tier the provider served the request at, for the cost', () => {
    const a = account([{ type: 'finish', finishReason: STOP, usage: { inputTokens: 10, outputTokens: 5, serviceTier: 'priority' } }]);
    expect(a.final()).toMatchObject({ serviceTier: 'priority', estimated: false });
    expect(account([{ type: 'finish', finishReason: STOP, usage: { inputTokens: 10, outputTokens: 5 } }]).final()).not.toHaveProperty('serviceTier');
  });

  it('should keep what the provider said changes the price (modifiers, audio input), a later event winning value by value', () => {
    const a = account([
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 1, modifiers: { speed: 'fast', inferenceGeo: 'global' } } },
      { type: 'finish', finishReason: STOP, usage: { inputTokens: 10, outputTokens: 5, modifiers: { inferenceGeo: 'us' }, audioInputTokens: 6, audioCacheReadTokens: 2 } },
    ]);
    expect(a.final()).toMatchObject({ modifiers: { speed: 'fast', inferenceGeo: 'us' }, audioInputTokens: 6, audioCacheReadTokens: 2, estimated: false });
    const none = account([{ type: 'finish', finishReason: STOP, usage: { inputTokens: 10, outputTokens: 5 } }]).final();
    expect([none.modifiers, none.audioInputTokens, none.audioCacheReadTokens]).toEqual([undefined, undefined, undefined]);
    expect(Object.keys(none)).not.toContain('modifiers');
  });

  it('should count a stream cut short from the text it delivered, with the tokenizer, reasoning apart', () => {
    const reasoning = 'The user wants the weather in Paris, so I should call the tool.';
    const answer = 'Checking the weather in Paris for you right now';
    const a = account([
      // Anthropic's message_start: input known, output provisional.
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 1 } },
      ...reasoning.split(' ').map((w, i): StreamEvent => ({ type: 'reasoning-delta', text: i === 0 ? w : ` ${w}` })),
      ...answer.split(' ').map((w, i): StreamEvent => ({ type: 'text-delta', text: i === 0 ? w : ` ${w}` })),
      { type: 'tool-call-start', index: 0, id: 'c1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
    ]);
    const thought = countTextTokens(reasoning);
    expect(a.final()).toEqual({
      inputTokens: 30,
      outputTokens: thought + countTextTokens(`${answer}get_weather{"city":`),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: thought,
      estimated: true,
    });
  });

  it('should estimate the prompt and count the output of a provider that reports no usage at all, once', () => {
    let estimates = 0;
    const a = account(
      [
        // One delta of several tokens: counted as what it says, not as one token per delta.
        { type: 'text-delta', text: 'Hello world!' },
        { type: 'finish', finishReason: STOP, usage: { inputTokens: undefined, outputTokens: undefined } },
      ],
      () => ++estimates * 100,
    );
    expect(a.final()).toEqual({ inputTokens: 100, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, estimated: true });
    // The surface and the usage event both ask; the prompt is counted once.
    a.final();
    expect(estimates).toBe(1);
  });

  it('should never count a cut stream below what the provider already reported', () => {
    const a = account([
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 500, reasoningTokens: 400 } },
      { type: 'text-delta', text: 'Hi' },
    ]);
    expect(a.final()).toMatchObject({ outputTokens: 500, reasoningTokens: 400, estimated: true });
  });
});

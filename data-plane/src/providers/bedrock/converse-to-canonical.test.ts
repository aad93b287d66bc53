import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../canonical/events.js';
import { converseResponseEvents } from './converse-to-canonical.js';

const response = (stopReason: string, content: unknown[]): unknown => ({
  output: { message: { role: 'assistant', content } },
  stopReason,
  usage: { inputTokens: 20, outputTokens: 9, totalTokens: 29 },
  metrics: { latencyMs: 40 },
});

const events = (json: unknown): StreamEvent[] => [...converseResponseEvents(json)];

describe('Converse → canonical events', () => {
  it('should make malformed model output a 502 naming it, not a clean finish with whatever content came back', () => {
    const out = events(response('malformed_model_output', [{ text: '{"answer": ' }]));
    expect(out).toEqual([
      { type: 'text-delta', text: '{"answer": ' },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 9 } },
      {
        type: 'error',
        error: { status: 502, type: 'api_error', code: 'upstream_error', message: 'bedrock: the model produced malformed output (stopReason malformed_model_output)', provider: 'bedrock', billed: true },
      },
    ]);
  });

  it('should keep the 1-hour cache writes of cacheDetails apart, and take the writes from it when the total is missing', () => {
    const withUsage = (usage: unknown) => events({ ...(response('end_turn', [{ text: 'ok' }]) as object), usage }).at(-1);
    const cacheDetails = [{ ttl: '1h', inputTokens: 600 }, { ttl: '5m', inputTokens: 400 }];
    expect(withUsage({ inputTokens: 20, outputTokens: 9, cacheReadInputTokens: 2_000, cacheWriteInputTokens: 1_000, cacheDetails })).toMatchObject({
      type: 'finish',
      usage: { inputTokens: 3_020, outputTokens: 9, cacheReadTokens: 2_000, cacheWriteTokens: 1_000, cacheWrite1hTokens: 600 },
    });
    expect(withUsage({ inputTokens: 20, outputTokens: 9, cacheDetails })).toMatchObject({ usage: { inputTokens: 1_020, cacheWriteTokens: 1_000, cacheWrite1hTokens: 600 } });
    // No split (a model without TTLs, nothing written): nothing claimed about 1-hour writes.
    expect(withUsage({ inputTokens: 20, outputTokens: 9, cacheWriteInputTokens: 1_000, cacheDetails: [] })).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { inputTokens: 1_020, outputTokens: 9, cacheWriteTokens: 1_000 },
    });
  });

  it('should name the stop sequence a model does not name only when the request or the text tells which', () => {
    const finish = (text: string, sequences: string[]) => [...converseResponseEvents(response('stop_sequence', [{ text }]), sequences)].at(-1);
    // Nova leaves the sequence at the end of its text: the longest that ends it.
    expect(finish('Hi</answer>', ['>', '</answer>', 'STOP'])).toMatchObject({ finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: '</answer>' } });
    expect(finish('Hi', ['END'])).toMatchObject({ finishReason: { stopSequence: 'END' } });
    // Several, none at the end: no guess (an Anthropic client is told end_turn).
    expect(finish('Hi', ['END', 'STOP'])).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop_sequence' }, usage: { inputTokens: 20, outputTokens: 9 } });
  });

  it('should make a malformed tool call a 502 naming it, even when Bedrock sent no content at all', () => {
    const out = events(response('malformed_tool_use', []));
    expect(out.map((e) => e.type)).toEqual(['usage', 'error']);
    expect(out.at(-1)).toMatchObject({ type: 'error', error: { status: 502, code: 'upstream_error', message: 'bedrock: the model produced a malformed tool call (stopReason malformed_tool_use)' } });
  });
});

import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../canonical/events.js';
import { GeminiResponseMapper } from './response-mapper.js';
import { GeminiResponse } from './response-schema.js';

/** The mapper on its own, for finishes the stand-in does not produce. */
describe('GeminiResponseMapper', () => {
  const usageMetadata = { promptTokenCount: 50, candidatesTokenCount: 7, totalTokenCount: 57 };
  const record = (candidate: object, extra: object = {}): GeminiResponse => ({ candidates: [{ index: 0, ...candidate }], usageMetadata, modelVersion: 'gemini-3-flash-preview', responseId: 'r1', ...extra });

  function map(...records: GeminiResponse[]): StreamEvent[] {
    const mapper = new GeminiResponseMapper();
    const events = records.flatMap((r) => mapper.push(r));
    return [...events, ...mapper.end()];
  }
  const usage = { type: 'usage', usage: { inputTokens: 50, outputTokens: 7, cacheReadTokens: 0, reasoningTokens: 0 } };

  it('should report UNEXPECTED_TOOL_CALL without a finishMessage as an upstream error naming the reason', () => {
    expect(map(record({ content: {}, finishReason: 'UNEXPECTED_TOOL_CALL' }))).toEqual([
      usage,
      { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', provider: 'gemini', message: 'gemini: Gemini ended the response with finishReason UNEXPECTED_TOOL_CALL' } },
    ]);
  });

  it('should report TOO_MANY_TOOL_CALLS as an error even after calls went out, never as a tool-calls finish', () => {
    const events = map(
      record({ content: { role: 'model', parts: [{ functionCall: { name: 'f', args: {}, id: 'fc-1' } }] } }),
      record({ content: {}, finishReason: 'TOO_MANY_TOOL_CALLS', finishMessage: 'Too many consecutive tool calls.' }),
    );
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'tool-call-start', 'tool-call-delta', 'tool-call-end', 'usage', 'error']);
    expect(events.at(-1)).toMatchObject({ error: { status: 502, message: expect.stringContaining('finishReason TOO_MANY_TOOL_CALLS: Too many consecutive tool calls.') } });
  });

  it('should report the Google Search queries grounding ran, each once and without empty ones, from every record of a stream', () => {
    const grounded = (queries: string[]) => ({ groundingMetadata: { webSearchQueries: queries, groundingChunks: [{ web: { uri: 'https://x', title: 'x' } }] } });
    const events = map(
      record({ content: { role: 'model', parts: [{ text: 'Spain won' }] }, ...grounded(['euro 2024 winner', '']) }),
      record({ content: { role: 'model', parts: [{ text: ' 2-1.' }] }, finishReason: 'STOP', ...grounded(['euro 2024 winner', 'spain england final score', '']) }),
    );
    expect(events.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' }, usage: { ...usage.usage, webSearches: 2 } });
  });

  it("should count every candidate's queries, its index 0 left out as proto3 JSON does", () => {
    const whole: GeminiResponse = {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'a' }] }, finishReason: 'STOP', groundingMetadata: { webSearchQueries: ['q1'] } },
        { index: 1, content: { role: 'model', parts: [{ text: 'b' }] }, finishReason: 'STOP', groundingMetadata: { webSearchQueries: ['q1', 'q2'] } },
      ],
      usageMetadata,
    };
    expect(map(whole).at(-1)).toMatchObject({ type: 'finish', usage: { webSearches: 3 } });
  });

  it('should report the queries with the usage before an error the response caused', () => {
    const events = map(record({ content: {}, finishReason: 'UNEXPECTED_TOOL_CALL', groundingMetadata: { webSearchQueries: ['q'] } }));
    expect(events[0]).toEqual({ type: 'usage', usage: { ...usage.usage, webSearches: 1 } });
  });

  it('should take grounding metadata it cannot read for none, never failing the answer over a field read only for billing', () => {
    const parsed = GeminiResponse.parse({ candidates: [{ content: { parts: [{ text: 'a' }] }, finishReason: 'STOP', groundingMetadata: { webSearchQueries: 'not a list' } }], usageMetadata });
    expect(parsed.candidates![0]!.groundingMetadata).toBeUndefined();
    expect(map(parsed).at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' }, usage: usage.usage });
  });

  it('should finish a response cut by CONTINUATION with length, keeping the raw reason', () => {
    expect(map(record({ content: { role: 'model', parts: [{ text: 'part one' }] }, finishReason: 'CONTINUATION' })).at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'length', raw: 'CONTINUATION' },
      usage: usage.usage,
    });
  });
});

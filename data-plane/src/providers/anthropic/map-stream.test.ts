import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../canonical/events.js';
import { parseSse } from '../../upstream/sse.js';
import { mapAnthropicMessage } from './map-message.js';
import { AnthropicStreamMapper, mapAnthropicStream } from './map-stream.js';

const fixture = (name: string) => new URL(`./__fixtures__/${name}`, import.meta.url);

/** Replays a recorded SSE body through the real parser and the mapper, in small chunks as a socket would deliver it. */
async function replay(name: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const e of mapAnthropicStream(parseSse(createReadStream(fixture(name), { highWaterMark: 97 })))) events.push(e);
  return events;
}

const sse = (data: unknown, event?: string) => ({ event: event ?? (data as { type: string }).type, data: JSON.stringify(data) });

describe('Anthropic stream mapping (golden fixtures)', () => {
  it('should map thinking, redacted thinking, text, parallel tool calls and cache usage, skipping server tools, pings and unknown events', async () => {
    const events = await replay('thinking-tools-cache.sse');
    await expect(`${JSON.stringify(events, null, 2)}\n`).toMatchFileSnapshot('./__fixtures__/thinking-tools-cache.events.json');
    // The spec the snapshot must keep meeting:
    expect(events[0]).toEqual({ type: 'response-metadata', id: 'msg_01XFDUDYJgAACzvnptvVoYEL', model: 'claude-sonnet-4-6' });
    // The recording's cache writes are all 5-minute ones (`cache_creation.ephemeral_1h_input_tokens: 0`); it ran where
    // inference may run anywhere (`inference_geo: "global"`), at the list price.
    expect(events[1]).toEqual({
      type: 'usage',
      usage: { inputTokens: 412 + 1024 + 2048, outputTokens: 3, cacheReadTokens: 2048, cacheWriteTokens: 1024, cacheWrite1hTokens: 0, modifiers: { inferenceGeo: 'global' } },
    });
    expect(events.filter((e) => e.type.startsWith('tool-call')).map((e) => ('index' in e ? `${e.type}:${e.index}` : e.type))).toEqual([
      'tool-call-start:0', 'tool-call-delta:0', 'tool-call-delta:0', 'tool-call-end:0', 'tool-call-start:1', 'tool-call-delta:1', 'tool-call-end:1',
    ]);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'tool-calls', raw: 'tool_use' },
      usage: { inputTokens: 3484, outputTokens: 187, cacheReadTokens: 2048, cacheWriteTokens: 1024, cacheWrite1hTokens: 0, reasoningTokens: 41, modifiers: { inferenceGeo: 'global' } },
    });
  });

  it('should end with the overloaded error event, after the text that came before it', async () => {
    const events = await replay('overloaded-midstream.sse');
    await expect(`${JSON.stringify(events, null, 2)}\n`).toMatchFileSnapshot('./__fixtures__/overloaded-midstream.events.json');
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'usage', 'text-delta', 'error']);
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: { status: 503, type: 'overloaded_error', code: 'upstream_overloaded', message: 'anthropic: Overloaded', provider: 'anthropic' },
    });
  });
});

describe('AnthropicStreamMapper', () => {
  it('should turn a chunk that fails to parse into an error event and ignore everything after it', () => {
    const mapper = new AnthropicStreamMapper();
    expect(mapper.pushSse({ event: 'content_block_delta', data: '{"type":"content_block_delta","index":0,' })).toEqual([
      { type: 'error', error: expect.objectContaining({ status: 502, code: 'upstream_error', message: expect.stringContaining('not JSON') }) },
    ]);
    expect(mapper.pushSse(sse({ type: 'message_stop' }))).toEqual([]);
    const schema = new AnthropicStreamMapper();
    expect(schema.pushSse(sse({ type: 'content_block_start', index: 'zero', content_block: { type: 'text', text: '' } }))).toEqual([
      { type: 'error', error: expect.objectContaining({ message: expect.stringContaining('unreadable content_block_start event (index:') }) },
    ]);
    const block = new AnthropicStreamMapper();
    expect(block.pushSse(sse({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', name: 'f' } }))).toEqual([
      { type: 'error', error: expect.objectContaining({ message: expect.stringContaining('content_block_start (tool_use)') }) },
    ]);
  });

  it('should report a stream that ends without message_stop as an error, never a finish', () => {
    const mapper = new AnthropicStreamMapper();
    mapper.pushSse(sse({ type: 'message_start', message: { id: 'msg_1', model: 'm', content: [], usage: { input_tokens: 1, output_tokens: 1 } } }));
    mapper.pushSse(sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }));
    expect(mapper.end()).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, message: 'anthropic: the stream ended before message_stop' }) }]);
  });

  it("should count the web searches Anthropic's server tool made (message_delta's cumulative count), whole messages alike", () => {
    const mapper = new AnthropicStreamMapper();
    mapper.pushSse(sse({ type: 'message_start', message: { id: 'msg_1', model: 'm', content: [], usage: { input_tokens: 50, output_tokens: 1 } } }));
    mapper.pushSse(sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9, server_tool_use: { web_search_requests: 3 } } }));
    expect(mapper.pushSse(sse({ type: 'message_stop' }))).toEqual([{ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' }, usage: { inputTokens: 50, outputTokens: 9, webSearches: 3 } }]);
    const whole = mapAnthropicMessage({ id: 'msg_2', model: 'm', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 50, output_tokens: 9, server_tool_use: { web_search_requests: 1 } } });
    expect(whole.at(-1)).toMatchObject({ type: 'finish', usage: { webSearches: 1 } });
  });

  it('should report the speed and the inference geography the usage says the request ran at (fast mode, US-only), whole messages alike', () => {
    const mapper = new AnthropicStreamMapper();
    const start = mapper.pushSse(sse({ type: 'message_start', message: { id: 'msg_1', model: 'm', content: [], usage: { input_tokens: 50, output_tokens: 1, speed: 'fast', inference_geo: 'us' } } }));
    expect(start.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 50, outputTokens: 1, modifiers: { speed: 'fast', inferenceGeo: 'us' } } });
    mapper.pushSse(sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }));
    expect(mapper.pushSse(sse({ type: 'message_stop' }))).toEqual([
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' }, usage: { inputTokens: 50, outputTokens: 9, modifiers: { speed: 'fast', inferenceGeo: 'us' } } },
    ]);
    const whole = mapAnthropicMessage({ id: 'msg_2', model: 'm', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 50, output_tokens: 9, speed: 'fast' } });
    expect(whole.at(-1)).toMatchObject({ type: 'finish', usage: { modifiers: { speed: 'fast' } } });
    // A value of the wrong type is no modifier, and no error: it is read for billing only.
    const odd = mapAnthropicMessage({ id: 'msg_3', model: 'm', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 50, output_tokens: 9, speed: 2 } });
    expect(odd.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' }, usage: { inputTokens: 50, outputTokens: 9 } });
  });

  it('should keep the 1-hour cache writes apart, from message_start to the finish, whole messages alike', () => {
    const mapper = new AnthropicStreamMapper();
    const usage = { input_tokens: 50, cache_creation_input_tokens: 1_000, cache_read_input_tokens: 2_000, cache_creation: { ephemeral_5m_input_tokens: 400, ephemeral_1h_input_tokens: 600 }, output_tokens: 1 };
    expect(mapper.pushSse(sse({ type: 'message_start', message: { id: 'msg_1', model: 'm', content: [], usage } }))).toContainEqual({
      type: 'usage',
      usage: { inputTokens: 3_050, outputTokens: 1, cacheReadTokens: 2_000, cacheWriteTokens: 1_000, cacheWrite1hTokens: 600 },
    });
    // message_delta repeats the totals but not the split: the split of message_start stands.
    mapper.pushSse(sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 50, cache_creation_input_tokens: 1_000, cache_read_input_tokens: 2_000, output_tokens: 9 } }));
    expect(mapper.pushSse(sse({ type: 'message_stop' }))).toEqual([
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' }, usage: { inputTokens: 3_050, outputTokens: 9, cacheReadTokens: 2_000, cacheWriteTokens: 1_000, cacheWrite1hTokens: 600 } },
    ]);
    const whole = mapAnthropicMessage({ id: 'msg_2', model: 'm', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { ...usage, output_tokens: 9 } });
    expect(whole.at(-1)).toMatchObject({ type: 'finish', usage: { cacheWriteTokens: 1_000, cacheWrite1hTokens: 600 } });
    // Only the split sent (no total): the writes are its sum.
    const splitOnly = new AnthropicStreamMapper().pushSse(sse({ type: 'message_start', message: { id: 'msg_3', model: 'm', content: [], usage: { input_tokens: 50, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 700 }, output_tokens: 1 } } }));
    expect(splitOnly).toContainEqual({ type: 'usage', usage: { inputTokens: 750, outputTokens: 1, cacheReadTokens: undefined, cacheWriteTokens: 700, cacheWrite1hTokens: 700 } });
  });

  it('should keep the stop sequence and map every stop reason', () => {
    const finish = (stop_reason: string | null, stop_sequence: string | null = null) => {
      const mapper = new AnthropicStreamMapper();
      mapper.pushSse(sse({ type: 'message_delta', delta: { stop_reason, stop_sequence }, usage: { output_tokens: 1 } }));
      const [event] = mapper.pushSse(sse({ type: 'message_stop' }));
      return event?.type === 'finish' ? event.finishReason : undefined;
    };
    expect(finish('stop_sequence', '###')).toEqual({ unified: 'stop', raw: 'stop_sequence', stopSequence: '###' });
    expect(finish('end_turn')).toEqual({ unified: 'stop', raw: 'end_turn' });
    expect(finish('max_tokens')).toEqual({ unified: 'length', raw: 'max_tokens' });
    expect(finish('model_context_window_exceeded')).toEqual({ unified: 'length', raw: 'model_context_window_exceeded' });
    expect(finish('tool_use')).toEqual({ unified: 'tool-calls', raw: 'tool_use' });
    expect(finish('refusal')).toEqual({ unified: 'content-filter', raw: 'refusal' });
    expect(finish('pause_turn')).toEqual({ unified: 'other', raw: 'pause_turn' });
    expect(finish('some_future_reason')).toEqual({ unified: 'other', raw: 'some_future_reason' });
    expect(finish(null)).toEqual({ unified: 'other', raw: undefined });
  });

  it('should map in-stream error types to the statuses of their HTTP twins', () => {
    const error = (type: string, message = 'm') => new AnthropicStreamMapper().pushSse({ event: 'error', data: JSON.stringify({ type: 'error', error: { type, message } }) })[0];
    expect(error('rate_limit_error')).toMatchObject({ error: { status: 429, type: 'rate_limit_error' } });
    expect(error('api_error')).toMatchObject({ error: { status: 502, type: 'api_error' } });
    expect(error('invalid_request_error', 'prompt is too long: 250000 tokens > 200000 maximum')).toMatchObject({ error: { status: 400, code: 'context_length_exceeded' } });
    expect(new AnthropicStreamMapper().pushSse({ event: 'error', data: 'upstream exploded' })[0]).toMatchObject({ error: { status: 502, message: expect.stringContaining('upstream exploded') } });
  });
});

describe('Anthropic whole-message mapping', () => {
  it('should produce the same canonical events as the stream of the same message, a delta per block', () => {
    const events = mapAnthropicMessage({
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [
        { type: 'thinking', thinking: 'Two calls.', signature: 'sig==' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Checking.', citations: null },
        { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_b', name: 'get_time', input: {} },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 0, output_tokens: 20 },
    });
    expect(events).toEqual([
      { type: 'response-metadata', id: 'msg_01', model: 'claude-sonnet-4-6' },
      { type: 'usage', usage: { inputTokens: 15, outputTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 0 } },
      { type: 'reasoning-delta', text: 'Two calls.' },
      { type: 'reasoning-signature', signature: 'sig==' },
      { type: 'reasoning-redacted', data: 'opaque' },
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call-start', index: 0, id: 'toolu_a', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'toolu_b', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' }, usage: { inputTokens: 15, outputTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 0 } },
    ]);
  });

  it('should report a body that is not a message as an error', () => {
    expect(mapAnthropicMessage({ hello: 'world' })).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, code: 'upstream_error' }) }]);
  });
});

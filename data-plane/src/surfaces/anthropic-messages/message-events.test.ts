import type { ProviderKind } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { errors, HttpError } from '../../http/errors.js';
import { ResponseCollector } from '../collect.js';
import type { ContentEvent } from '../types.js';
import { renderAnthropicError } from './errors.js';
import { anthropicMessage } from './message.js';
import { MessageEventEncoder } from './message-events.js';
import { anthropicUsage } from './usage.js';

/** A provider other than Anthropic: its signatures go out tagged, the same streamed or not. */
const PROVIDER: ProviderKind = 'bedrock';
const usage = { inputTokens: 50, outputTokens: 7, cacheReadTokens: 30, cacheWriteTokens: 5, reasoningTokens: 0, estimated: false };

/** Encodes the events and returns the data objects, checking each frame's framing. */
function encode(events: ContentEvent[], provider: ProviderKind = PROVIDER): Array<Record<string, unknown>> {
  const encoder = new MessageEventEncoder('msg_1', 'm', provider, () => 42);
  const text = encoder.start() + events.map((e) => encoder.content(e)).join('') + encoder.finish({ unified: 'stop', raw: undefined }, usage);
  return text.split('\n\n').slice(0, -1).map((frame) => {
    const [eventLine, dataLine, ...rest] = frame.split('\n');
    expect(rest).toEqual([]);
    const data = JSON.parse(dataLine!.slice('data: '.length)) as Record<string, unknown>;
    expect(eventLine).toBe(`event: ${String(data.type)}`);
    return data;
  });
}

/** The content the SDK would accumulate from the stream, to compare with the non-streamed message. */
function accumulate(data: Array<Record<string, unknown>>): unknown[] {
  const blocks: Array<Record<string, unknown>> = [];
  const json: string[] = [];
  for (const d of data) {
    if (d.type === 'content_block_start') blocks[d.index as number] = { ...(d.content_block as object) };
    if (d.type !== 'content_block_delta') continue;
    const block = blocks[d.index as number]!;
    const delta = d.delta as Record<string, string>;
    if (delta.type === 'text_delta') block.text = String(block.text) + delta.text;
    if (delta.type === 'thinking_delta') block.thinking = String(block.thinking) + delta.thinking;
    if (delta.type === 'signature_delta') block.signature = delta.signature;
    if (delta.type === 'input_json_delta') json[d.index as number] = (json[d.index as number] ?? '') + delta.partial_json;
  }
  return blocks.map((b, i) => (b.type === 'tool_use' && json[i] ? { ...b, input: JSON.parse(json[i]) } : b));
}

function collected(events: ContentEvent[]): unknown[] {
  const collector = new ResponseCollector();
  for (const e of events) collector.add(e);
  return anthropicMessage({ id: 'msg_1', model: 'm', provider: PROVIDER, response: collector.response, usage: anthropicUsage(usage) }).content;
}

describe('MessageEventEncoder', () => {
  it('starts with message_start (estimated input, output 1) and ping, and ends with message_delta and message_stop', () => {
    const data = encode([]);
    expect(data).toEqual([
      {
        type: 'message_start',
        message: {
          id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null,
          usage: { input_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
        },
      },
      { type: 'ping' },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 15, cache_creation_input_tokens: 5, cache_read_input_tokens: 30, output_tokens: 7 } },
      { type: 'message_stop' },
    ]);
  });

  it('opens a new block exactly where the non-streamed collector does, so both give the same content', () => {
    const sequences: ContentEvent[][] = [
      // thinking → signature → more thinking is a new block; a signature with no thinking before it opens one
      [{ type: 'reasoning-delta', text: 'a' }, { type: 'reasoning-signature', signature: 's1' }, { type: 'reasoning-delta', text: 'b' }, { type: 'text-delta', text: 't' }, { type: 'reasoning-signature', signature: 's2' }],
      // text, tool, text again; a tool call without argument deltas; redacted thinking between text runs
      [{ type: 'text-delta', text: 'x' }, { type: 'tool-call-start', index: 0, id: 'c0', name: 'f' }, { type: 'tool-call-end', index: 0 }, { type: 'text-delta', text: 'y' }, { type: 'reasoning-redacted', data: 'r' }, { type: 'text-delta', text: 'z' }],
      // reasoning without a signature (a non-Anthropic model)
      [{ type: 'reasoning-delta', text: 'hmm' }, { type: 'text-delta', text: 'ok' }],
    ];
    for (const events of sequences) {
      const data = encode(events);
      expect(accumulate(data)).toEqual(collected(events));
      // Every block is started once and stopped once, in index order, before message_delta.
      const starts = data.filter((d) => d.type === 'content_block_start').map((d) => d.index);
      const stops = data.filter((d) => d.type === 'content_block_stop').map((d) => d.index);
      expect(starts).toEqual([...starts.keys()]);
      expect(stops).toEqual(starts);
      expect(data.at(-2)!.type).toBe('message_delta');
    }
  });

  it("tags another provider's signatures and redacted thinking with it, and leaves Claude's (Anthropic's API, Bedrock) as they are", () => {
    const events: ContentEvent[] = [{ type: 'reasoning-delta', text: 'a' }, { type: 'reasoning-signature', signature: 's1' }, { type: 'reasoning-redacted', data: 'r' }];
    expect(accumulate(encode(events, 'gemini'))).toEqual([
      { type: 'thinking', thinking: 'a', signature: 'tollgate:gemini:s1' },
      { type: 'redacted_thinking', data: 'tollgate-redacted:gemini:r' },
    ]);
    for (const claude of ['anthropic', 'bedrock'] as const) {
      expect(accumulate(encode(events, claude))).toEqual([{ type: 'thinking', thinking: 'a', signature: 's1' }, { type: 'redacted_thinking', data: 'r' }]);
    }
  });

  it('drops argument deltas of a tool call that never started', () => {
    const data = encode([{ type: 'tool-call-delta', index: 3, argumentsDelta: '{}' }, { type: 'tool-call-end', index: 3 }]);
    expect(data.map((d) => d.type)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
  });

  it('frames a mid-stream failure as an `error` event with the Anthropic error type for the status', () => {
    const encoder = new MessageEventEncoder('msg_1', 'm', PROVIDER, () => 0);
    const frame = (error: HttpError) => encoder.error(error);
    expect(frame(new HttpError(503, 'overloaded_error', 'upstream_overloaded', 'Overloaded'))).toBe('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
    expect(frame(new HttpError(502, 'api_error', 'upstream_error', 'bad gateway'))).toContain('"type":"api_error"');
  });
});

describe('renderAnthropicError', () => {
  it('maps statuses to Anthropic error types and keeps the message', () => {
    const type = (status: number) => (renderAnthropicError(new HttpError(status, 'x', null, 'm'), 'r') as { error: { type: string } }).error.type;
    expect([400, 401, 402, 403, 404, 409, 413, 422, 429, 500, 501, 502, 503, 504, 529].map(type)).toEqual([
      'invalid_request_error', 'authentication_error', 'billing_error', 'permission_error', 'not_found_error', 'invalid_request_error',
      'request_too_large', 'invalid_request_error', 'rate_limit_error', 'api_error', 'api_error', 'api_error', 'overloaded_error', 'timeout_error', 'overloaded_error',
    ]);
    expect(renderAnthropicError(errors.modelNotFound('x'), 'c7a4e1f0-0000-4000-8000-000000000001')).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: "The model 'x' does not exist." },
      request_id: 'c7a4e1f0-0000-4000-8000-000000000001',
    });
  });
});

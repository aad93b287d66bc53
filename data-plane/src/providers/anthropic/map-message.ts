import type { StreamEvent } from '../../canonical/events.js';
import { AnthropicStreamMapper } from './map-stream.js';
import { AnthropicMessage } from './response-schema.js';

/**
 * A whole (non-streamed) Anthropic message → the same canonical events its stream would have produced: the
 * message is replayed as the stream events Anthropic would have sent (one delta per block) through the stream
 * mapper, so both paths share one mapping.
 */
export function mapAnthropicMessage(json: unknown): StreamEvent[] {
  const mapper = new AnthropicStreamMapper();
  const parsed = AnthropicMessage.safeParse(json);
  if (!parsed.success) {
    // Let the mapper report it like any unreadable event.
    return mapper.pushJson({ type: 'message_start', message: json });
  }
  const { content, stop_reason, stop_sequence, usage, ...rest } = parsed.data;
  const events: unknown[] = [{ type: 'message_start', message: { ...rest, content: [], usage } }];
  content.forEach((block, index) => {
    events.push(...blockEvents(index, block));
  });
  events.push({ type: 'message_delta', delta: { stop_reason, stop_sequence }, usage: null });
  events.push({ type: 'message_stop' });
  return events.flatMap((e) => mapper.pushJson(e));
}

function blockEvents(index: number, block: { type: string; [field: string]: unknown }): unknown[] {
  const start = (content_block: unknown) => ({ type: 'content_block_start', index, content_block });
  const delta = (d: unknown) => ({ type: 'content_block_delta', index, delta: d });
  const stop = { type: 'content_block_stop', index };
  switch (block.type) {
    case 'text':
      return [start({ type: 'text', text: '' }), delta({ type: 'text_delta', text: block.text }), stop];
    case 'thinking':
      return [
        start({ type: 'thinking', thinking: '', signature: '' }),
        delta({ type: 'thinking_delta', thinking: block.thinking }),
        ...(typeof block.signature === 'string' ? [delta({ type: 'signature_delta', signature: block.signature })] : []),
        stop,
      ];
    case 'tool_use': {
      const args = block.input === undefined ? '' : JSON.stringify(block.input);
      return [start({ ...block, input: {} }), delta({ type: 'input_json_delta', partial_json: args === '{}' ? '' : args }), stop];
    }
    default:
      // redacted_thinking starts whole; unknown blocks are skipped by the mapper.
      return [start(block), stop];
  }
}

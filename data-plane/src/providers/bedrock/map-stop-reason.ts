import type { FinishReason, UnifiedFinishReason } from '../../canonical/events.js';

/** Where Claude's response says which stop sequence matched (its `message_delta`), asked for by a Claude request. */
export const STOP_SEQUENCE_PATH = '/delta/stop_sequence';

/**
 * Converse `stopReason` → canonical finish reason, the raw value kept beside it. Anthropic models report which stop
 * sequence matched in `additionalModelResponseFields` when the request names `STOP_SEQUENCE_PATH`; it is passed on
 * when present (other models never say which).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html (MessageStopEvent)
 */
export function mapStopReason(raw: string, additionalFields?: Readonly<Record<string, unknown>> | null): FinishReason {
  const delta = additionalFields?.delta;
  const stopSequence = (typeof delta === 'object' && delta !== null ? (delta as Record<string, unknown>).stop_sequence : undefined) ?? additionalFields?.stop_sequence;
  return {
    unified: unifiedStopReason(raw),
    raw,
    ...(raw === 'stop_sequence' && typeof stopSequence === 'string' && { stopSequence }),
  };
}

function unifiedStopReason(raw: string): UnifiedFinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    // The answer ran into the model's context window before max_tokens: truncated all the same.
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content-filter';
    default:
      // malformed_model_output, malformed_tool_use and whatever Bedrock adds next.
      return 'other';
  }
}

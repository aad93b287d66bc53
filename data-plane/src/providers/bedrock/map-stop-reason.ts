import type { FinishReason, UnifiedFinishReason } from '../../canonical/events.js';

/**
 * Converse `stopReason` → canonical finish reason, the raw value kept beside it. Anthropic models report which stop
 * sequence matched in `additionalModelResponseFields.stop_sequence` when asked for it; it is passed on when present.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html (MessageStopEvent)
 */
export function mapStopReason(raw: string, additionalFields?: Readonly<Record<string, unknown>> | null): FinishReason {
  const stopSequence = additionalFields?.stop_sequence;
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

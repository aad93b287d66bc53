import type { FinishReason, UnifiedFinishReason } from '../../canonical/events.js';

/**
 * Anthropic `stop_reason` → canonical finish reason, the raw value kept beside it.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function mapAnthropicStopReason(stopReason: string | null | undefined, stopSequence?: string | null): FinishReason {
  return {
    unified: unify(stopReason),
    raw: stopReason ?? undefined,
    ...(stopSequence != null && { stopSequence }),
  };
}

function unify(stopReason: string | null | undefined): UnifiedFinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    case 'pause_turn':
    default:
      return 'other';
  }
}

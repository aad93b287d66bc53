import type { FinishReason, UnifiedFinishReason } from '../../canonical/events.js';

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

/** Each Anthropic stop reason and the canonical reason it means. */
const UNIFIED_OF: Readonly<Record<AnthropicStopReason, UnifiedFinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
  pause_turn: 'other',
};

/**
 * Canonical finish reason → Anthropic `stop_reason` and `stop_sequence`.
 *
 * The provider's raw reason is kept when it is an Anthropic (or Bedrock Converse, which shares the names) reason
 * that agrees with the unified one, so `pause_turn` or `model_context_window_exceeded` from an Anthropic upstream
 * reach the client as they were. Otherwise: stop → `end_turn` (`stop_sequence` when the sequence is known),
 * length → `max_tokens`, tool-calls → `tool_use`, content-filter → `refusal`, anything else → `end_turn`.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function toAnthropicStop(reason: FinishReason): { stop_reason: AnthropicStopReason; stop_sequence: string | null } {
  const stopSequence = reason.stopSequence ?? null;
  if (reason.unified === 'stop' && stopSequence !== null) return { stop_reason: 'stop_sequence', stop_sequence: stopSequence };
  const raw = reason.raw as AnthropicStopReason | undefined;
  // A provider that stopped on a sequence without saying which (Converse's non-Claude models): Anthropic never
  // answers `stop_sequence` with a null sequence, so it reads as the natural end it is to the client.
  if (raw === 'stop_sequence' && stopSequence === null) return { stop_reason: 'end_turn', stop_sequence: null };
  if (raw !== undefined && Object.hasOwn(UNIFIED_OF, raw) && UNIFIED_OF[raw] === reason.unified) return { stop_reason: raw, stop_sequence: stopSequence };
  return { stop_reason: fromUnified(reason.unified), stop_sequence: stopSequence };
}

function fromUnified(reason: UnifiedFinishReason): AnthropicStopReason {
  switch (reason) {
    case 'length': return 'max_tokens';
    case 'tool-calls': return 'tool_use';
    case 'content-filter': return 'refusal';
    case 'stop':
    case 'error':
    case 'other':
      return 'end_turn';
  }
}

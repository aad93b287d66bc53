import type { FinishReason, UnifiedFinishReason } from '../../canonical/events.js';

/**
 * JSON Pointers into Claude's own response, for `additionalModelResponseFieldPaths`, to where it says which stop
 * sequence matched: the top-level `stop_sequence` of a whole message (Converse) and the `message_delta`'s
 * `delta.stop_sequence` (ConverseStream). Bedrock ignores a valid pointer the response does not have, so a request
 * names both and gets back whichever applies (`{stop_sequence}` or `{delta: {stop_sequence}}`).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#bedrock-runtime_Converse-request-additionalModelResponseFieldPaths
 */
export const STOP_SEQUENCE_PATHS = ['/stop_sequence', '/delta/stop_sequence'] as const;

/**
 * Stop reasons that mean the model failed rather than finished, with what a client is told: Bedrock ends the
 * response normally, but what the model produced is unusable (output it could not parse, a tool call with malformed
 * input), so they are reported as upstream errors (see `finish.ts`), never as a clean finish.
 */
const MODEL_FAILURES: Readonly<Record<string, string>> = {
  malformed_model_output: 'the model produced malformed output',
  malformed_tool_use: 'the model produced a malformed tool call',
};

/** What went wrong when `raw` is a stop reason of a failed model (see `MODEL_FAILURES`), else undefined. */
export function modelFailure(raw: string): string | undefined {
  return Object.hasOwn(MODEL_FAILURES, raw) ? MODEL_FAILURES[raw] : undefined;
}

/** What tells which stop sequence ended an answer when the model does not say: the request's sequences and the answer's text. */
export interface StopSequenceClues {
  /** `inferenceConfig.stopSequences` as sent. */
  readonly sequences: readonly string[];
  /** The answer's text, or at least its last `longestStopSequence(sequences)` characters. */
  readonly text: string;
}

/**
 * Converse `stopReason` → canonical finish reason, the raw value kept beside it. Which stop sequence matched: Anthropic
 * models report it in `additionalModelResponseFields` (at `stop_sequence` in a Converse response, at
 * `delta.stop_sequence` in ConverseStream's `messageStop`) when the request names `STOP_SEQUENCE_PATHS`; other models
 * never say, so it is found from `clues` (`inferredStopSequence`). A client of Anthropic's API is then told
 * `stop_reason: "stop_sequence"` with the sequence, as Anthropic tells it, rather than a natural end.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html (MessageStopEvent)
 */
export function mapStopReason(raw: string, additionalFields?: Readonly<Record<string, unknown>> | null, clues?: StopSequenceClues): FinishReason {
  const delta = additionalFields?.delta;
  const named = (typeof delta === 'object' && delta !== null ? (delta as Record<string, unknown>).stop_sequence : undefined) ?? additionalFields?.stop_sequence;
  const stopSequence = raw !== 'stop_sequence' ? undefined : typeof named === 'string' ? named : clues && inferredStopSequence(clues);
  return {
    unified: unifiedStopReason(raw),
    raw,
    ...(stopSequence !== undefined && { stopSequence }),
  };
}

/**
 * Which of the request's stop sequences ended an answer whose model does not name it: the longest one the text ends
 * with (Amazon Nova, unlike Claude, leaves the sequence that stopped it at the end of its output: langchain-aws#420,
 * litellm#9483), else the request's only one. Undefined when neither tells (several sequences, none at the end),
 * and the client is told of a natural end rather than a guess.
 */
function inferredStopSequence({ sequences, text }: StopSequenceClues): string | undefined {
  return endingStopSequence(text, sequences) ?? (sequences.length === 1 ? sequences[0] : undefined);
}

/** The longest of `sequences` that `text` ends with; undefined when it ends with none. */
export function endingStopSequence(text: string, sequences: readonly string[]): string | undefined {
  return sequences.filter((s) => s !== '' && text.endsWith(s)).sort((a, b) => b.length - a.length)[0];
}

/** `text` without the stop sequence it ends with (`endingStopSequence`), for a model that leaves it in its output. */
export function withoutStopSequence(text: string, sequences: readonly string[]): string {
  const sequence = endingStopSequence(text, sequences);
  return sequence === undefined ? text : text.slice(0, -sequence.length);
}

/** The longest of `sequences`: how much of an answer's end `inferredStopSequence` needs to see. */
export function longestStopSequence(sequences: readonly string[]): number {
  return Math.max(0, ...sequences.map((s) => s.length));
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
    case 'malformed_model_output':
    case 'malformed_tool_use':
      // `finish.ts` makes these an error event; as a finish reason they would be the model's error.
      return 'error';
    default:
      // Whatever Bedrock adds next.
      return 'other';
  }
}

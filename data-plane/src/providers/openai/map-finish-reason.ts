import type { FinishReason } from '../types.js';

/**
 * OpenAI `finish_reason` → canonical finish reason, the raw value kept beside it. A compatible server that names
 * the stop string that ended the answer (vLLM's and SGLang's `stop_reason`) has it passed on as the stop sequence.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function mapFinishReason(raw: string | null | undefined, stopReason?: string | number | null): FinishReason {
  const value = raw ?? undefined;
  switch (value) {
    case 'stop':
      return { unified: 'stop', raw: value, ...(typeof stopReason === 'string' && stopReason !== '' && { stopSequence: stopReason }) };
    case 'length':
      return { unified: 'length', raw: value };
    case 'tool_calls':
    case 'function_call':
      return { unified: 'tool-calls', raw: value };
    case 'content_filter':
      return { unified: 'content-filter', raw: value };
    default:
      return { unified: 'other', raw: value };
  }
}

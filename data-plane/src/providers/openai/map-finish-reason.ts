import type { FinishReason } from '../types.js';

/**
 * OpenAI `finish_reason` → canonical finish reason, the raw value kept beside it. A compatible server that names
 * the stop string that ended the answer (vLLM's and SGLang's `stop_reason`) has it passed on as the stop sequence.
 * Some compatible servers (Ollama's, some vLLM tool parsers) end a turn that called tools with `stop`: with calls in
 * the answer (`hasToolCalls`) that is a tool-calls finish, or an Anthropic client would be told `end_turn` and its
 * agent loop would stop with the calls unanswered.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function mapFinishReason(raw: string | null | undefined, stopReason?: string | number | null, hasToolCalls = false): FinishReason {
  const value = raw ?? undefined;
  switch (value) {
    case 'stop':
      if (hasToolCalls) return { unified: 'tool-calls', raw: value };
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

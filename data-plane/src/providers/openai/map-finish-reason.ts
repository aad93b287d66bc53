import type { FinishReason } from '../types.js';

/**
 * OpenAI `finish_reason` → canonical finish reason, the raw value kept beside it.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function mapFinishReason(raw: string | null | undefined): FinishReason {
  const value = raw ?? undefined;
  switch (value) {
    case 'stop':
      return { unified: 'stop', raw: value };
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

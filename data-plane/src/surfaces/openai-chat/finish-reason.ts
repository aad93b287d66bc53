import type { UnifiedFinishReason } from '../../canonical/events.js';

/**
 * Canonical finish reason → OpenAI `finish_reason`.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function toOpenAiFinishReason(reason: UnifiedFinishReason): 'stop' | 'length' | 'content_filter' | 'tool_calls' {
  switch (reason) {
    case 'length': return 'length';
    case 'content-filter': return 'content_filter';
    case 'tool-calls': return 'tool_calls';
    case 'stop':
    case 'error':
    case 'other':
      return 'stop';
  }
}

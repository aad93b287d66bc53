import type { UnifiedFinishReason } from '../../canonical/events.js';

/**
 * Canonical finish reason → OpenAI `finish_reason` (`function_call` for a request that declared the deprecated
 * `functions`).
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function toOpenAiFinishReason(reason: UnifiedFinishReason, legacyFunctions = false): 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'function_call' {
  switch (reason) {
    case 'length': return 'length';
    case 'content-filter': return 'content_filter';
    case 'tool-calls': return legacyFunctions ? 'function_call' : 'tool_calls';
    case 'stop':
    case 'error':
    case 'other':
      return 'stop';
  }
}

import type { UnifiedFinishReason } from '../../canonical/events.js';

/**
 * Canonical finish reason → legacy completions `finish_reason`, which knows only these three (a completion request
 * carries no tools, so `tool-calls` cannot occur; it and `error`/`other` read as `stop`).
 * @see https://platform.openai.com/docs/api-reference/completions/object
 */
export function toCompletionFinishReason(reason: UnifiedFinishReason): 'stop' | 'length' | 'content_filter' {
  switch (reason) {
    case 'length': return 'length';
    case 'content-filter': return 'content_filter';
    case 'stop':
    case 'tool-calls':
    case 'error':
    case 'other':
      return 'stop';
  }
}

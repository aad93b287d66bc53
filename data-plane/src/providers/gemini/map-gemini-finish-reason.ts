import type { UnifiedFinishReason } from '../../canonical/events.js';

/** Finish reasons that mean Gemini's safety, recitation or blocklist filters stopped the output. */
const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

export function isContentFilterFinish(raw: string | undefined): boolean {
  return raw !== undefined && CONTENT_FILTER.has(raw);
}

/**
 * Gemini's `Candidate.finishReason` → the unified finish reason. Gemini ends a turn that calls functions with STOP;
 * `hasToolCalls` turns that into `tool-calls`.
 * @see https://ai.google.dev/api/generate-content#FinishReason
 */
export function mapGeminiFinishReason(raw: string | undefined, hasToolCalls: boolean): UnifiedFinishReason {
  if (isContentFilterFinish(raw)) return 'content-filter';
  switch (raw) {
    case 'STOP':
    case undefined:
      return hasToolCalls ? 'tool-calls' : 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
      return 'error';
    default:
      // FINISH_REASON_UNSPECIFIED, OTHER, LANGUAGE, TOO_MANY_TOOL_CALLS, NO_IMAGE, IMAGE_OTHER, and future values.
      return 'other';
  }
}

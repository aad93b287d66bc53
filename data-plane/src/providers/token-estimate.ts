import type { CanonicalMessage } from './types.js';

/** Per-message overhead of chat formatting (role markers), as OpenAI's own counting guidance uses. */
const TOKENS_PER_MESSAGE = 3;

/** Characters of the text parts of a message; non-text parts are not counted. */
export function messageTextLength(message: CanonicalMessage): number {
  let chars = 0;
  for (const part of message.content) if (part.type === 'text') chars += part.text.length;
  return chars;
}

/**
 * A deterministic local estimate of prompt tokens (about four characters per token, plus a small per-message
 * overhead). Used by providers that report no usage and for requests aborted before the provider reported any.
 */
export function estimatePromptTokens(messages: readonly CanonicalMessage[]): number {
  let tokens = 0;
  for (const m of messages) tokens += Math.ceil(messageTextLength(m) / 4) + TOKENS_PER_MESSAGE;
  return tokens;
}

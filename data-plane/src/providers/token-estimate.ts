import type { ContentPart, Message, ToolDefinition } from '../canonical/request.js';

/** Per-message overhead of chat formatting (role markers), as OpenAI's own counting guidance uses. */
const TOKENS_PER_MESSAGE = 3;
/** A flat charge for an image: providers bill images by size, which is unknown here. */
const TOKENS_PER_IMAGE = 85;

function partChars(part: ContentPart): number {
  switch (part.type) {
    case 'text':
      return part.text.length;
    case 'reasoning':
      return part.text.length;
    case 'tool-call':
      return part.name.length + part.arguments.length;
    case 'tool-result':
      return part.content.reduce((n, p) => n + (p.type === 'text' ? p.text.length : 0), 0);
    case 'image':
      return 0;
  }
}

/** Characters of the text-bearing parts of a message. */
export function messageTextLength(message: Message): number {
  let chars = 0;
  for (const part of message.content) chars += partChars(part);
  return chars;
}

/**
 * A deterministic local estimate of prompt tokens (about four characters per token, plus a small per-message
 * overhead, plus tool definitions). Used by providers that report no usage, for requests aborted before the
 * provider reported any, and for Anthropic `count_tokens` against targets without a counting endpoint.
 */
export function estimatePromptTokens(messages: readonly Message[], tools: readonly ToolDefinition[] = []): number {
  let tokens = 0;
  for (const m of messages) {
    tokens += Math.ceil(messageTextLength(m) / 4) + TOKENS_PER_MESSAGE;
    for (const part of m.content) {
      if (part.type === 'image') tokens += TOKENS_PER_IMAGE;
      if (part.type === 'tool-result') tokens += part.content.filter((p) => p.type === 'image').length * TOKENS_PER_IMAGE;
    }
  }
  for (const tool of tools) tokens += Math.ceil((tool.name.length + (tool.description?.length ?? 0) + JSON.stringify(tool.parameters).length) / 4);
  return tokens;
}

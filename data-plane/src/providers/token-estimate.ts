import type { ContentPart, FilePart, MediaPart, Message, ToolDefinition } from '../canonical/request.js';

/** Per-message overhead of chat formatting (role markers), as OpenAI's own counting guidance uses. */
const TOKENS_PER_MESSAGE = 3;
/** A flat charge for an image: providers bill images by size, which is unknown here. */
const TOKENS_PER_IMAGE = 85;
/**
 * Binary files (PDFs) are estimated from their size: counting pages would mean parsing the file. Anthropic bills
 * a PDF page at 1,500–3,000 tokens (its text plus an image of the page). One token per 16 bytes puts a ten-page,
 * 300 KB paper (fonts embedded) at about 19,000, within the 15,000–30,000 it is billed; scans come out too high
 * and small text-only files too low, so a file counts at least one page. A URL, whose size is unknown here,
 * counts one page. Text documents count by their characters, like text.
 */
const BYTES_PER_FILE_TOKEN = 16;
const TOKENS_PER_FILE_PAGE = 1500;

function partChars(part: ContentPart): number {
  switch (part.type) {
    case 'text':
      return part.text.length;
    case 'reasoning':
      return part.text.length;
    case 'tool-call':
      return part.name.length + part.arguments.length;
    case 'tool-result':
      return part.content.reduce((n, p) => n + partChars(p), 0);
    case 'file':
      return part.source.kind === 'text' ? part.source.text.length : 0;
    case 'image':
      return 0;
  }
}

/** Tokens of a part that are not counted from its characters (images, binary files). */
function mediaTokens(part: MediaPart): number {
  if (part.type === 'image') return TOKENS_PER_IMAGE;
  if (part.type === 'file') return fileTokens(part);
  return 0;
}

function fileTokens(part: FilePart): number {
  const { source } = part;
  if (source.kind === 'text') return 0;
  if (source.kind === 'url') return TOKENS_PER_FILE_PAGE;
  // The decoded size, computed from the base64 text without decoding it.
  const bytes = Buffer.byteLength(source.data, 'base64');
  return Math.max(TOKENS_PER_FILE_PAGE, Math.ceil(bytes / BYTES_PER_FILE_TOKEN));
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
      if (part.type === 'image' || part.type === 'file') tokens += mediaTokens(part);
      if (part.type === 'tool-result') for (const p of part.content) tokens += mediaTokens(p);
    }
  }
  for (const tool of tools) tokens += Math.ceil((tool.name.length + (tool.description?.length ?? 0) + JSON.stringify(tool.parameters).length) / 4);
  return tokens;
}

import { z } from 'zod';
import type { ContentPart, ImagePart, MediaPart, Message, TextPart } from '../../canonical/request.js';
import { cache, CacheControlSchema } from './cache-control.js';
import { documentPart } from './document.js';
import { invalidRequest } from './errors.js';
import { redactedIn, signatureIn } from './signatures.js';
import { check } from './validate.js';
import { list } from '../zod-list.js';

/**
 * Anthropic content blocks → canonical parts. The request schema types blocks only as `{type}`; each block is
 * checked here against its own type's schema, so an error names the exact block
 * (`messages.3.content.1.tool_use_id: Field required`).
 * @see https://docs.anthropic.com/en/api/messages
 */

/** Any block; refined per type below. */
export const BlockSchema = z.looseObject({ type: z.string() });
const TextBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: CacheControlSchema.nullish() });

const ImageBlock = z.looseObject({ type: z.literal('image'), source: z.looseObject({ type: z.string() }), cache_control: CacheControlSchema.nullish() });
const Base64Source = z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() });
const UrlSource = z.looseObject({ type: z.literal('url'), url: z.string() });
const ToolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
  cache_control: CacheControlSchema.nullish(),
});
const ToolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), list(BlockSchema)]).nullish(),
  is_error: z.boolean().nullish(),
  cache_control: CacheControlSchema.nullish(),
});
const ThinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
const RedactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });

type Block = z.infer<typeof BlockSchema>;
type TextBlock = z.infer<typeof TextBlockSchema>;

export interface MessageParam {
  readonly role: 'user' | 'assistant' | 'system';
  readonly content: string | readonly Block[];
}

/**
 * The conversation in canonical form, in order:
 * - `system` (a string or text blocks) → one system message, `cache_control` kept per block;
 * - a user turn → its text, images and documents as a user message, each `tool_result` as its own `tool` message, in the
 *   order the client wrote them (a turn that mixes results and text becomes tool message(s) + a user message);
 * - an assistant turn → one assistant message: text, `tool_use` (input as JSON text), `thinking` (with its
 *   signature) and `redacted_thinking` as reasoning parts with the provider that wrote them (`signatures.ts`), so
 *   they go back to that provider unchanged and to no other.
 */
export function toCanonicalMessages(system: MessageParam['content'] | null | undefined, messages: readonly MessageParam[]): Message[] {
  const out: Message[] = [];
  if (system != null) {
    const parts = typeof system === 'string'
      ? (system === '' ? [] : [{ type: 'text' as const, text: system }])
      : system.map((b, j) => textPart(check(TextBlockSchema, b, `system.${j}`)));
    if (parts.length > 0) out.push({ role: 'system', content: parts });
  }
  messages.forEach((message, i) => {
    const at = `messages.${i}`;
    switch (message.role) {
      case 'user':
        out.push(...userMessages(message.content, at));
        break;
      case 'assistant':
        out.push({ role: 'assistant', content: assistantParts(message.content, at) });
        break;
      case 'system':
        // Newer API versions also take system messages inside the conversation.
        out.push({ role: 'system', content: blocks(message.content).map((b, j) => textPart(check(TextBlockSchema, b, `${at}.content.${j}`))) });
        break;
    }
  });
  return out;
}

function userMessages(content: MessageParam['content'], at: string): Message[] {
  if (typeof content === 'string') return [{ role: 'user', content: content === '' ? [] : [{ type: 'text', text: content }] }];
  const out: Message[] = [];
  let pending: MediaPart[] = [];
  let sawToolResult = false;
  const flush = () => {
    if (pending.length > 0) out.push({ role: 'user', content: pending });
    pending = [];
  };
  content.forEach((block, j) => {
    const where = `${at}.content.${j}`;
    if (block.type === 'tool_result') {
      sawToolResult = true;
      flush();
      out.push({ role: 'tool', content: [toolResultPart(block, where)] });
    } else {
      pending.push(userPart(block, where));
    }
  });
  // A turn without tool results stays one user message, even when empty.
  if (pending.length > 0 || !sawToolResult) out.push({ role: 'user', content: pending });
  return out;
}

function assistantParts(content: MessageParam['content'], at: string): ContentPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((block, j): ContentPart => {
    const where = `${at}.content.${j}`;
    switch (block.type) {
      case 'text':
        return textPart(check(TextBlockSchema, block, where));
      case 'tool_use': {
        const b = check(ToolUseBlock, block, where);
        return { type: 'tool-call', id: b.id, name: b.name, arguments: JSON.stringify(b.input), ...cache(b.cache_control) };
      }
      case 'thinking': {
        const b = check(ThinkingBlock, block, where);
        // An empty signature is no signature (what the gateway returns for reasoning from models that do not sign it).
        return { type: 'reasoning', text: b.thinking, ...(b.signature !== '' && signatureIn(b.signature)) };
      }
      case 'redacted_thinking':
        return { type: 'reasoning', text: '', ...redactedIn(check(RedactedThinkingBlock, block, where).data) };
      default:
        throw unsupported(block, where, 'assistant messages');
    }
  });
}

/** Text, image or document; anything else in a user turn (or a tool result) is refused by name. */
function userPart(block: Block, where: string, context: 'user messages' | 'tool results' = 'user messages'): MediaPart {
  switch (block.type) {
    case 'text':
      return textPart(check(TextBlockSchema, block, where));
    case 'image':
      return imagePart(block, where);
    case 'document':
      return documentPart(block, where);
    default:
      throw unsupported(block, where, context);
  }
}

function toolResultPart(block: Block, where: string): ContentPart {
  const b = check(ToolResultBlock, block, where);
  const content = b.content == null
    ? []
    : typeof b.content === 'string'
      ? (b.content === '' ? [] : [{ type: 'text' as const, text: b.content }])
      : b.content.map((c, k) => userPart(c, `${where}.content.${k}`, 'tool results'));
  return { type: 'tool-result', toolCallId: b.tool_use_id, content, ...(b.is_error === true && { isError: true }), ...cache(b.cache_control) };
}

function imagePart(block: Block, where: string): ImagePart {
  const b = check(ImageBlock, block, where);
  switch (b.source.type) {
    case 'base64': {
      const s = check(Base64Source, b.source, `${where}.source`);
      return { type: 'image', source: { kind: 'base64', mediaType: s.media_type, data: s.data }, ...cache(b.cache_control) };
    }
    case 'url':
      return { type: 'image', source: { kind: 'url', url: check(UrlSource, b.source, `${where}.source`).url }, ...cache(b.cache_control) };
    default:
      throw invalidRequest(`${where}.source.type`, `image sources of type '${b.source.type}' are not supported by this gateway; send the image as 'base64' or 'url'.`, 'unsupported_value');
  }
}

function textPart(block: TextBlock): TextPart {
  return { type: 'text', text: block.text, ...cache(block.cache_control) };
}

const ACCEPTED = {
  'user messages': "'text', 'image', 'document' and 'tool_result'",
  'tool results': "'text', 'image' and 'document'",
  'assistant messages': "'text', 'tool_use', 'thinking' and 'redacted_thinking'",
} as const;

/** Blocks of Anthropic's server-side features: its server tools' calls and results, MCP connector calls, uploads. */
const SERVER_BLOCK = /^(server_tool_use|mcp_tool_use|mcp_tool_result|container_upload|\w+_tool_result)$/;

function unsupported(block: Block, where: string, context: keyof typeof ACCEPTED) {
  if (block.type !== 'tool_result' && SERVER_BLOCK.test(block.type)) {
    return invalidRequest(
      `${where}.type`,
      `content blocks of type '${block.type}' come from Anthropic's server-side tools, which only models served by Anthropic read: this model is served by another provider through a translation. Leave them out of the conversation for this model.`,
      'unsupported_value',
    );
  }
  return invalidRequest(`${where}.type`, `content blocks of type '${block.type}' are not supported in ${context} by this gateway (it takes ${ACCEPTED[context]}).`, 'unsupported_value');
}

function blocks(content: MessageParam['content']): readonly Block[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

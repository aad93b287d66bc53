import type { CacheControl, CanonicalRequest, ContentPart, Message } from '../../canonical/request.js';

const MARK: CacheControl = { type: 'ephemeral' };

/**
 * Prompt-cache marks for Claude (Anthropic's API and Bedrock, where they become cache points) on a request whose
 * client asked for caching by key (`promptCacheKey`, OpenAI's `prompt_cache_key`) and marked nothing itself. OpenAI
 * caches every long prompt's prefix by itself, so OpenAI clients never mark; Claude caches only at `cache_control`
 * marks, so without them a Codex session on Claude paid its whole prompt at the full price on every turn.
 *
 * Three marks, of the four Anthropic allows: the last tool (the tool list), the last system part (the
 * instructions), and the last part of the last message (the conversation so far). The next turn, which repeats that
 * prefix and adds to it, reads it back: Anthropic finds the longest cached prefix by looking back from each mark (up
 * to 20 blocks). A request that carries any mark of its own is left as the client made it.
 * @see https://docs.claude.com/en/docs/build-with-claude/prompt-caching
 */
export function withPromptCacheMarks(request: CanonicalRequest): CanonicalRequest {
  if (request.promptCacheKey === undefined || hasMarks(request)) return request;
  const messages = [...request.messages];
  const system = messages.findLastIndex((m) => m.role === 'system');
  if (system !== -1) messages[system] = marked(messages[system]!);
  const last = messages.length - 1;
  if (last !== -1 && messages[last]!.role !== 'system') messages[last] = marked(messages[last]!);
  const tools = request.tools && request.tools.length > 0 ? [...request.tools.slice(0, -1), { ...request.tools.at(-1)!, cacheControl: MARK }] : request.tools;
  return { ...request, messages, ...(tools && { tools }) };
}

function hasMarks(request: CanonicalRequest): boolean {
  return request.tools?.some((t) => t.cacheControl !== undefined) === true || request.messages.some((m) => m.content.some((p) => 'cacheControl' in p && p.cacheControl !== undefined));
}

/** The message with its last part that can carry a mark marked (not reasoning, which takes none; not empty text, which adapters drop). */
function marked(message: Message): Message {
  const at = message.content.findLastIndex((p) => p.type !== 'reasoning' && !(p.type === 'text' && p.text.trim() === ''));
  if (at === -1) return message;
  const content: ContentPart[] = [...message.content];
  content[at] = { ...content[at]!, cacheControl: MARK } as ContentPart;
  return { ...message, content };
}

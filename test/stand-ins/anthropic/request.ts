import { claudeFieldProblem } from '../claude-rules.js';
import { checkDocument } from './document.js';
import { outputFormatProblem } from './output-format.js';
import { thinkingSignature } from './render.js';

/**
 * The parts of a Messages API request the stand-in reads, the checks Anthropic makes that an adapter can get wrong,
 * and what the shared script needs from the prompt.
 */

export interface Block {
  readonly type: string;
  readonly text?: string;
  readonly thinking?: string;
  readonly signature?: string;
  readonly id?: string;
  readonly input?: unknown;
  readonly tool_use_id?: string;
  readonly content?: string | readonly Block[];
  readonly source?: { readonly type?: string; readonly data?: unknown };
}

export interface MessageParam {
  readonly role: string;
  readonly content: string | readonly Block[];
}

export interface MessagesBody {
  readonly model?: unknown;
  readonly max_tokens?: unknown;
  readonly messages?: unknown;
  readonly system?: unknown;
  readonly stream?: unknown;
  readonly thinking?: { readonly type?: string; readonly budget_tokens?: number };
  readonly temperature?: unknown;
  readonly top_p?: unknown;
  readonly top_k?: unknown;
  readonly stop_sequences?: unknown;
  readonly metadata?: unknown;
  readonly output_config?: unknown;
  readonly output_format?: unknown;
}

export interface RequestProblem {
  readonly message: string;
}

/** Anthropic's validation for the fields and shapes adapters build; undefined when the request is acceptable. */
export function checkMessagesRequest(body: MessagesBody, countTokens: boolean): RequestProblem | undefined {
  if (typeof body.model !== 'string' || body.model === '') return { message: 'model: Field required' };
  if (!countTokens) {
    if (body.max_tokens === undefined) return { message: 'max_tokens: Field required' };
    if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 0) return { message: 'max_tokens: Input should be a valid integer greater than or equal to 0' };
  }
  // Anthropic's metadata takes `user_id` alone; any other field is refused.
  if (body.metadata !== undefined && body.metadata !== null && typeof body.metadata === 'object') {
    const extra = Object.keys(body.metadata).find((name) => name !== 'user_id');
    if (extra !== undefined) return { message: `metadata.${extra}: Extra inputs are not permitted` };
  }
  if (!Array.isArray(body.messages)) return { message: 'messages: Field required' };
  const messages = body.messages as MessageParam[];
  if (messages.length === 0) return { message: 'messages: at least one message is required' };
  for (const [i, m] of messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return { message: `messages.${i}.role: Input should be 'user' or 'assistant'` };
    if (typeof m.content === 'string') {
      if (m.content === '') return { message: `messages.${i}: user messages must have non-empty content` };
      continue;
    }
    if (!Array.isArray(m.content)) return { message: `messages.${i}.content: Input should be a valid list` };
    if (m.content.length === 0 && !(m.role === 'assistant' && i === messages.length - 1)) {
      return { message: `messages.${i}: all messages must have non-empty content except for the optional final assistant message` };
    }
    for (const [j, b] of m.content.entries()) {
      if (b.type === 'text' && (typeof b.text !== 'string' || b.text === '')) return { message: `messages.${i}.content.${j}: text content blocks must be non-empty` };
      if (b.type === 'thinking' && typeof b.signature !== 'string') return { message: `messages.${i}.content.${j}.thinking.signature: Field required` };
      // Anthropic verifies the thinking it gets back: a signature it did not write for that thinking (another model's,
      // another provider's, an empty one) fails the request. Seen verbatim in anthropics/claude-code#10627.
      if (b.type === 'thinking' && !countTokens && m.role === 'assistant' && b.signature !== thinkingSignature(b.thinking ?? '')) {
        return { message: `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block` };
      }
      if ((b.type === 'tool_use' || b.type === 'thinking' || b.type === 'redacted_thinking') && m.role !== 'assistant') {
        return { message: `messages.${i}.content.${j}: \`${b.type}\` blocks are only allowed in assistant messages` };
      }
      if (b.type === 'tool_use' && (typeof b.input !== 'object' || b.input === null || Array.isArray(b.input))) return { message: `messages.${i}.content.${j}.tool_use.input: Input should be a valid dictionary` };
      const problem = checkDocuments(b, m.role, `messages.${i}.content.${j}`);
      if (problem) return problem;
    }
    const problem = checkToolResults(messages, i);
    if (problem) return problem;
  }
  const last = messages.at(-1)!;
  if (last.role === 'assistant' && Array.isArray(last.content)) {
    const lastBlock = last.content.at(-1);
    if (lastBlock?.type === 'text' && /\s$/.test(lastBlock.text ?? '')) return { message: 'messages: final assistant content cannot end with trailing whitespace' };
  }
  const modelProblem = claudeFieldProblem(body.model as string, { thinkingType: body.thinking?.type, temperature: body.temperature, topP: body.top_p, topK: body.top_k });
  if (modelProblem) return { message: modelProblem };
  const formatProblem = outputFormatProblem(body);
  if (formatProblem) return formatProblem;
  const thinking = body.thinking;
  if (thinking?.type === 'enabled') {
    // Manual thinking only (adaptive thinking relaxes it): the last assistant turn that called tools starts with thinking.
    const lastAssistant = messages.findLastIndex((m) => m.role === 'assistant');
    const content = lastAssistant === -1 ? undefined : messages[lastAssistant]!.content;
    if (Array.isArray(content) && content.some((b) => b.type === 'tool_use') && content[0]?.type !== 'thinking' && content[0]?.type !== 'redacted_thinking') {
      return { message: `messages.${lastAssistant}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${content[0]?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking` };
    }
    const budget = thinking.budget_tokens;
    if (!Number.isInteger(budget) || budget! < 1024) return { message: 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024' };
    if (!countTokens && (body.max_tokens as number) <= budget!) return { message: '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size' };
    if (body.temperature !== undefined && body.temperature !== 1) return { message: '`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#feature-compatibility' };
  }
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) return { message: 'temperature: Input should be less than or equal to 1' };
  return undefined;
}

/** Documents go in user turns, directly or inside a tool result's content. */
function checkDocuments(block: Block, role: string, where: string): RequestProblem | undefined {
  if (block.type === 'document') {
    if (role !== 'user') return { message: `${where}: \`document\` blocks are only allowed in user messages` };
    return checkDocument(block as unknown as Record<string, unknown>, where);
  }
  if (block.type !== 'tool_result' || !Array.isArray(block.content)) return undefined;
  for (const [k, c] of block.content.entries()) {
    const problem = c.type === 'document' ? checkDocument(c as unknown as Record<string, unknown>, `${where}.content.${k}`) : undefined;
    if (problem) return problem;
  }
  return undefined;
}

/** `tool_result` blocks must answer `tool_use` blocks of the assistant turn right before, and come first. */
function checkToolResults(messages: readonly MessageParam[], i: number): RequestProblem | undefined {
  const m = messages[i]!;
  if (m.role !== 'user' || typeof m.content === 'string') return undefined;
  const results = m.content.filter((b) => b.type === 'tool_result');
  if (results.length === 0) return undefined;
  const previous = messages[i - 1];
  const ids = new Set(previous?.role === 'assistant' && Array.isArray(previous.content) ? previous.content.filter((b) => b.type === 'tool_use').map((b) => b.id) : []);
  for (const r of results) {
    if (!ids.has(r.tool_use_id)) {
      return { message: `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${r.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.` };
    }
  }
  const firstOther = m.content.findIndex((b) => b.type !== 'tool_result');
  const lastResult = m.content.map((b) => b.type).lastIndexOf('tool_result');
  if (firstOther !== -1 && firstOther < lastResult) return { message: `messages.${i}.content: tool_result blocks must come before any other content in a user message` };
  return undefined;
}

/**
 * What the shared script reads from a request: the text of the last user message that has text of its own (a
 * user turn carrying only tool results is the tools answering, not the user, as with OpenAI's `tool` role), and
 * the prompt's characters (system, text, thinking, tool inputs and tool results).
 */
export function promptOf(body: MessagesBody): { lastUserText: string; promptChars: number } {
  const messages = Array.isArray(body.messages) ? (body.messages as MessageParam[]) : [];
  let lastUserText = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const texts = typeof m.content === 'string' ? [m.content] : m.content.filter((b) => b.type === 'text').map((b) => b.text ?? '');
    if (texts.length === 0) continue;
    lastUserText = texts.join('\n');
    break;
  }
  let promptChars = systemText(body.system).length;
  for (const m of messages) promptChars += contentChars(m.content);
  return { lastUserText, promptChars };
}

function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  if (Array.isArray(system)) return (system as Block[]).map((b) => b.text ?? '').join('');
  return '';
}

function contentChars(content: string | readonly Block[] | undefined): number {
  if (content === undefined) return 0;
  if (typeof content === 'string') return content.length;
  let n = 0;
  for (const b of content) {
    if (b.type === 'text') n += b.text?.length ?? 0;
    else if (b.type === 'thinking') n += b.thinking?.length ?? 0;
    else if (b.type === 'tool_use') n += JSON.stringify(b.input ?? {}).length;
    else if (b.type === 'tool_result') n += contentChars(b.content);
    else if (b.type === 'document' && b.source?.type === 'text' && typeof b.source.data === 'string') n += b.source.data.length;
  }
  return n;
}

export function stopSequences(body: MessagesBody): string[] {
  return Array.isArray(body.stop_sequences) ? (body.stop_sequences as unknown[]).filter((s): s is string => typeof s === 'string' && s !== '') : [];
}

import type { CanonicalRequest } from '../../canonical/request.js';
import { upstreamToolNames, type ToolNameRule, type ToolNames } from '../tool-names.js';

export { withClientToolNames, type ToolNames } from '../tool-names.js';

/** The longest function name OpenAI takes (`^[a-zA-Z0-9_-]{1,64}$`); Anthropic takes 128. */
export const MAX_TOOL_NAME_LENGTH = 64;

/**
 * OpenAI's function names: `^[a-zA-Z0-9_-]{1,64}$`, in `tools`, `tool_choice` and the history's `tool_calls` alike.
 * Compatible servers get the same: Mistral's, Groq's and Gemini's OpenAI-compatible APIs have the same limit, and the
 * client never sees the difference.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools
 */
const OPENAI_TOOL_NAMES: ToolNameRule = { maxLength: MAX_TOOL_NAME_LENGTH, character: /[a-zA-Z0-9_-]/ };

/**
 * The names a request's tools go upstream with to OpenAI (`upstreamToolNames`): a name longer than 64 characters, as
 * Claude Code's MCP tools often are, goes shortened, and the answer's calls are named back (`withClientToolNames`).
 */
export function toolNames(request: CanonicalRequest): ToolNames {
  return upstreamToolNames(request, OPENAI_TOOL_NAMES);
}

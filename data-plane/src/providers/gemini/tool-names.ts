import type { CanonicalRequest } from '../../canonical/request.js';
import { upstreamToolNames, type ToolNameRule, type ToolNames } from '../tool-names.js';

/**
 * Gemini's function names: "Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores
 * (_), dots (.), colons (:), or dashes (-), with a maximum length of 64", else the whole request is a 400
 * (INVALID_ARGUMENT, `tools[0].function_declarations[i].name: Invalid function name`). Colons are left out: the same
 * message without them is what Gemini answered until 2025 and what Vertex AI's reference still says, and a name
 * rewritten without them is named back all the same.
 * @see https://ai.google.dev/api/caching#FunctionDeclaration
 */
const GEMINI_TOOL_NAMES: ToolNameRule = { maxLength: 64, character: /[a-zA-Z0-9_.-]/, first: /[a-zA-Z_]/ };

/**
 * The names a request's tools go to Gemini with (`upstreamToolNames`): Claude Code's MCP tools (`mcp__<server>__<tool>`,
 * often longer than 64) shortened, a name starting with a digit (`1password_lookup`) led by `_`, and any character
 * Gemini refuses as `_`; in the declarations, the tool choice's allowed names and the history's calls and responses.
 * The answer's calls are named back (`withClientToolNames`).
 */
export function geminiToolNames(request: CanonicalRequest): ToolNames {
  return upstreamToolNames(request, GEMINI_TOOL_NAMES);
}

import type { CanonicalRequest } from '../../canonical/request.js';
import { upstreamToolNames, type ToolNameRule, type ToolNames } from '../tool-names.js';

/**
 * Converse's tool names: 1–64 characters of `[a-zA-Z0-9_-]`, in `ToolSpecification`, `SpecificToolChoice` and
 * `ToolUseBlock` alike; one name outside the rule and Bedrock refuses the whole request (ValidationException, "Value
 * '…' at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy constraint: Member must have length less than or
 * equal to 64").
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolSpecification.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolUseBlock.html
 */
const BEDROCK_TOOL_NAMES: ToolNameRule = { maxLength: 64, character: /[a-zA-Z0-9_-]/ };

/**
 * The names a request's tools go to Converse with (`upstreamToolNames`): Claude Code's MCP tools
 * (`mcp__<server>__<tool>`, often longer than 64) shortened and any character Converse refuses (`.`, `:`, …) as `_`;
 * in the tool specs, the tool choice and the history's tool uses. The answer's calls are named back
 * (`withClientToolNames`).
 */
export function bedrockToolNames(request: CanonicalRequest): ToolNames {
  return upstreamToolNames(request, BEDROCK_TOOL_NAMES);
}

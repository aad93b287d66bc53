import type { CanonicalRequest } from '../../canonical/request.js';

/**
 * Anthropic beta feature flags for Claude on Bedrock. An Anthropic client (Claude Code) sends them in the
 * `anthropic-beta` header; Bedrock takes them as `additionalModelRequestFields.anthropic_beta` and rejects the whole
 * request for a flag it does not know ("invalid beta flag"), and Claude Code sends several Bedrock does not serve
 * (`claude-code-20250219`, `oauth-2025-04-20`, `fine-grained-tool-streaming-2025-05-14`, …). So only flags Bedrock
 * documents are passed on, and only to Claude versions that have the feature; the rest are dropped, as Anthropic's own
 * clients do when they talk to Bedrock.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html
 */
const BEDROCK_BETAS: ReadonlyMap<string, { readonly minVersion?: number; readonly families?: readonly string[] }> = new Map([
  ['computer-use-2024-10-22', {}],
  ['computer-use-2025-01-24', {}],
  ['computer-use-2025-11-24', { minVersion: 4.5 }],
  ['token-efficient-tools-2025-02-19', {}],
  ['output-128k-2025-02-19', {}],
  ['interleaved-thinking-2025-05-14', { minVersion: 4 }],
  ['dev-full-thinking-2025-05-14', { minVersion: 4 }],
  ['context-1m-2025-08-07', { minVersion: 4 }],
  ['context-management-2025-06-27', { minVersion: 4.5 }],
  ['effort-2025-11-24', { minVersion: 4.5, families: ['opus'] }],
  ['tool-search-tool-2025-10-19', { minVersion: 4.5, families: ['opus', 'sonnet'] }],
  ['tool-examples-2025-10-29', { minVersion: 4.5, families: ['opus', 'sonnet'] }],
]);

/** The Anthropic betas of a request that the Bedrock model `modelId` accepts, in the client's order, each once. */
export function bedrockAnthropicBetas(request: CanonicalRequest, modelId: string): string[] {
  const header = request.passthrough?.protocol === 'anthropic-messages' ? request.passthrough.headers?.['anthropic-beta'] : undefined;
  if (header === undefined || header === '') return [];
  const version = claudeVersion(modelId);
  const family = /opus|sonnet|haiku/i.exec(modelId)?.[0]?.toLowerCase();
  const out: string[] = [];
  for (const raw of header.split(',')) {
    const beta = raw.trim();
    const rule = BEDROCK_BETAS.get(beta);
    if (rule === undefined || out.includes(beta)) continue;
    if (rule.minVersion !== undefined && (version === undefined || version < rule.minVersion)) continue;
    if (rule.families !== undefined && (family === undefined || !rule.families.includes(family))) continue;
    out.push(beta);
  }
  return out;
}

/**
 * Claude's version from a Bedrock model id: `anthropic.claude-opus-4-5-20251101-v1:0` → 4.5,
 * `us.anthropic.claude-sonnet-4-20250514-v1:0` → 4, `anthropic.claude-3-5-sonnet-20240620-v1:0` → 3.5. The minor
 * version is one digit followed by a hyphen, so a date is never read as one. Undefined when the id does not say.
 */
export function claudeVersion(modelId: string): number | undefined {
  const match = /claude-(?:(?:opus|sonnet|haiku)-)?(\d+)(?:-(\d)-)?/i.exec(modelId);
  if (match === null) return undefined;
  return Number(match[1]) + (match[2] === undefined ? 0 : Number(match[2]) / 10);
}

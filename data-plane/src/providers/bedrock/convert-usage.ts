import type { TokenUsage } from '../../canonical/events.js';
import type { TokenUsageWire } from './wire.js';

/**
 * Converse usage → canonical usage. Bedrock's `inputTokens` counts only the input that was neither read from nor
 * written to the prompt cache (Anthropic's semantics, for every model family): total input is
 * `inputTokens + cacheReadInputTokens + cacheWriteInputTokens`, and `totalTokens` is that plus `outputTokens`.
 * Canonical `inputTokens` is the total, with cache reads and writes as subsets, so they are added back here.
 * `cacheDetails` splits the writes by lifetime: those written for an hour (a cache point with `ttl: "1h"`), which
 * Claude bills dearer than 5-minute ones, are kept as `cacheWrite1hTokens`.
 * Bedrock does not report reasoning tokens separately (they are in `outputTokens`).
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
 */
export function convertUsage(usage: TokenUsageWire | undefined): TokenUsage {
  if (!usage) return { inputTokens: undefined, outputTokens: undefined };
  const details = usage.cacheDetails !== undefined && usage.cacheDetails.length > 0 ? usage.cacheDetails : undefined;
  const cacheReadTokens = usage.cacheReadInputTokens;
  const cacheWriteTokens = usage.cacheWriteInputTokens ?? details?.reduce((sum, d) => sum + d.inputTokens, 0);
  const cacheWrite1hTokens = details?.reduce((sum, d) => sum + (d.ttl === '1h' ? d.inputTokens : 0), 0);
  return {
    inputTokens: usage.inputTokens === undefined ? undefined : usage.inputTokens + (cacheReadTokens ?? 0) + (cacheWriteTokens ?? 0),
    outputTokens: usage.outputTokens,
    ...(cacheReadTokens !== undefined && { cacheReadTokens }),
    ...(cacheWriteTokens !== undefined && { cacheWriteTokens }),
    ...(cacheWrite1hTokens !== undefined && { cacheWrite1hTokens }),
  };
}

import type { TokenUsage } from '../../canonical/events.js';
import type { TokenUsageWire } from './wire.js';

/**
 * Converse usage → canonical usage. Bedrock's `inputTokens` counts only the input that was neither read from nor
 * written to the prompt cache (Anthropic's semantics, for every model family): total input is
 * `inputTokens + cacheReadInputTokens + cacheWriteInputTokens`, and `totalTokens` is that plus `outputTokens`.
 * Canonical `inputTokens` is the total, with cache reads and writes as subsets, so they are added back here.
 * Bedrock does not report reasoning tokens separately (they are in `outputTokens`).
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
 */
export function convertUsage(usage: TokenUsageWire | undefined): TokenUsage {
  if (!usage) return { inputTokens: undefined, outputTokens: undefined };
  const cacheReadTokens = usage.cacheReadInputTokens;
  const cacheWriteTokens = usage.cacheWriteInputTokens;
  return {
    inputTokens: usage.inputTokens === undefined ? undefined : usage.inputTokens + (cacheReadTokens ?? 0) + (cacheWriteTokens ?? 0),
    outputTokens: usage.outputTokens,
    ...(cacheReadTokens !== undefined && { cacheReadTokens }),
    ...(cacheWriteTokens !== undefined && { cacheWriteTokens }),
  };
}

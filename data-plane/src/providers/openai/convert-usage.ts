import type { TokenUsage } from '../types.js';
import type { OpenAiUsage } from './wire.js';

/**
 * OpenAI `usage` → canonical usage. OpenAI's semantics are the canonical ones: `prompt_tokens` includes cached
 * tokens, `completion_tokens` includes reasoning tokens. What the server did not report stays undefined
 * (compatible servers often omit the details, or the whole usage when streaming). DeepSeek reports cached input
 * only as `prompt_cache_hit_tokens`; GPT-5.6 and later report (and bill) cache writes as `cache_write_tokens`; xAI counts reasoning beside `completion_tokens` (`outputTokens`).
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function convertUsage(usage: OpenAiUsage | null | undefined, serviceTier?: string | null): TokenUsage {
  const reasoningTokens = usage?.completion_tokens_details?.reasoning_tokens ?? undefined;
  return {
    // The tier OpenAI served the request at (its chunks' and answer's `service_tier`), priced apart from the standard.
    ...(serviceTier != null && serviceTier !== 'default' && { serviceTier }),
    inputTokens: usage?.prompt_tokens ?? undefined,
    outputTokens: outputTokens(usage?.prompt_tokens, usage?.completion_tokens, reasoningTokens, usage?.total_tokens),
    cacheReadTokens: usage?.prompt_tokens_details?.cached_tokens ?? usage?.prompt_cache_hit_tokens ?? undefined,
    cacheWriteTokens: usage?.prompt_tokens_details?.cache_write_tokens ?? undefined,
    reasoningTokens,
  };
}

/**
 * The output tokens a usage stands for, reasoning included. OpenAI's `completion_tokens` include the reasoning
 * (total = prompt + completion); xAI's do not: it reports reasoning beside them and in the total (total = prompt +
 * completion + reasoning), and bills it as output. Told apart by the total, so a server that counts as xAI does
 * is billed for its reasoning whatever it is called. The fast path reads usage with this too.
 * @see https://docs.x.ai/docs/key-information/consumption-and-rate-limits
 */
export function outputTokens(
  prompt: number | null | undefined,
  completion: number | null | undefined,
  reasoning: number | null | undefined,
  total: number | null | undefined,
): number | undefined {
  if (completion == null) return undefined;
  if (prompt == null || reasoning == null || total == null || reasoning <= 0) return completion;
  return total === prompt + completion + reasoning ? completion + reasoning : completion;
}

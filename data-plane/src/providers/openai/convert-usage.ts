import type { TokenUsage } from '../types.js';
import type { OpenAiUsage } from './wire.js';

/**
 * OpenAI `usage` → canonical usage. OpenAI's semantics are the canonical ones: `prompt_tokens` includes cached
 * tokens, `completion_tokens` includes reasoning tokens. What the server did not report stays undefined
 * (compatible servers often omit the details, or the whole usage when streaming). DeepSeek reports cached input
 * only as `prompt_cache_hit_tokens`.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function convertUsage(usage: OpenAiUsage | null | undefined): TokenUsage {
  return {
    inputTokens: usage?.prompt_tokens ?? undefined,
    outputTokens: usage?.completion_tokens ?? undefined,
    cacheReadTokens: usage?.prompt_tokens_details?.cached_tokens ?? usage?.prompt_cache_hit_tokens ?? undefined,
    reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? undefined,
  };
}

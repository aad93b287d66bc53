import type { FinalUsage } from '../../pipeline/accounting.js';

/**
 * Anthropic's `usage` object. Unlike the gateway's (OpenAI-style) count, Anthropic's `input_tokens` excludes the
 * tokens read from and written to the prompt cache; the total input is the sum of the three.
 * @see https://docs.anthropic.com/en/api/messages#response-usage
 */
export interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

export function anthropicUsage(usage: Pick<FinalUsage, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>): AnthropicUsage {
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens),
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    output_tokens: usage.outputTokens,
  };
}

/** `msg_` plus the request id without dashes, so a message id leads straight to its request and usage row. */
export function messageId(requestId: string): string {
  return `msg_${requestId.replaceAll('-', '')}`;
}

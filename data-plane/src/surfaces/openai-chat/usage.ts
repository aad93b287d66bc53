import type { FinalUsage } from '../../pipeline/accounting.js';

/**
 * OpenAI's `usage` object. `prompt_tokens` includes cached tokens; the details say how many were cached and how
 * many output tokens were reasoning, zeros included, as OpenAI always sends them (code reads them unguarded).
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export function openAiUsage(usage: Pick<FinalUsage, 'inputTokens' | 'outputTokens'> & Partial<FinalUsage>): OpenAiUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
}

/** `chatcmpl-` plus the request id without dashes, so a completion id leads straight to its request and usage row. */
export function completionId(requestId: string): string {
  return `chatcmpl-${requestId.replaceAll('-', '')}`;
}

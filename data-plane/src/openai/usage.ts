/** OpenAI's `usage` object. */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function openAiUsage(promptTokens: number, completionTokens: number): OpenAiUsage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** `chatcmpl-` plus the request id without dashes, so a completion id leads straight to its request and usage row. */
export function completionId(requestId: string): string {
  return `chatcmpl-${requestId.replaceAll('-', '')}`;
}

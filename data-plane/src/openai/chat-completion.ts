import type { OpenAiUsage } from './usage.js';

/**
 * A non-streamed OpenAI `chat.completion` object.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string; refusal: null };
    logprobs: null;
    finish_reason: string;
  }>;
  usage: OpenAiUsage;
}

export function chatCompletion(args: { id: string; created: number; model: string; content: string; finishReason: string; usage: OpenAiUsage }): ChatCompletion {
  return {
    id: args.id,
    object: 'chat.completion',
    created: args.created,
    model: args.model,
    choices: [{ index: 0, message: { role: 'assistant', content: args.content, refusal: null }, logprobs: null, finish_reason: args.finishReason }],
    usage: args.usage,
  };
}

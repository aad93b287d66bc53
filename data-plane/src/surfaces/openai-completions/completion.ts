import type { CollectedResponse } from '../collect.js';
import type { OpenAiUsage } from '../openai-chat/usage.js';
import { toCompletionFinishReason } from './finish-reason.js';

/**
 * A non-streamed OpenAI `text_completion` object. Only the model's text is returned: reasoning has no place in
 * this protocol, and tool calls cannot happen (the request offers no tools).
 * @see https://platform.openai.com/docs/api-reference/completions/object
 */
export interface TextCompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: Array<{ text: string; index: number; logprobs: null; finish_reason: 'stop' | 'length' | 'content_filter' }>;
  usage: OpenAiUsage;
}

export function textCompletion(args: { id: string; created: number; model: string; response: CollectedResponse; usage: OpenAiUsage }): TextCompletion {
  const { blocks, finishReason } = args.response;
  const text = blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  return {
    id: args.id,
    object: 'text_completion',
    created: args.created,
    model: args.model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: toCompletionFinishReason(finishReason.unified) }],
    usage: args.usage,
  };
}

/** `cmpl-` plus the request id without dashes, so a completion id leads straight to its request and usage row. */
export function textCompletionId(requestId: string): string {
  return `cmpl-${requestId.replaceAll('-', '')}`;
}

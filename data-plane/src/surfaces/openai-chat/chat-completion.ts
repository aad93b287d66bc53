import type { CollectedResponse } from '../collect.js';
import { toOpenAiFinishReason } from './finish-reason.js';
import type { OpenAiUsage } from './usage.js';

interface ToolCallJson {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

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
    message: {
      role: 'assistant';
      content: string | null;
      refusal: null;
      tool_calls?: ToolCallJson[];
      function_call?: ToolCallJson['function'];
      reasoning_content?: string;
    };
    logprobs: null;
    finish_reason: string;
  }>;
  usage: OpenAiUsage;
}

/**
 * `legacyFunctions`: the request declared `functions`, so a call is answered as OpenAI answers those, in
 * `message.function_call` (the first call; such a request asks for one at a time) with finish reason `function_call`.
 */
export function chatCompletion(args: { id: string; created: number; model: string; response: CollectedResponse; usage: OpenAiUsage; legacyFunctions?: boolean }): ChatCompletion {
  const { blocks, finishReason } = args.response;
  const text = blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const reasoning = blocks.flatMap((b) => (b.type === 'reasoning' ? [b.text] : [])).join('');
  const toolCalls: ToolCallJson[] = blocks.flatMap((b) =>
    b.type === 'tool-call' ? [{ id: b.id, type: 'function' as const, function: { name: b.name, arguments: b.arguments } }] : [],
  );
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI sends null content when the answer is only tool calls.
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
    ...(toolCalls.length > 0 && (args.legacyFunctions ? { function_call: toolCalls[0]!.function } : { tool_calls: toolCalls })),
    ...(reasoning !== '' && { reasoning_content: reasoning }),
  };
  return {
    id: args.id,
    object: 'chat.completion',
    created: args.created,
    model: args.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toOpenAiFinishReason(finishReason.unified, args.legacyFunctions) }],
    usage: args.usage,
  };
}

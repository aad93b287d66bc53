import type {
  CanonicalRequest,
  ImagePart,
  Message,
  ReasoningConfig,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
} from '../../canonical/request.js';
import type { ProviderTarget } from '../types.js';
import type { OpenAiChatBody, OpenAiContentPart, OpenAiMessage, OpenAiToolCall } from './wire.js';

/** What differs between OpenAI-protocol servers in the request body. */
export interface OpenAiRequestOptions {
  /**
   * OpenAI and Azure take `max_completion_tokens` (`max_tokens` is deprecated and rejected by reasoning models);
   * vLLM, Ollama, LM Studio and most compatible servers know `max_tokens`.
   */
  readonly maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** Send `top_k` (vLLM and others take it; OpenAI rejects unknown parameters). */
  readonly topK: boolean;
}

export const OPENAI_REQUEST_OPTIONS: OpenAiRequestOptions = { maxTokensField: 'max_completion_tokens', topK: false };

/**
 * Canonical request → chat completions body.
 *
 * - System prompts stay `system` messages, also for o-series/gpt-5 models: OpenAI treats `system` as `developer`
 *   for those itself, while compatible servers and Azure's older api-versions may not know `developer`.
 * - Reasoning parts from earlier turns are dropped (chat completions cannot take them back; DeepSeek rejects
 *   `reasoning_content` in input messages), and so is `cache_control` (OpenAI caches prompts automatically).
 * - When streaming, `stream_options.include_usage` is always on: the gateway bills from that last chunk.
 * - Unknown fields of an OpenAI chat client (`passthrough`) go through untouched; what the gateway set wins.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function translateRequest(request: CanonicalRequest, target: ProviderTarget, options: OpenAiRequestOptions = OPENAI_REQUEST_OPTIONS): OpenAiChatBody {
  const passthrough = request.passthrough?.protocol === 'openai-chat' ? request.passthrough.fields : {};
  const effort = reasoningEffort(request.reasoning);
  return {
    ...passthrough,
    model: target.providerModel,
    messages: request.messages.flatMap(toMessages),
    ...(request.tools?.length && { tools: request.tools.map(toTool) }),
    ...(request.toolChoice && { tool_choice: toToolChoice(request.toolChoice) }),
    ...(request.parallelToolCalls !== undefined && { parallel_tool_calls: request.parallelToolCalls }),
    ...(request.maxOutputTokens !== undefined && { [options.maxTokensField]: request.maxOutputTokens }),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.topP !== undefined && { top_p: request.topP }),
    ...(options.topK && request.topK !== undefined && { top_k: request.topK }),
    ...(request.stop?.length && { stop: [...request.stop] }),
    ...(request.seed !== undefined && { seed: request.seed }),
    ...(request.frequencyPenalty !== undefined && { frequency_penalty: request.frequencyPenalty }),
    ...(request.presencePenalty !== undefined && { presence_penalty: request.presencePenalty }),
    ...(request.responseFormat && { response_format: toResponseFormat(request.responseFormat) }),
    ...(effort && { reasoning_effort: effort }),
    ...(request.user !== undefined && { user: request.user }),
    ...(request.stream ? { stream: true, stream_options: { include_usage: true } } : { stream: false }),
  };
}

/** `effort` as given; otherwise derived from a thinking budget (0 → minimal, <2k low, <8k medium, else high). */
function reasoningEffort(reasoning: ReasoningConfig | undefined): string | undefined {
  if (!reasoning) return undefined;
  if (reasoning.effort) return reasoning.effort;
  const budget = reasoning.budgetTokens;
  if (budget === undefined) return undefined;
  return budget <= 0 ? 'minimal' : budget < 2048 ? 'low' : budget < 8192 ? 'medium' : 'high';
}

function toMessages(message: Message): OpenAiMessage[] {
  const name = message.name !== undefined ? { name: message.name } : {};
  switch (message.role) {
    case 'system':
      return [{ role: 'system', content: toContent(message.content.filter(isText)), ...name }];
    case 'user':
      return [{ role: 'user', content: toContent(message.content.filter(isTextOrImage)), ...name }];
    case 'assistant': {
      const text = message.content.filter(isText).map((p) => p.text).join('');
      const calls: OpenAiToolCall[] = message.content.flatMap((p) =>
        p.type === 'tool-call' ? [{ id: p.id, type: 'function' as const, function: { name: p.name, arguments: p.arguments } }] : [],
      );
      return [{ role: 'assistant', content: text === '' && calls.length > 0 ? null : text, ...(calls.length > 0 && { tool_calls: calls }), ...name }];
    }
    case 'tool':
      // Chat completions takes one `tool` message per result, text only.
      return message.content.flatMap((p) =>
        p.type === 'tool-result' ? [{ role: 'tool' as const, tool_call_id: p.toolCallId, content: p.content.filter(isText).map((t) => t.text).join('') }] : [],
      );
  }
}

/** One text part as a plain string (what every compatible server accepts); otherwise the parts array. */
function toContent(parts: readonly (TextPart | ImagePart)[]): string | OpenAiContentPart[] {
  if (parts.length === 0) return '';
  if (parts.length === 1 && parts[0]!.type === 'text') return parts[0]!.text;
  return parts.map((p): OpenAiContentPart => {
    if (p.type === 'text') return { type: 'text', text: p.text };
    const url = p.source.kind === 'url' ? p.source.url : `data:${p.source.mediaType};base64,${p.source.data}`;
    return { type: 'image_url', image_url: { url, ...(p.detail !== undefined && { detail: p.detail }) } };
  });
}

function isText(part: Message['content'][number]): part is TextPart {
  return part.type === 'text';
}

function isTextOrImage(part: Message['content'][number]): part is TextPart | ImagePart {
  return part.type === 'text' || part.type === 'image';
}

function toTool(tool: ToolDefinition) {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description !== undefined && { description: tool.description }),
      parameters: tool.parameters,
      ...(tool.strict !== undefined && { strict: tool.strict }),
    },
  };
}

function toToolChoice(choice: ToolChoice) {
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type;
}

function toResponseFormat(format: ResponseFormat) {
  if (format.type !== 'json_schema') return { type: format.type };
  return { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, ...(format.strict !== undefined && { strict: format.strict }) } };
}

import type { ProviderError } from '../../canonical/errors.js';
import { COMMON_IMAGE_TYPES, inlineImage } from '../inline-image.js';
import { LEADING_USER_TEXT } from '../leading-user-turn.js';
import type {
  CacheControl,
  CanonicalRequest,
  ContentPart,
  ImagePart,
  MediaPart,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
} from '../../canonical/request.js';
import type { ProviderTarget } from '../types.js';
import { documentBlock } from './document.js';
import { claudeTraits } from './claude-traits.js';
import { withPromptCacheMarks } from './prompt-cache.js';
import { nativeOutputFormat } from './structured-output.js';
import { planOutput, planSampling, thinkingAllowed, thinksAdaptively } from './thinking.js';
import type {
  AnthropicCacheControl,
  AnthropicContentBlock,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from './wire.js';

export interface TranslateOptions {
  /** `max_tokens` when the client gave none; default depends on the model (see `defaultMaxTokens`). */
  readonly defaultMaxTokens?: number;
}

/** Fields a passthrough may not override: the routing decision and the adapter's own framing. */
const PROTECTED_FIELDS = new Set(['model', 'messages', 'stream']);

/**
 * Canonical request → Anthropic Messages request.
 *
 * - System messages (wherever they are) become `system` text blocks, cache_control kept.
 * - `tool` messages become user turns of `tool_result` blocks; consecutive turns of the same role are merged, since
 *   Anthropic wants user and assistant to alternate, and in a merged user turn tool results come first.
 * - Reasoning parts go back as `thinking` (only with a signature; Anthropic rejects unsigned thinking) or
 *   `redacted_thinking` blocks.
 * - Empty text blocks are dropped (Anthropic rejects them), and trailing whitespace is trimmed from a final
 *   assistant turn (a prefill, which Anthropic rejects when it ends in whitespace).
 * - A strict `json_schema` `responseFormat` (OpenAI's `strict: true`) is Anthropic's structured outputs on the models
 *   that take them: `output_config.format` with the schema made to Anthropic's rules (`structured-output.ts`), beside
 *   any effort, and no instruction, since the answer is the JSON itself. Other JSON formats (`json_object`, a schema
 *   that is not strict or that Anthropic cannot take as it means, an older model) are best effort: a system
 *   instruction (with the schema) at the end of the system prompt, after any cached prefix, which nothing enforces.
 * - Not supported by Anthropic and dropped: seed, frequency/presence penalties, message names, whitespace-only stop
 *   sequences. Sampling parameters and thinking follow what the model takes (`claude-traits.ts`, `planSampling`,
 *   `planOutput`): newer models think adaptively, with an effort, and take fewer sampling parameters or none.
 * - A client that asked for caching by key (`prompt_cache_key`) but marked nothing gets marks (`withPromptCacheMarks`).
 */
export function translateRequest(client: CanonicalRequest, target: ProviderTarget, options: TranslateOptions = {}): AnthropicMessagesRequest {
  const request = withPromptCacheMarks(client);
  const traits = claudeTraits(target.providerModel);
  const plan = planOutput({
    maxOutputTokens: request.maxOutputTokens,
    reasoning: traits.thinking && thinkingAllowed(request, thinksAdaptively(request.reasoning, traits)) ? request.reasoning : undefined,
    model: target.providerModel,
    traits,
    ...(options.defaultMaxTokens !== undefined && { defaultMaxTokens: options.defaultMaxTokens }),
  });
  const messages = conversation(request.messages);
  const outputFormat = nativeOutputFormat(request, traits, messages.at(-1)?.role === 'assistant');
  const system = systemBlocks(request.messages, outputFormat ? undefined : request.responseFormat);
  const outputConfig = { ...(plan.effort && { effort: plan.effort }), ...(outputFormat && { format: outputFormat }) };
  const tools = request.tools && request.tools.length > 0 ? request.tools.map(toTool) : undefined;
  const toolChoice = tools ? toToolChoice(request.toolChoice, request.parallelToolCalls) : undefined;
  const stop = request.stop?.filter((s) => s.trim() !== '');
  const sampling = planSampling(request, traits, plan.thinking !== undefined);

  const body: Record<string, unknown> = {
    model: target.providerModel,
    max_tokens: plan.maxTokens,
    messages,
    ...(system.length > 0 && { system }),
    ...(tools && { tools }),
    ...(toolChoice && { tool_choice: toolChoice }),
    ...(plan.thinking && { thinking: plan.thinking }),
    ...(Object.keys(outputConfig).length > 0 && { output_config: outputConfig }),
    ...(sampling.temperature !== undefined && { temperature: sampling.temperature }),
    ...(sampling.topP !== undefined && { top_p: sampling.topP }),
    ...(sampling.topK !== undefined && { top_k: sampling.topK }),
    ...(stop && stop.length > 0 && { stop_sequences: stop }),
    ...(request.user !== undefined && request.user !== '' && { metadata: { user_id: request.user } }),
    stream: request.stream,
  };
  if (request.passthrough?.protocol === 'anthropic-messages') {
    for (const [field, value] of Object.entries(request.passthrough.fields)) {
      if (PROTECTED_FIELDS.has(field)) continue;
      // The client's `output_config` goes over the adapter's key by key: an effort the adapter derived from the
      // client's thinking budget stays beside the format the client sent, and the client's own effort wins.
      body[field] = field === 'output_config' && isRecord(value) && isRecord(body.output_config) ? { ...body.output_config, ...value } : value;
    }
  }
  return body as AnthropicMessagesRequest;
}

function systemBlocks(messages: readonly Message[], format: ResponseFormat | undefined): AnthropicTextBlock[] {
  const blocks: AnthropicTextBlock[] = [];
  for (const m of messages) {
    if (m.role !== 'system') continue;
    for (const part of m.content) if (part.type === 'text' && part.text !== '') blocks.push(textBlock(part));
  }
  const instruction = formatInstruction(format);
  if (instruction) blocks.push({ type: 'text', text: instruction });
  return blocks;
}

function formatInstruction(format: ResponseFormat | undefined): string | undefined {
  if (!format || format.type === 'text') return undefined;
  const rule = 'nothing else: no prose before or after it and no Markdown code fences.';
  if (format.type === 'json_object') return `Respond with a single valid JSON object and ${rule}`;
  return `Respond with a single JSON value that conforms to the JSON Schema "${format.name}" below, and ${rule}\n<json-schema>\n${JSON.stringify(format.schema)}\n</json-schema>`;
}

/** Non-system messages as alternating Anthropic turns. */
function conversation(messages: readonly Message[]): AnthropicMessage[] {
  const turns: { role: 'user' | 'assistant'; content: AnthropicContentBlock[] }[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const content = m.content.flatMap((part) => contentBlocks(part, role));
    if (content.length === 0) continue;
    const last = turns.at(-1);
    if (last && last.role === role) last.content.push(...content);
    else turns.push({ role, content });
  }
  for (const turn of turns) {
    if (turn.role === 'user') turn.content = toolResultsFirst(turn.content);
  }
  const final = turns.at(-1);
  if (final?.role === 'assistant') trimPrefill(final);
  const kept = turns.filter((t) => t.content.length > 0);
  // A system prompt alone (which OpenAI answers) needs a turn: Anthropic refuses an empty conversation.
  return kept.length > 0 ? kept : [{ role: 'user', content: [{ type: 'text', text: LEADING_USER_TEXT }] }];
}

function contentBlocks(part: ContentPart, role: 'user' | 'assistant'): AnthropicContentBlock[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [textBlock(part)];
    case 'image':
      return [imageBlock(part)];
    case 'file':
      return [{ ...documentBlock(part), ...cache(part.cacheControl) }];
    case 'tool-call':
      if (role !== 'assistant') return [];
      return [{ type: 'tool_use', id: part.id, name: part.name, input: toolInput(part.arguments), ...cache(part.cacheControl) }];
    case 'tool-result': {
      if (role !== 'user') return [];
      const content = part.content.flatMap(toolResultBlocks);
      return [{
        type: 'tool_result',
        tool_use_id: part.toolCallId,
        ...(content.length > 0 && { content }),
        ...(part.isError && { is_error: true }),
        ...cache(part.cacheControl),
      }];
    }
    case 'reasoning':
      if (role !== 'assistant') return [];
      if (part.redactedData !== undefined) return [{ type: 'redacted_thinking', data: part.redactedData }];
      return part.signature !== undefined ? [{ type: 'thinking', thinking: part.text, signature: part.signature }] : [];
  }
}

function toolResultBlocks(part: MediaPart): (AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock)[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [textBlock(part)];
    case 'image':
      return [imageBlock(part)];
    case 'file':
      return [{ ...documentBlock(part), ...cache(part.cacheControl) }];
  }
}

function textBlock(part: TextPart): AnthropicTextBlock {
  return { type: 'text', text: part.text, ...cache(part.cacheControl) };
}

function imageBlock(part: ImagePart): AnthropicImageBlock {
  // OpenAI clients send inline images as data URLs; Anthropic takes those only as base64 sources.
  const inline = inlineImage(part.source);
  if (inline === undefined) return { type: 'image', source: { type: 'url', url: (part.source as { url: string }).url }, ...cache(part.cacheControl) };
  if (!COMMON_IMAGE_TYPES.has(inline.mediaType)) {
    const error: ProviderError = {
      status: 400,
      type: 'invalid_request_error',
      code: 'unsupported_image_format',
      message: `anthropic: Claude does not accept images of type ${inline.mediaType} (png, jpeg, gif and webp only).`,
      provider: 'anthropic',
    };
    throw error;
  }
  return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.data }, ...cache(part.cacheControl) };
}

/**
 * Tool-call arguments (JSON text) as the `input` object Anthropic wants. Arguments that are empty, not JSON or not
 * an object (a model's truncated output echoed back) become `{}` rather than failing the whole conversation.
 */
function toolInput(args: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toolResultsFirst(content: AnthropicContentBlock[]): AnthropicContentBlock[] {
  if (!content.some((b) => b.type === 'tool_result')) return content;
  return [...content.filter((b) => b.type === 'tool_result'), ...content.filter((b) => b.type !== 'tool_result')];
}

function trimPrefill(turn: { content: AnthropicContentBlock[] }): void {
  const last = turn.content.at(-1);
  if (last?.type !== 'text') return;
  const text = last.text.trimEnd();
  if (text === last.text) return;
  if (text === '') turn.content.pop();
  else turn.content[turn.content.length - 1] = { ...last, text };
}

function toTool(tool: ToolDefinition): AnthropicTool {
  return {
    name: tool.name,
    ...(tool.description !== undefined && { description: tool.description }),
    input_schema: { type: 'object', ...tool.parameters },
    ...(tool.strict !== undefined && { strict: tool.strict }),
    ...cache(tool.cacheControl),
  };
}

function toToolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): AnthropicToolChoice | undefined {
  const serial = parallel === false ? { disable_parallel_tool_use: true } : {};
  switch (choice?.type) {
    case undefined:
      return parallel === false ? { type: 'auto', ...serial } : undefined;
    case 'auto':
      return { type: 'auto', ...serial };
    case 'required':
      return { type: 'any', ...serial };
    case 'tool':
      return { type: 'tool', name: choice.name, ...serial };
    case 'none':
      return { type: 'none' };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cache(control: CacheControl | undefined): { cache_control?: AnthropicCacheControl } {
  if (!control) return {};
  return { cache_control: { type: 'ephemeral', ...(control.ttl !== undefined && { ttl: control.ttl }) } };
}

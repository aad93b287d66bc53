import type { ProviderKind } from '@tollgate/schema';
import type { ProviderError } from '../../canonical/errors.js';
import type {
  CanonicalRequest,
  FilePart,
  MediaPart,
  Message,
  ReasoningConfig,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
} from '../../canonical/request.js';
import type { ProviderTarget } from '../types.js';
import { upstreamEndUser } from './end-user.js';
import { takesReasoningEffort } from './model-traits.js';
import { toolNames, type ToolNames } from './tool-names.js';
import type { OpenAiChatBody, OpenAiContentPart, OpenAiMessage, OpenAiToolCall } from './wire.js';

/** What differs between OpenAI-protocol servers in the request body. */
export interface OpenAiRequestOptions {
  /**
   * OpenAI and Azure take `max_completion_tokens` (`max_tokens` is deprecated and rejected by reasoning models), but
   * for Azure's api-versions before 2024-09-01-preview; vLLM, Ollama, LM Studio and most compatible servers know
   * `max_tokens`.
   */
  readonly maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** Send `top_k` (vLLM and others take it; OpenAI rejects unknown parameters). */
  readonly topK: boolean;
  /**
   * Send the reasoning of an assistant turn that called tools back as its `reasoning_content` (`assistantReasoning`).
   * Only compatible servers: OpenAI and Azure take no reasoning back in chat completions.
   */
  readonly reasoningContent?: boolean;
  /**
   * Which models get `reasoning_effort` (from a client's effort or thinking budget). OpenAI and Azure answer 400
   * "Unsupported parameter" for a model that does not reason, so there only the models whose id says they reason get
   * it (`takesReasoningEffort`, `reasoning-models`). A compatible server's model names (`qwen3:8b`, `my-model`) say
   * nothing the gateway could read, so it gets it whenever the client asked (`any`); a deployment whose server refuses
   * it leaves it out with `dropParams: ["reasoning_effort"]`. Default: `reasoning-models`.
   */
  readonly reasoningEffort?: 'reasoning-models' | 'any';
}

export const OPENAI_REQUEST_OPTIONS: OpenAiRequestOptions = { maxTokensField: 'max_completion_tokens', topK: false };

/**
 * Canonical request → chat completions body.
 *
 * - System prompts stay `system` messages, also for o-series/gpt-5 models: OpenAI treats `system` as `developer`
 *   for those itself, while compatible servers and Azure's older api-versions may not know `developer`.
 * - Reasoning parts from earlier turns are dropped (OpenAI's chat completions cannot take them back), but where the
 *   deployment takes them (`reasoningContent`) for a turn that called tools, which DeepSeek's thinking mode requires
 *   (`assistantReasoning`); `cache_control` is dropped too (OpenAI caches prompts automatically).
 * - Files go as `file` parts with inline `file_data` (a data URL) and a filename; text documents (and base64
 *   `text/*` files) as text. URLs are a 400 (chat completions takes no file URLs and the gateway does not fetch).
 * - `tool` messages take text only, so the images and PDFs a tool returned (a screenshot, a file Claude Code read)
 *   follow the tool messages in one `user` message, each result's labelled with its call id, and the tool message
 *   says they follow: the model sees them, nothing is dropped.
 * - When streaming, `stream_options.include_usage` is on wherever the deployment takes it (`streamOptions`; not
 *   Azure's older api-versions): the gateway bills from that last chunk, else from its own count.
 * - `reasoning_effort` goes only where the deployment takes it (`reasoningEffort`): for an OpenAI model that does
 *   not reason, a thinking budget is thinking off rather than a 400.
 * - Tool names longer than OpenAI's 64 characters go shortened, the same way in tools, tool choice and history
 *   (`toolNames`; the adapter names them back in the answer); end-user ids longer than 64 go as their digest
 *   (`upstreamEndUser`).
 * - Unknown fields of an OpenAI chat client (`passthrough`) go through untouched; what the gateway set wins.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function translateRequest(request: CanonicalRequest, target: ProviderTarget, options: OpenAiRequestOptions = OPENAI_REQUEST_OPTIONS, streamOptions = true): OpenAiChatBody {
  const passthrough = request.passthrough?.protocol === 'openai-chat' ? request.passthrough.fields : {};
  const effort = options.reasoningEffort === 'any' || takesReasoningEffort(target.providerModel) ? reasoningEffort(request.reasoning) : undefined;
  const names = toolNames(request);
  // The client's own `safety_identifier` (a chat client's, through passthrough) is an end-user id like `user`.
  const safetyIdentifier = passthrough.safety_identifier;
  return {
    ...passthrough,
    ...(typeof safetyIdentifier === 'string' && { safety_identifier: upstreamEndUser(safetyIdentifier) }),
    model: target.providerModel,
    messages: toChatMessages(request.messages, options.reasoningContent === true ? target.provider : undefined, names),
    ...(request.tools?.length && { tools: request.tools.map((tool) => toTool(tool, names)) }),
    ...(request.toolChoice && { tool_choice: toToolChoice(request.toolChoice, names) }),
    // Only with tools: OpenAI and Azure answer 400 "'parallel_tool_calls' is only allowed when 'tools' are specified"
    // (a Responses client that sends `parallel_tool_calls` on every turn, tools or not).
    ...(request.parallelToolCalls !== undefined && request.tools?.length && { parallel_tool_calls: request.parallelToolCalls }),
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
    ...(request.user !== undefined && { user: upstreamEndUser(request.user) }),
    ...(request.stream ? { stream: true, ...(streamOptions && { stream_options: { include_usage: true } }) } : { stream: false }),
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

/**
 * The conversation as chat messages. Chat completions takes tool results as `tool` messages, text only, and every
 * `tool` message answering an assistant's calls must follow it directly (OpenAI: 400 "An assistant message with
 * 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'"); so what else the results of a
 * run of tool messages hold (images, PDFs) follows the whole run, in one user message. A client may send one tool
 * message per result (Anthropic's `tool_result` blocks arrive so, Claude Code's parallel Read and Bash).
 */
function toChatMessages(messages: readonly Message[], reasoningOf: ProviderKind | undefined, names: ToolNames): OpenAiMessage[] {
  const out: OpenAiMessage[] = [];
  let attached: OpenAiContentPart[] = [];
  for (const message of messages) {
    if (message.role === 'tool') {
      const results = toolMessages(message);
      out.push(...results.messages);
      attached.push(...results.attached);
      continue;
    }
    if (attached.length > 0) out.push({ role: 'user', content: attached });
    attached = [];
    out.push(...toMessages(message, reasoningOf, names));
  }
  if (attached.length > 0) out.push({ role: 'user', content: attached });
  return out;
}

/** A tool message's results as `tool` messages, and what else they hold, labelled by call, to follow the run of them. */
function toolMessages(message: Message): { messages: OpenAiMessage[]; attached: OpenAiContentPart[] } {
  const messages: OpenAiMessage[] = [];
  const attached: OpenAiContentPart[] = [];
  for (const p of message.content) {
    if (p.type !== 'tool-result') continue;
    const { text, media } = splitToolResult(p.content);
    const note = media.length === 0 ? '' : `[${media.length === 1 ? 'an attachment' : `${media.length} attachments`} of this result follow${media.length === 1 ? 's' : ''} in the next user message]`;
    // A failed call (Anthropic's `is_error`) has no field here: its text says so unless it already does.
    const said = p.isError === true && !/^\W*(error|fail)/i.test(text) ? `Error: ${text}` : text;
    messages.push({ role: 'tool', tool_call_id: p.toolCallId, content: said === '' ? note : note === '' ? said : `${said}\n${note}` });
    if (media.length > 0) attached.push({ type: 'text', text: `Attachments of the result of tool call ${p.toolCallId}:` }, ...media);
  }
  return { messages, attached };
}

/**
 * A message other than tool results. `reasoningOf`: the provider whose reasoning an assistant turn may send back
 * (`assistantReasoning`), if any; `names`: what the tools it called are called upstream.
 */
function toMessages(message: Message, reasoningOf: ProviderKind | undefined, names: ToolNames): OpenAiMessage[] {
  const name = message.name !== undefined ? { name: message.name } : {};
  switch (message.role) {
    case 'system':
      return [{ role: 'system', content: toContent(message.content.filter(isText)), ...name }];
    case 'user':
      return [{ role: 'user', content: toContent(message.content.filter(isMedia)), ...name }];
    case 'assistant': {
      const text = message.content.filter(isText).map((p) => p.text).join('');
      const calls: OpenAiToolCall[] = message.content.flatMap((p) =>
        p.type === 'tool-call' ? [{ id: p.id, type: 'function' as const, function: { name: names.toUpstream(p.name), arguments: p.arguments } }] : [],
      );
      const reasoning = reasoningOf !== undefined && calls.length > 0 ? assistantReasoning(message, reasoningOf) : '';
      return [
        {
          role: 'assistant',
          content: text === '' && calls.length > 0 ? null : text,
          ...(calls.length > 0 && { tool_calls: calls }),
          ...(reasoning !== '' && { reasoning_content: reasoning }),
          ...name,
        },
      ];
    }
    case 'tool': {
      // `toChatMessages` takes tool messages itself (their attachments follow the run); one alone, they follow it.
      const { messages, attached } = toolMessages(message);
      return attached.length > 0 ? [...messages, { role: 'user', content: attached }] : messages;
    }
  }
}

/**
 * The reasoning an assistant turn that called tools goes back with, as `reasoning_content`: DeepSeek's thinking mode
 * answers 400 ("Missing reasoning_content field") when a tool-calling turn comes back without its reasoning, which its
 * tool loop needs; turns without calls need none (it ignores it). Only reasoning this provider wrote or that nobody
 * signed (a chat client's `reasoning_content`, an Anthropic client's unsigned thinking): another provider's signed
 * thinking is not this model's. Empty when there is none, and then no field is sent, since strict servers (Mistral)
 * refuse fields they do not know.
 * @see https://api-docs.deepseek.com/guides/thinking_mode
 */
function assistantReasoning(message: Message, provider: ProviderKind): string {
  let text = '';
  for (const part of message.content) {
    if (part.type === 'reasoning' && part.redactedData === undefined && (part.signature === undefined || part.origin === provider)) text += part.text;
  }
  return text;
}

/** One text part as a plain string (what every compatible server accepts); otherwise the parts array. */
function toContent(media: readonly MediaPart[]): string | OpenAiContentPart[] {
  const parts = media.map(toContentPart);
  if (parts.length === 0) return '';
  if (parts.length === 1 && parts[0]!.type === 'text') return parts[0]!.text;
  return parts;
}

function toContentPart(p: MediaPart): OpenAiContentPart {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: p.text };
    case 'image': {
      const url = p.source.kind === 'url' ? p.source.url : `data:${p.source.mediaType};base64,${p.source.data}`;
      return { type: 'image_url', image_url: { url, ...(p.detail !== undefined && { detail: p.detail }) } };
    }
    case 'file':
      return filePart(p);
  }
}

function filePart(part: FilePart): OpenAiContentPart {
  const { source } = part;
  switch (source.kind) {
    case 'text':
      return { type: 'text', text: source.text };
    case 'base64':
      // Chat completions reads PDFs only; text of any `text/*` type (a .md or .csv file) can go as text instead.
      if (source.mediaType.toLowerCase().startsWith('text/')) return { type: 'text', text: Buffer.from(source.data, 'base64').toString('utf8') };
      // Audio a chat client sent as input_audio goes back as it came.
      if (/^audio\/[a-z0-9]+$/.test(source.mediaType)) return { type: 'input_audio', input_audio: { data: source.data, format: source.mediaType.slice('audio/'.length) } };
      return { type: 'file', file: { file_data: `data:${source.mediaType};base64,${source.data}`, filename: filename(part, source.mediaType) } };
    case 'url':
      throw invalidRequest('file_url_not_supported', 'chat completions takes files only inline and the gateway does not fetch URLs: send the file base64-encoded.');
  }
}

/** OpenAI wants a filename with inline file data: the client's, else the title (with an extension), else `document.pdf`. */
function filename(part: FilePart, mediaType: string): string {
  if (part.filename !== undefined) return part.filename;
  const base = part.title ?? 'document';
  const ext = mediaType === 'application/pdf' ? '.pdf' : '';
  return ext !== '' && !base.toLowerCase().endsWith(ext) ? `${base}${ext}` : base;
}

/** A tool result's text (text parts and text documents) for its `tool` message, and its images and files for after. */
function splitToolResult(content: readonly MediaPart[]): { text: string; media: OpenAiContentPart[] } {
  let text = '';
  const media: OpenAiContentPart[] = [];
  for (const p of content) {
    const part = toContentPart(p);
    if (part.type === 'text') text += part.text;
    else media.push(part);
  }
  return { text, media };
}

function isText(part: Message['content'][number]): part is TextPart {
  return part.type === 'text';
}

function isMedia(part: Message['content'][number]): part is MediaPart {
  return part.type === 'text' || part.type === 'image' || part.type === 'file';
}

function invalidRequest(code: string, message: string): ProviderError {
  return { status: 400, type: 'invalid_request_error', code, message };
}

function toTool(tool: ToolDefinition, names: ToolNames) {
  return {
    type: 'function',
    function: {
      name: names.toUpstream(tool.name),
      ...(tool.description !== undefined && { description: tool.description }),
      parameters: tool.parameters,
      ...(tool.strict !== undefined && { strict: tool.strict }),
    },
  };
}

function toToolChoice(choice: ToolChoice, names: ToolNames) {
  return choice.type === 'tool' ? { type: 'function', function: { name: names.toUpstream(choice.name) } } : choice.type;
}

function toResponseFormat(format: ResponseFormat) {
  if (format.type !== 'json_schema') return { type: format.type };
  return { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, ...(format.strict !== undefined && { strict: format.strict }) } };
}

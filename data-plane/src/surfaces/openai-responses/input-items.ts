import { z } from 'zod';
import type { ContentPart, FilePart, MediaPart, Message, ReasoningPart, ToolResultPart } from '../../canonical/request.js';
import { errors } from '../../http/errors.js';
import { imageFromUrl } from '../openai-chat/chat-request.js';
import { fileFromData, fileFromUrl } from '../openai-chat/file-data.js';
import { readCarried } from '../reasoning-carry.js';
import { check } from './check.js';
import { customArguments } from './custom-tools.js';
import { hostedItemReader, outputText, type HostedItem } from './hosted-items.js';
import { readUnshown } from './unshown-reasoning.js';
import { list } from '../zod-list.js';
import { isItemReference } from './item-store.js';

/**
 * Responses `input` items → canonical messages.
 *
 * One model turn is several items in the Responses API (reasoning, a message, function calls) but one assistant
 * message in the canonical form, so consecutive assistant-side items are merged into one assistant message, in
 * order; consecutive `function_call_output` (and `custom_tool_call_output`) items become one `tool` message with one
 * result each. `instructions` become a leading system message. The items of OpenAI's built-in tools, which a
 * conversation that began on an OpenAI model keeps in its history, become notes in the assistant's turn
 * (`hosted-items.ts`).
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-input
 */

const InputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const OutputText = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const Refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
const InputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.string().nullish(),
});
const InputFile = z.looseObject({
  type: z.literal('input_file'),
  file_data: z.string().nullish(),
  file_url: z.string().nullish(),
  file_id: z.string().nullish(),
  filename: z.string().nullish(),
});
const Part = z.looseObject({ type: z.string() });

const MessageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), list(Part)]),
});
const FunctionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});
const CustomToolCallItem = z.looseObject({
  type: z.literal('custom_tool_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
});
const FunctionCallOutputItem = z.looseObject({
  type: z.enum(['function_call_output', 'custom_tool_call_output']),
  call_id: z.string().min(1),
  output: z.union([z.string(), list(Part)]),
});
const ReasoningItem = z.looseObject({
  type: z.literal('reasoning'),
  summary: list(z.looseObject({ type: z.string(), text: z.string() })),
  content: list(z.looseObject({ type: z.string(), text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
});
const AnyItem = z.looseObject({ type: z.string().optional(), role: z.string().optional() });

/**
 * Why a translated model refuses OpenAI's compaction items, and what to do: Codex compacts remotely only with a model
 * provider named "OpenAI" (or an Azure URL), and otherwise summarises the conversation itself with ordinary requests.
 */
export const COMPACTION_ELSEWHERE =
  "OpenAI's conversation compaction works only with a model served by OpenAI's Responses API (openai, or a deployment with responsesApi); this one is served through a translation. Codex compacts by itself, with ordinary requests, when its model provider is not named OpenAI: give Tollgate a [model_providers] entry of its own.";

export function inputToMessages(input: string | readonly unknown[], instructions: string | null): Message[] {
  const builder = new MessageBuilder();
  if (instructions != null && instructions !== '') builder.push('system', [{ type: 'text', text: instructions }]);
  if (typeof input === 'string') {
    builder.push('user', [{ type: 'text', text: input }]);
    return builder.messages;
  }
  input.forEach((raw, i) => addItem(builder, raw, `input[${i}]`));
  return builder.messages;
}

function addItem(builder: MessageBuilder, raw: unknown, path: string): void {
  // Items without a type are messages (the "easy input message" form: just role and content), or a bare id: a reference.
  const type = isItemReference(raw) ? 'item_reference' : (check(AnyItem, raw, path).type ?? 'message');
  switch (type) {
    case 'message': {
      const message = check(MessageItem, raw, path);
      const content = contentParts(message.content, `${path}.content`, message.role === 'user');
      if (message.role === 'assistant') builder.append('assistant', content);
      else builder.push(message.role === 'user' ? 'user' : 'system', content);
      return;
    }
    case 'function_call': {
      const call = check(FunctionCallItem, raw, path);
      builder.toolNames.set(call.call_id, call.name);
      builder.append('assistant', [{ type: 'tool-call', id: call.call_id, name: call.name, arguments: call.arguments }]);
      return;
    }
    case 'custom_tool_call': {
      // The call the target's model made of the function tool a custom tool became (see `custom-tools.ts`).
      const call = check(CustomToolCallItem, raw, path);
      builder.toolNames.set(call.call_id, call.name);
      builder.append('assistant', [{ type: 'tool-call', id: call.call_id, name: call.name, arguments: customArguments(call.input) }]);
      return;
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const output = check(FunctionCallOutputItem, raw, path);
      const content = contentParts(output.output, `${path}.output`, true);
      // Codex sends a local shell call's output as a function call output: it joins the call's note.
      if (builder.addOutput(output.call_id, outputText(textOf(content)))) return;
      const name = builder.toolNames.get(output.call_id);
      const result: ToolResultPart = { type: 'tool-result', toolCallId: output.call_id, ...(name !== undefined && { name }), content };
      builder.append('tool', [result]);
      return;
    }
    case 'reasoning': {
      builder.append('assistant', [reasoningPart(check(ReasoningItem, raw, path))]);
      return;
    }
    case 'item_reference':
      // Those Tollgate keeps were replaced by their items before the translation (`item-store.ts`).
      throw errors.invalidParameter(
        path,
        `item '${(raw as { id?: unknown }).id}' is not known: this model is served through a translation, and Tollgate keeps the items of the answers it translated only for a while (TOLLGATE_RESPONSE_ITEMS_TTL_S), for the key that made them. Send the item itself (with the AI SDK: providerOptions.openai.store = false), or use a model served by OpenAI's Responses API.`,
      );
    // Codex's remote compaction (the provider it calls "OpenAI"): only OpenAI's Responses API makes and reads these.
    case 'compaction':
    case 'compaction_trigger':
      throw errors.invalidParameter(`${path}.type`, `${COMPACTION_ELSEWHERE}`);
    // Screenshots and pointer actions only make sense to a model driving OpenAI's computer tool: a text stand-in for
    // them would mislead the model rather than inform it.
    case 'computer_call':
    case 'computer_call_output':
      throw errors.invalidParameter(
        `${path}.type`,
        "computer use is not supported for this model: it needs OpenAI's computer tool, which a model served through a translation does not have. Use a model served by OpenAI's Responses API (openai, or a deployment with responsesApi).",
      );
    default: {
      const read = hostedItemReader(type);
      if (read === undefined) throw errors.invalidParameter(`${path}.type`, `input items of type '${type}' are not supported.`);
      addHosted(builder, read(raw, path));
    }
  }
}

/** What the model is given of a built-in tool's item (`hosted-items.ts`): nothing when it is dropped. */
function addHosted(builder: MessageBuilder, item: HostedItem | undefined): void {
  switch (item?.kind) {
    case undefined:
      return;
    case 'call':
      builder.note(item.text, item.callIds);
      return;
    case 'output':
      // An output whose call is not in the input stands alone, naming the call.
      if (!builder.addOutput(item.callId, item.text)) builder.note(`Call ${item.callId}: ${item.text}`, []);
      return;
    case 'user':
      builder.push('user', [{ type: 'text', text: item.text }]);
      return;
  }
}

/** The text of a call's output (what a shell prints is text): other parts, which a shell does not print, are left out. */
function textOf(content: readonly MediaPart[]): string {
  return content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

/**
 * The full reasoning text when the client sent it, else the text Tollgate carried when it showed none (see
 * `unshown-reasoning.ts`), else the summary (which is what Tollgate itself returns), with what Tollgate carried in
 * `encrypted_content` (see `reasoning-carry.ts`); anything else there (OpenAI's own encrypted reasoning) is left out:
 * the item is then unsigned reasoning.
 */
function reasoningPart(item: z.infer<typeof ReasoningItem>): ReasoningPart {
  const unshown = item.encrypted_content == null ? undefined : readUnshown(item.encrypted_content);
  const full = item.content?.filter((c) => c.type === 'reasoning_text').map((c) => c.text) ?? [];
  const text = full.length > 0 ? full.join('\n\n') : (unshown?.text ?? item.summary.map((s) => s.text).join('\n\n'));
  const encrypted = unshown !== undefined ? unshown.carried : item.encrypted_content;
  const carried = encrypted == null ? undefined : readCarried(encrypted);
  if (carried === undefined) return { type: 'reasoning', text };
  return 'redactedData' in carried
    ? { type: 'reasoning', text: '', redactedData: carried.redactedData, origin: carried.origin }
    : { type: 'reasoning', text, signature: carried.signature, origin: carried.origin };
}

/** Files (`input_file`) are taken in user messages and function call outputs only, as OpenAI does. */
function contentParts(content: string | readonly z.infer<typeof Part>[], path: string, filesAllowed = false): MediaPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((part, i) => contentPart(part, `${path}[${i}]`, filesAllowed));
}

function contentPart(part: z.infer<typeof Part>, path: string, filesAllowed: boolean): MediaPart {
  switch (part.type) {
    case 'input_text':
      return { type: 'text', text: check(InputText, part, path).text };
    case 'output_text':
      return { type: 'text', text: check(OutputText, part, path).text };
    case 'refusal':
      return { type: 'text', text: check(Refusal, part, path).refusal };
    case 'input_image': {
      const image = check(InputImage, part, path);
      if (image.image_url == null) {
        throw errors.invalidParameter(
          image.file_id != null ? `${path}.file_id` : `${path}.image_url`,
          image.file_id != null
            ? 'uploaded files are not supported yet: send the image as a URL or a base64 data URL in image_url.'
            : 'an input_image needs an image_url (a URL or a base64 data URL).',
        );
      }
      return imageFromUrl(image.image_url, image.detail ?? undefined, `${path}.image_url`);
    }
    case 'input_file':
      if (!filesAllowed) throw errors.invalidParameter(`${path}.type`, 'input_file parts are only allowed in user messages and function call outputs.');
      return filePart(check(InputFile, part, path), path);
    default:
      throw errors.invalidParameter(`${path}.type`, `content parts of type '${part.type}' are not supported.`);
  }
}

/**
 * `input_file` → a file part: `file_data` (a base64 data URL) with its `filename`, or a `file_url` the provider
 * fetches. A `file_id` names a file uploaded to OpenAI's Files API, which the gateway does not store: a 400.
 */
function filePart(file: z.infer<typeof InputFile>, path: string): FilePart {
  const filename = file.filename ?? undefined;
  if (file.file_id != null) {
    throw errors.invalidParameter(`${path}.file_id`, 'files are not stored by the gateway, so uploaded file ids cannot be used; send the file inline as file_data (data:application/pdf;base64,…) with its filename, or as a file_url.');
  }
  if (file.file_data != null) {
    const part = fileFromData(file.file_data, filename);
    if (!part) throw errors.invalidParameter(`${path}.file_data`, 'file_data must be a base64 data URL (data:application/pdf;base64,…).');
    return part;
  }
  if (file.file_url != null) return fileFromUrl(file.file_url, filename);
  throw errors.invalidParameter(path, 'an input_file needs file_data (a base64 data URL) or a file_url.');
}

/** Accumulates messages, merging a model turn's items into one message (see the file comment). */
class MessageBuilder {
  readonly messages: Message[] = [];
  /** Function names by call id, so tool results carry the name (Gemini needs it). */
  readonly toolNames = new Map<string, string>();
  /** Parts of the last message, while it may still grow. */
  private open: { role: 'assistant' | 'tool'; parts: ContentPart[] } | undefined;
  /** The note of each built-in tool call and where it is, by call id, so the call's output joins it (`addOutput`). */
  private readonly notes = new Map<string, { text: string; readonly parts: ContentPart[]; readonly index: number }>();

  /** A message that stands alone (user, system). */
  push(role: 'user' | 'system', content: ContentPart[]): void {
    this.open = undefined;
    this.messages.push({ role, content });
  }

  /** Parts that join the previous message when it has the same role (assistant turn, tool results). */
  append(role: 'assistant' | 'tool', parts: ContentPart[]): ContentPart[] {
    if (this.open?.role === role) {
      this.open.parts.push(...parts);
      return this.open.parts;
    }
    this.open = { role, parts: [...parts] };
    this.messages.push({ role, content: this.open.parts });
    return this.open.parts;
  }

  /**
   * A note in the assistant's turn standing for a built-in tool call, found by `callIds` when its output comes. The
   * output joins the note rather than following as a message of its own: the call is no tool call, and a message
   * between a turn's tool calls and their results is refused by some providers (OpenAI's chat completions).
   */
  note(text: string, callIds: readonly string[]): void {
    const parts = this.append('assistant', [{ type: 'text', text }]);
    const note = { text, parts, index: parts.length - 1 };
    for (const id of callIds) this.notes.set(id, note);
  }

  /** Adds `text` to the note of the call `callId`; false when no note stands for that call. */
  addOutput(callId: string, text: string): boolean {
    const note = this.notes.get(callId);
    if (note === undefined) return false;
    note.text += `\n${text}`;
    note.parts[note.index] = { type: 'text', text: note.text };
    return true;
  }
}

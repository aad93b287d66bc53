import type { ProviderError } from '../../canonical/errors.js';
import type { FilePart, ImagePart, Message, TextPart, ToolCallPart, ToolResultPart } from '../../canonical/request.js';
import { inlineImage } from '../inline-image.js';
import type { ToolNames } from '../tool-names.js';
import { isGeminiToolCallId } from './tool-call-ids.js';
import type { GeminiContent, GeminiPart, GeminiRole } from './wire.js';

/**
 * Canonical messages → Gemini `contents` and `systemInstruction`.
 *
 * - Every system message goes into `systemInstruction` (Gemini has one, outside the turns).
 * - user → `user`, assistant → `model`, tool results → `functionResponse` parts in a `user` turn. Consecutive turns
 *   of the same Gemini role merge into one content, as Gemini expects alternation (tool results followed by a user
 *   message become one user turn).
 * - Gemini matches a function response to its call by function NAME, and by `id` where the call had one; a result that
 *   lacks the name gets it from the earlier tool call with the same id. Names go as Gemini takes them (`names`, from
 *   `geminiToolNames`). To Gemini 3 and later (`sendCallIds`), a tool-call id goes back on both the `functionCall` and
 *   its `functionResponse`, unless the gateway minted it (`tool-call-ids.ts`).
 * - A turn's function responses go in the order of the previous model turn's calls (`inCallOrder`).
 * - Reasoning parts carry Gemini thought signatures back: the stream mapper emits a signature just BEFORE the part it
 *   arrived on, so here a signature goes on the next text or function-call part of the same assistant message (or on
 *   the previous one when nothing follows). Reasoning text itself is not sent back (Gemini keeps its reasoning state
 *   in the signature); redacted reasoning (another provider's) is dropped.
 * - Files: base64 → `inlineData`, URLs → `fileData` (Gemini fetches them), text documents → text parts. Images and
 *   files a tool returned follow its `functionResponse` in the same user turn.
 */
export interface ConvertedMessages {
  readonly contents: GeminiContent[];
  readonly systemTexts: string[];
}

/**
 * Google's documented sentinel for function calls that have no signature of Gemini's own (history written by
 * another model or by a client that drops signatures); Gemini 3 rejects a model turn's function call without one.
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

interface ConvertOptions {
  readonly requireCallSignatures: boolean;
  readonly sendCallIds: boolean;
  readonly names: ToolNames;
}

/** The canonical call id each function call, function response and tool-returned media part stands for. */
type CallIdOf = Map<GeminiPart, string>;

export function convertMessages(messages: readonly Message[], options: ConvertOptions): ConvertedMessages {
  const contents: GeminiContent[] = [];
  const systemTexts: string[] = [];
  const toolNames = new Map<string, string>();
  const callIdOf: CallIdOf = new Map();
  const results = (part: ToolResultPart) => toolResultParts(part, toolNames, options.names, callIdOf);

  const append = (role: GeminiRole, parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts: [...parts] });
  };

  for (const message of messages) {
    switch (message.role) {
      case 'system':
        for (const part of message.content) if (part.type === 'text') systemTexts.push(part.text);
        break;
      case 'user':
        append('user', message.content.flatMap((part) => userPart(part, results)));
        break;
      case 'tool':
        append('user', message.content.flatMap((part) => (part.type === 'tool-result' ? results(part) : userPart(part, results))));
        break;
      case 'assistant':
        append('model', assistantParts(message, toolNames, options, callIdOf));
        break;
    }
  }
  const ordered = inCallOrder(contents, callIdOf);
  return { contents: options.sendCallIds ? ordered : ordered.map(withoutCallIds), systemTexts };
}

/**
 * The contents with each user turn's function responses in the order of the calls of the model turn before it, matched
 * by call id; responses that answer none of them follow, as they came. Clients pair a result with its call by id, so
 * they may send results in any order (OpenAI `tool` messages, Responses `function_call_output` items, Anthropic
 * `tool_result` blocks), but Gemini before 3 gets no ids (`tool-call-ids.ts`) and pairs the responses to two calls of
 * one function by position: get_weather(Paris) and get_weather(London) answered London first would give Paris London's
 * weather. Media a tool returned moves with its response; other parts keep their places.
 */
function inCallOrder(contents: readonly GeminiContent[], callIdOf: CallIdOf): GeminiContent[] {
  return contents.map((content, i) => {
    const previous = contents[i - 1];
    if (content.role !== 'user' || previous?.role !== 'model') return content;
    const callOrder = new Map<string, number>();
    for (const part of previous.parts) {
      const id = part.functionCall && callIdOf.get(part);
      if (id !== undefined && !callOrder.has(id)) callOrder.set(id, callOrder.size);
    }
    const slots = content.parts.flatMap((part, at) => (callIdOf.has(part) ? [at] : []));
    if (callOrder.size === 0 || slots.length < 2) return content;
    const rank = (part: GeminiPart) => callOrder.get(callIdOf.get(part)!) ?? callOrder.size;
    // A stable sort: parts of one result keep their order, and unmatched results theirs.
    const sorted = slots.map((at) => content.parts[at]!).sort((a, b) => rank(a) - rank(b));
    const parts = [...content.parts];
    slots.forEach((at, k) => (parts[at] = sorted[k]!));
    return { ...content, parts };
  });
}

/** The content without call ids on its function calls and responses, for a model before Gemini 3. */
function withoutCallIds(content: GeminiContent): GeminiContent {
  return {
    ...content,
    parts: content.parts.map((part) => {
      if (part.functionCall?.id !== undefined) {
        const { id: _, ...call } = part.functionCall;
        return { ...part, functionCall: call };
      }
      if (part.functionResponse?.id !== undefined) {
        const { id: _, ...response } = part.functionResponse;
        return { ...part, functionResponse: response };
      }
      return part;
    }),
  };
}

function userPart(part: Message['content'][number], results: (part: ToolResultPart) => GeminiPart[]): GeminiPart[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [{ text: part.text }];
    case 'image':
      return [imagePart(part)];
    case 'file':
      return fileParts(part);
    case 'tool-result':
      return results(part);
    case 'tool-call':
    case 'reasoning':
      // Only assistants call tools and reason; a client that puts them in a user turn gets them dropped.
      return [];
  }
}

function assistantParts(message: Message, toolNames: Map<string, string>, options: ConvertOptions, callIdOf: CallIdOf): GeminiPart[] {
  const parts: GeminiPart[] = [];
  let pendingSignature: string | undefined;
  const push = (part: GeminiPart) => {
    if (pendingSignature !== undefined) part.thoughtSignature = pendingSignature;
    pendingSignature = undefined;
    parts.push(part);
  };
  for (const part of message.content) {
    switch (part.type) {
      case 'reasoning':
        if (part.signature) pendingSignature = part.signature;
        break;
      case 'text':
        if (part.text !== '') push({ text: part.text });
        break;
      case 'tool-call': {
        toolNames.set(part.id, part.name);
        const call: GeminiPart = { functionCall: { name: options.names.toUpstream(part.name), args: parseArguments(part), ...geminiId(part.id) } };
        callIdOf.set(call, part.id);
        push(call);
        break;
      }
      case 'image':
        push(imagePart(part));
        break;
      case 'file':
        for (const p of fileParts(part)) push(p);
        break;
      case 'tool-result':
        break;
    }
  }
  const last = parts.at(-1);
  if (pendingSignature !== undefined && last && last.thoughtSignature === undefined) last.thoughtSignature = pendingSignature;

  const calls = parts.filter((p) => p.functionCall);
  if (options.requireCallSignatures && calls.length > 0 && calls.every((p) => p.thoughtSignature === undefined)) {
    calls[0]!.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
  }
  return parts;
}

/**
 * Tool-call arguments are JSON text; Gemini wants an object. Empty text means no arguments. Text that is not a JSON
 * object (a model's truncated arguments coming back in the history) is kept verbatim under `arguments` rather than
 * failing the whole conversation.
 */
function parseArguments(part: ToolCallPart): Record<string, unknown> {
  if (part.arguments.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(part.arguments);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  return { arguments: part.arguments };
}

function toolResultParts(part: ToolResultPart, toolNames: Map<string, string>, names: ToolNames, callIdOf: CallIdOf): GeminiPart[] {
  const name = part.name ?? toolNames.get(part.toolCallId);
  if (name === undefined) {
    const error: ProviderError = {
      status: 400,
      type: 'invalid_request_error',
      code: null,
      message: `gemini: the tool result for call "${part.toolCallId}" names no function and no earlier tool call has that id; Gemini matches results to calls by function name`,
      provider: 'gemini',
    };
    throw error;
  }
  const text = part.content
    .filter((p): p is TextPart => p.type === 'text')
    .map((p) => p.text)
    .join('\n');
  // Images and files a tool returned follow its response in the same user turn (every Gemini model reads those).
  const media = part.content.flatMap((p) => (p.type === 'image' ? [imagePart(p)] : p.type === 'file' ? fileParts(p) : []));
  const parts: GeminiPart[] = [{ functionResponse: { name: names.toUpstream(name), response: part.isError ? { error: text } : { output: text }, ...geminiId(part.toolCallId) } }, ...media];
  for (const p of parts) callIdOf.set(p, part.toolCallId);
  return parts;
}

/** `{ id }` for an id Gemini issued (or another provider did), nothing for one the gateway minted. */
function geminiId(id: string): { id?: string } {
  return isGeminiToolCallId(id) ? { id } : {};
}

function fileParts(part: FilePart): GeminiPart[] {
  const { source } = part;
  switch (source.kind) {
    case 'text':
      return source.text === '' ? [] : [{ text: source.text }];
    case 'base64':
      return [{ inlineData: { mimeType: source.mediaType, data: source.data } }];
    case 'url': {
      const mimeType = source.mediaType ?? mimeTypeFromUrl(source.url);
      return [{ fileData: { fileUri: source.url, ...(mimeType && { mimeType }) } }];
    }
  }
}

function imagePart(part: ImagePart): GeminiPart {
  const inline = inlineImage(part.source);
  if (inline !== undefined) return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
  const url = (part.source as { url: string }).url;
  const mimeType = mimeTypeFromUrl(url);
  return { fileData: { fileUri: url, ...(mimeType && { mimeType }) } };
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function mimeTypeFromUrl(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext ? MIME_BY_EXTENSION[ext] : undefined;
}

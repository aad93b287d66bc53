import { z } from 'zod';
import type {
  CacheControl,
  CanonicalRequest,
  ContentPart,
  FilePart,
  ImagePart,
  MediaPart,
  Message,
  ReasoningConfig,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '../../canonical/request.js';
import { errors } from '../../http/errors.js';
import { joinPath } from '../openai-responses/check.js';
import { checkToolChoice } from '../tool-choice.js';
import { list } from '../zod-list.js';
import { fileFromData } from './file-data.js';
import { record } from '../forward/output.js';

/**
 * The OpenAI chat completions request, typed only as far as the gateway acts on it. Unknown fields are allowed
 * and carried in `passthrough`, so an OpenAI-compatible target receives them untouched (new OpenAI parameters
 * keep working through the gateway).
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
const TextContent = z.looseObject({ type: z.literal('text'), text: z.string() });
/**
 * An image part: `image_url` `{url, detail?}` as OpenAI defines it, or the bare URL string some clients send (LiteLLM
 * and others accept it); `detail: null` is no detail. Anything else is a 400 naming the part, not an image dropped.
 */
const ImageContent = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.union([z.string(), z.looseObject({ url: z.string(), detail: z.string().nullish() })]),
});
const FileContent = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().nullish(), file_id: z.string().nullish(), filename: z.string().nullish() }),
});
/** Audio in a user message: base64 bytes and their format (`wav`, `mp3`). */
const AudioContent = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string().min(1), format: z.string().regex(/^[a-z0-9]+$/, 'a format such as wav or mp3') }),
});
const OtherContent = z.looseObject({ type: z.string() });
const ContentItem = z.union([TextContent, ImageContent, FileContent, OtherContent]);

const ToolCall = z.looseObject({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const Message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), list(ContentItem)]).nullish(),
  name: z.string().optional(),
  tool_calls: list(ToolCall).nullish(),
  tool_call_id: z.string().optional(),
  /** Legacy assistant function call. */
  function_call: z.looseObject({ name: z.string(), arguments: z.string() }).nullish(),
  /** Some OpenAI-compatible servers (DeepSeek, vLLM) carry reasoning on assistant messages. */
  reasoning_content: z.string().nullish(),
  /** Anthropic-style prompt caching on the whole message (LiteLLM's convention; see `cacheOf`). */
  cache_control: z.unknown().optional(),
});

const FunctionDefinition = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullish(),
});

const Tool = z.looseObject({ type: z.literal('function'), function: FunctionDefinition, cache_control: z.unknown().optional() });

const FunctionChoice = z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) });
/**
 * `allowed_tools` narrows the tools the model may call this turn without changing the list (kept whole for OpenAI's
 * prompt cache): the canonical form has no such notion, so the tool list itself is narrowed, as on `/v1/responses`.
 */
const AllowedToolsChoice = z.looseObject({
  type: z.literal('allowed_tools'),
  allowed_tools: z.looseObject({ mode: z.enum(['auto', 'required']), tools: list(FunctionChoice) }),
});
const ToolChoiceSchema = z.union([z.enum(['auto', 'none', 'required']), FunctionChoice, AllowedToolsChoice]);

const RESPONSE_FORMATS = ['json_object', 'json_schema', 'text'];
const ResponseFormatSchema = z.union(
  [
    z.looseObject({ type: z.literal('text') }),
    z.looseObject({ type: z.literal('json_object') }),
    z.looseObject({
      type: z.literal('json_schema'),
      json_schema: z.looseObject({ name: z.string(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
    }),
  ],
  {
    // As OpenAI words it, instead of the union's "Invalid input".
    error: (issue) => {
      const type = (issue.input as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && !RESPONSE_FORMATS.includes(type)) return `'${type}' is not a response format. Supported values are: 'json_object', 'json_schema', and 'text'.`;
      if (type === 'json_schema') return "a json_schema response format needs json_schema: { name, schema }.";
      return "must be an object with type 'json_object', 'json_schema' or 'text'.";
    },
  },
);

const ChatRequest = z.looseObject({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: list(Message, z.array(z.unknown()).min(1, 'must contain at least one message')),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  // OpenAI's ranges: a value outside is its 400, and a translated model's too (rather than a silent clamp).
  temperature: z.number().min(0, 'must be at least 0').max(2, 'must be at most 2').nullish(),
  top_p: z.number().min(0, 'must be at least 0').max(1, 'must be at most 1').nullish(),
  /**
   * Not OpenAI's, but what clients send for Claude, Gemini and vLLM (LiteLLM takes it): given to targets that sample
   * with it. A negative value (vLLM's "no limit") is no limit.
   */
  top_k: z.number().int().nullish(),
  stop: z.union([z.string(), list(z.string())]).nullish(),
  seed: z.number().int().nullish(),
  frequency_penalty: z.number().min(-2, 'must be at least -2').max(2, 'must be at most 2').nullish(),
  presence_penalty: z.number().min(-2, 'must be at least -2').max(2, 'must be at most 2').nullish(),
  user: z.string().nullish(),
  tools: list(Tool).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: ResponseFormatSchema.nullish(),
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullish(),
  n: z.number().int().min(1, 'must be at least 1').max(128, 'must be at most 128').nullish(),
  /** The deprecated form of `tools` / `tool_choice`, answered with `message.function_call`. */
  functions: list(FunctionDefinition).nullish(),
  function_call: z.union([z.enum(['auto', 'none']), z.looseObject({ name: z.string() })]).nullish(),
});
type ChatRequest = z.infer<typeof ChatRequest>;

/**
 * Fields modelled above; everything else a client sends goes to `passthrough`. `top_k` goes there too, so an
 * OpenAI-compatible target gets the client's own value (vLLM's -1) and OpenAI its own answer to it.
 */
const MODELLED = new Set(Object.keys(ChatRequest.shape).filter((field) => field !== 'top_k'));

/**
 * The fields every chat request is checked for up front: those the gateway acts on before it knows which way the
 * request goes (model, streaming, end user). Messages are only required to be a non-empty list here; their shape
 * is validated with the rest of the body (`ChatRequest`) when the request is translated for another protocol.
 */
const ChatHead = z.looseObject({
  model: ChatRequest.shape.model,
  messages: z.array(z.unknown()).min(1, 'must contain at least one message'),
  stream: ChatRequest.shape.stream,
  stream_options: ChatRequest.shape.stream_options,
  user: ChatRequest.shape.user,
  n: ChatRequest.shape.n,
});

export interface ParsedChatRequest {
  /** Public model name as the client sent it. */
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly user: string | null;
  /**
   * The request in canonical form, validated in full on first access (throws the 400 `HttpError` then). The
   * same-protocol fast path never needs it: it forwards `body`, and the provider validates it.
   */
  readonly canonical: CanonicalRequest;
  /** The parsed JSON body as the client sent it (for same-protocol forwarding). */
  readonly body: Record<string, unknown>;
  /**
   * The request declares its tools as the deprecated `functions`: a translated answer then calls one as
   * `message.function_call` (`delta.function_call` streamed) with finish reason `function_call`, as OpenAI does.
   */
  readonly legacyFunctions: boolean;
}

class ParsedChat implements ParsedChatRequest {
  private translated: CanonicalRequest | undefined;

  constructor(
    readonly body: Record<string, unknown>,
    readonly model: string,
    readonly stream: boolean,
    readonly includeUsage: boolean,
    readonly user: string | null,
  ) {}

  get legacyFunctions(): boolean {
    return this.body.functions != null;
  }

  get canonical(): CanonicalRequest {
    return (this.translated ??= toCanonical(validate(ChatRequest, this.body, []), this.stream, this.body));
  }
}

/** Parses the body as a JSON object or throws the 400 the client deserves. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw errors.invalidJson();
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw errors.invalidParameter(null, 'The request body must be a JSON object.');
  }
  return json as Record<string, unknown>;
}

/** Validates with a zod schema, turning the first issue into a 400 naming the parameter. */
export function validate<T>(schema: z.ZodType<T>, json: unknown, required: readonly string[]): T {
  for (const name of required) {
    if ((json as Record<string, unknown>)[name] == null) throw errors.missingParameter(name);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = joinPath('', issue.path);
    // A nested field left out (a tool without a name) is missing, not invalid.
    if (param !== '' && issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) throw errors.missingParameter(param);
    throw errors.invalidParameter(param || null, issue.message);
  }
  return parsed.data;
}

/**
 * Parses and validates a chat completions body; throws a 400 `HttpError` saying what is wrong. `model` overrides
 * the body's model (Azure routes name the deployment in the URL and send no model in the body).
 */
export function parseChatRequest(body: Buffer, model?: string): ParsedChatRequest {
  const json = parseJsonObject(body);
  if (model !== undefined) json.model = model;
  for (const name of ['model', 'messages']) if (json[name] == null) throw errors.missingParameter(name);
  // The common case is checked by hand; anything unusual goes through the schema, which names what is wrong.
  if (!headLooksValid(json)) validate(ChatHead, json, []);
  const stream = json.stream === true;
  const options = json.stream_options as { include_usage?: boolean | null } | null | undefined;
  return new ParsedChat(json, json.model as string, stream, stream && options?.include_usage === true, endUser(json));
}

/**
 * The end user a request names: OpenAI's `user`, else `safety_identifier`, which OpenAI has superseding it (both are
 * the client's stable id for its own user). End-user governance (blocked end users, their budgets and limits) and
 * attribution read it, so a client that moved to `safety_identifier` is not let past them. One that is not a
 * string is a 400. (`user` is checked with the head.)
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-safety_identifier
 */
export function endUser(json: Record<string, unknown>): string | null {
  const id = json.safety_identifier;
  if (id != null && typeof id !== 'string') throw errors.invalidParameter('safety_identifier', 'expected a string.');
  return (json.user as string | null | undefined) ?? id ?? null;
}

/** True when `ChatHead` would accept `json` (false may still be valid: the schema decides then). */
function headLooksValid(json: Record<string, unknown>): boolean {
  const { model, messages, stream, stream_options: options, user, n } = json;
  if (typeof model !== 'string' || model.length === 0) return false;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  if (stream != null && typeof stream !== 'boolean') return false;
  if (options != null) {
    if (typeof options !== 'object' || Array.isArray(options)) return false;
    const includeUsage = (options as { include_usage?: unknown }).include_usage;
    if (includeUsage != null && typeof includeUsage !== 'boolean') return false;
  }
  if (user != null && typeof user !== 'string') return false;
  if (n != null && !Number.isSafeInteger(n)) return false;
  return true;
}

function toCanonical(request: ChatRequest, stream: boolean, json: Record<string, unknown>): CanonicalRequest {
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  const passthrough: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) if (!MODELLED.has(k)) passthrough[k] = v;
  const responseFormat = toResponseFormat(request.response_format);
  const user = endUser(json);
  const choice = request.tool_choice;
  const allowedTools = typeof choice === 'object' && choice !== null && choice.type === 'allowed_tools' ? choice.allowed_tools.tools : undefined;
  if (allowedTools !== undefined) {
    const names = new Set(request.tools?.map((t) => t.function.name));
    const missing = allowedTools.findIndex((t) => !names.has(t.function.name));
    if (missing >= 0) throw errors.invalidParameter(`tool_choice.allowed_tools.tools[${missing}]`, `function '${allowedTools[missing]!.function.name}' is not in 'tools'.`);
  }
  const allowed = allowedTools && new Set(allowedTools.map((t) => t.function.name));
  const declared = request.tools?.flatMap((tool, i) => (allowed === undefined || allowed.has(tool.function.name) ? [{ ...toTool(tool.function), ...cacheOf(tool.cache_control, `tools[${i}].cache_control`) }] : []));
  const tools = legacyTools(request) ?? {
    ...(declared?.length && { tools: declared }),
    ...(choice != null && { toolChoice: toToolChoice(choice) }),
    ...(request.parallel_tool_calls != null && { parallelToolCalls: request.parallel_tool_calls }),
  };
  const legacyCalls = new LegacyCallIds();
  return {
    messages: request.messages.map((m, i) => toCanonicalMessage(m, i, legacyCalls)),
    stream,
    ...tools,
    ...(maxTokens != null && { maxOutputTokens: maxTokens }),
    ...(request.temperature != null && { temperature: request.temperature }),
    ...(request.top_p != null && { topP: request.top_p }),
    ...(request.top_k != null && request.top_k >= 0 && { topK: request.top_k }),
    ...(stop != null && { stop }),
    ...(request.seed != null && { seed: request.seed }),
    ...(request.frequency_penalty != null && { frequencyPenalty: request.frequency_penalty }),
    ...(request.presence_penalty != null && { presencePenalty: request.presence_penalty }),
    ...(responseFormat && { responseFormat }),
    ...(request.reasoning_effort != null && { reasoning: toReasoning(request.reasoning_effort) }),
    ...(user !== null && { user }),
    ...(typeof json.prompt_cache_key === 'string' && json.prompt_cache_key !== '' && { promptCacheKey: json.prompt_cache_key }),
    ...(Object.keys(passthrough).length > 0 && { passthrough: { protocol: 'openai-chat' as const, fields: passthrough } }),
  };
}

/**
 * The deprecated `functions` / `function_call` as tools: a function call is one call per turn (the legacy answer
 * has room for one), `function_call: {name}` forces that function. Undefined when the request has no `functions`.
 */
function legacyTools(request: ChatRequest): Pick<CanonicalRequest, 'tools' | 'toolChoice' | 'parallelToolCalls'> | undefined {
  if (request.functions == null) {
    if (request.function_call != null) throw errors.invalidParameter('function_call', "'function_call' is only allowed when 'functions' are specified.");
    return undefined;
  }
  if (request.tools != null || request.tool_choice != null) {
    throw errors.invalidParameter('functions', "send either 'tools' (with 'tool_choice') or the deprecated 'functions' (with 'function_call'), not both.");
  }
  const choice = request.function_call;
  return {
    ...(request.functions.length > 0 && { tools: request.functions.map(toTool) }),
    ...(choice != null && { toolChoice: typeof choice === 'string' ? { type: choice } : { type: 'tool', name: choice.name } }),
    parallelToolCalls: false,
  };
}

/**
 * Ids for the legacy function calls of a history, which have none: an assistant's `function_call` at
 * `messages[i]` is `call_<i>_<name>`, and the next `function` message of that name answers it. Providers that pair
 * results with calls by id (Anthropic, Bedrock) then see each call answered once, even when a function was called
 * more than once in the conversation.
 */
class LegacyCallIds {
  private readonly open = new Map<string, string[]>();

  call(name: string, at: number): string {
    const id = `call_${at}_${name}`;
    const ids = this.open.get(name);
    if (ids) ids.push(id);
    else this.open.set(name, [id]);
    return id;
  }

  result(name: string): string {
    return this.open.get(name)?.shift() ?? `call_${name}`;
  }
}

/**
 * What a chat request may ask that a translated answer cannot give, each a 400 naming the parameter, as OpenAI
 * would answer it rather than silently leaving it out: more than one choice (`n`; forwarded to an OpenAI-protocol
 * deployment, it is the provider's), log probabilities (the canonical form has none), token biases (OpenAI's token ids),
 * web search (an answer from the model's memory instead of the web), audio output, and a tool choice that leaves
 * nothing to call.
 */
export function refuseTranslatedChat(parsed: ParsedChatRequest): void {
  const { body } = parsed;
  if (typeof body.n === 'number' && body.n > 1) {
    throw errors.invalidParameter('n', 'this model gives one choice per request: send n=1 (or n requests).');
  }
  if (body.logprobs === true || (typeof body.top_logprobs === 'number' && body.top_logprobs > 0)) {
    throw errors.invalidParameter(body.logprobs === true ? 'logprobs' : 'top_logprobs', 'log probabilities are not available for this model: its answers carry none.');
  }
  if (body.logit_bias != null && typeof body.logit_bias === 'object' && Object.keys(body.logit_bias).length > 0) {
    throw errors.invalidParameter('logit_bias', "logit_bias is not available for this model: its token ids are OpenAI's tokenizer's, which this model does not use.");
  }
  if (body.web_search_options != null) {
    throw errors.invalidParameter('web_search_options', "web search is not available for this model: OpenAI's search models run it. Leave web_search_options out, or use such a model.");
  }
  if (body.audio != null || (Array.isArray(body.modalities) && body.modalities.includes('audio'))) {
    throw errors.invalidParameter(body.audio != null ? 'audio' : 'modalities', "audio output is not available for this model: its answers are text. Leave 'audio' out of the request.");
  }
  refuseCustomTools(body);
  const { toolChoice, tools } = parsed.canonical;
  checkToolChoice(toolChoice, tools ?? [], parsed.legacyFunctions ? 'function_call' : 'tool_choice');
}

/**
 * OpenAI's custom (freeform) tools: the Responses surface translates them (`openai-responses/custom-tools.ts`), but
 * chat has no exact form to answer a translated call in when streamed (a streamed custom call's delta is not in
 * OpenAI's spec, and the SDK's stream helper does not assemble one), so here they are a 400 that says where they work,
 * rather than the schema's "expected function".
 */
function refuseCustomTools(body: Record<string, unknown>): void {
  const message = "custom tools are not available in chat completions for this model: send the request to /v1/responses, which translates them, or declare a function tool.";
  if (Array.isArray(body.tools)) {
    const i = body.tools.findIndex((tool) => record(tool)?.type === 'custom');
    if (i >= 0) throw errors.invalidParameter(`tools[${i}].type`, message);
  }
  if (record(body.tool_choice)?.type === 'custom') throw errors.invalidParameter('tool_choice.type', message);
}

/**
 * `data:image/png;base64,…` → base64 source; a URL (http(s), or another scheme such as Vertex's gs://) → a URL the
 * provider fetches. Anything else (a data URL that is not base64 or holds nothing, a bare path) is a 400 at `param`, as
 * OpenAI answers: sent on, a provider would take it for a URL, or fail in its own words about its own field.
 */
export function imageFromUrl(url: string, detail: string | undefined, param: string): ImagePart {
  let source: ImagePart['source'];
  if (url.startsWith('data:')) {
    const match = /^data:([^;,]+\/[^;,]+);base64,(.+)$/s.exec(url);
    if (!match) throw errors.invalidParameter(param, 'expected a base64 data URL such as data:image/png;base64,… (with its media type and data) or an http(s) URL.');
    source = { kind: 'base64' as const, mediaType: match[1]!, data: match[2]! };
  } else if (/^[a-z][a-z0-9+.-]*:\/\/./i.test(url)) {
    // http(s), or another scheme a provider may fetch (Vertex's gs://).
    source = { kind: 'url' as const, url };
  } else {
    throw errors.invalidParameter(param, 'expected an http(s) URL or a base64 data URL (data:image/png;base64,…).');
  }
  return { type: 'image', source, ...(detail !== undefined && { detail }) };
}

/** `at` is the message's parameter path (`messages[2]`); files are taken in user messages only, as OpenAI does. */
function toContentParts(content: z.infer<typeof Message>['content'], at: string, filesAllowed = false): MediaPart[] {
  if (content == null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const parts: MediaPart[] = [];
  content.forEach((item, j) => {
    const cache = cacheOf(item.cache_control, `${at}.content[${j}].cache_control`);
    if (item.type === 'text' && typeof item.text === 'string') parts.push({ type: 'text', text: item.text, ...cache });
    // An assistant's refusal, as a client replays it: what the model said.
    else if (item.type === 'refusal' && typeof item.refusal === 'string') parts.push({ type: 'text', text: item.refusal });
    else if (item.type === 'image_url') {
      const image = ImageContent.safeParse(item);
      if (!image.success) throw errors.invalidParameter(`${at}.content[${j}].image_url`, "expected an object with a string 'url'.");
      const { url, detail } = typeof image.data.image_url === 'string' ? { url: image.data.image_url, detail: undefined } : image.data.image_url;
      parts.push({ ...imageFromUrl(url, detail ?? undefined, `${at}.content[${j}].image_url.url`), ...cache });
    } else if (item.type === 'file' && filesAllowed) {
      parts.push({ ...filePart(item, `${at}.content[${j}]`), ...cache });
    } else if (item.type === 'input_audio' && filesAllowed) {
      // Audio as a file of type `audio/<format>` (Gemini's names: audio/wav, audio/mp3): Gemini hears it, OpenAI gets it
      // back as input_audio, and providers without audio input answer their clear 400 for the type.
      const audio = AudioContent.safeParse(item);
      if (!audio.success) throw errors.invalidParameter(`${at}.content[${j}].input_audio`, "expected an object with base64 'data' and a 'format' (wav or mp3).");
      parts.push({ type: 'file', source: { kind: 'base64', mediaType: `audio/${audio.data.input_audio.format}`, data: audio.data.input_audio.data }, ...cache });
    } else if (item.type === 'file') {
      throw errors.invalidParameter(`${at}.content[${j}].type`, 'file parts are only allowed in user messages.');
    } else {
      throw errors.invalidParameter(`${at}.content[${j}].type`, `content parts of type '${item.type}' are not supported.`);
    }
  });
  return parts;
}

/**
 * `{type:'file', file:{file_data, filename}}` → a file part. A `file_id` names a file uploaded to OpenAI's Files
 * API, which the gateway neither stores nor can pass to other providers: a 400 naming the exact parameter.
 */
function filePart(item: unknown, at: string): FilePart {
  const parsed = FileContent.safeParse(item);
  if (!parsed.success) throw errors.invalidParameter(`${at}.file`, 'a file part needs a file object with file_data (a base64 data URL) and a filename.');
  const { file_data: data, file_id: id, filename } = parsed.data.file;
  if (id != null) {
    throw errors.invalidParameter(`${at}.file.file_id`, 'files are not stored by the gateway, so uploaded file ids cannot be used; send the file inline as file_data (data:application/pdf;base64,…) with its filename.');
  }
  if (data == null) throw errors.missingParameter(`${at}.file.file_data`);
  const part = fileFromData(data, filename ?? undefined);
  if (!part) throw errors.invalidParameter(`${at}.file.file_data`, 'file_data must be a base64 data URL (data:application/pdf;base64,…).');
  return part;
}

/**
 * Anthropic-style prompt caching, as clients of OpenAI-compatible gateways mark it for Claude (LiteLLM's and
 * OpenRouter's convention): `cache_control: {type: "ephemeral", ttl?}` on a content part, a tool, or a whole message
 * (its last part). Kept for targets that cache by marker (Anthropic, Bedrock's cache points); without it, a long
 * agent session through the chat surface is billed its whole prompt at full price on every turn.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
function cacheOf(value: unknown, param: string): { cacheControl?: CacheControl } {
  if (value == null) return {};
  const control = value as { type?: unknown; ttl?: unknown };
  if (typeof value !== 'object' || control.type !== 'ephemeral' || (control.ttl != null && typeof control.ttl !== 'string')) {
    throw errors.invalidParameter(param, "cache_control must be {\"type\": \"ephemeral\"}, with an optional ttl ('5m' or '1h').");
  }
  return { cacheControl: { type: 'ephemeral', ...(typeof control.ttl === 'string' && { ttl: control.ttl }) } };
}

/** `message` in canonical form, its `cache_control` (if any) on its last part. */
function toCanonicalMessage(message: z.infer<typeof Message>, index: number, legacyCalls: LegacyCallIds): Message {
  const converted = convertMessage(message, index, legacyCalls);
  const cache = cacheOf(message.cache_control, `messages[${index}].cache_control`);
  const last = converted.content.at(-1);
  if (cache.cacheControl === undefined || last === undefined) return converted;
  return { ...converted, content: [...converted.content.slice(0, -1), { ...last, ...cache } as ContentPart] };
}

function convertMessage(message: z.infer<typeof Message>, index: number, legacyCalls: LegacyCallIds): Message {
  const at = `messages[${index}]`;
  const name = message.name !== undefined ? { name: message.name } : {};
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: toContentParts(message.content, at), ...name };
    case 'user':
      return { role: 'user', content: toContentParts(message.content, at, true), ...name };
    case 'assistant': {
      const content: ContentPart[] = [];
      if (message.reasoning_content) content.push({ type: 'reasoning', text: message.reasoning_content });
      content.push(...toContentParts(message.content, at));
      for (const call of message.tool_calls ?? []) {
        content.push({ type: 'tool-call', id: call.id, name: call.function.name, arguments: call.function.arguments });
      }
      if (message.function_call) {
        const { name: fn, arguments: args } = message.function_call;
        content.push({ type: 'tool-call', id: legacyCalls.call(fn, index), name: fn, arguments: args });
      }
      return { role: 'assistant', content, ...name };
    }
    case 'tool':
    case 'function': {
      // `function` is the legacy form of `tool`, identified by name instead of id.
      const toolCallId = message.tool_call_id ?? (message.name !== undefined ? legacyCalls.result(message.name) : '');
      if (toolCallId === '') throw errors.invalidParameter('messages', "tool messages need a 'tool_call_id'.");
      return {
        role: 'tool',
        content: [{ type: 'tool-result', toolCallId, ...name, content: toContentParts(message.content, at) }],
      };
    }
  }
}

function toTool(fn: z.infer<typeof FunctionDefinition>): ToolDefinition {
  return {
    name: fn.name,
    ...(fn.description !== undefined && { description: fn.description }),
    parameters: fn.parameters ?? { type: 'object', properties: {} },
    ...(fn.strict != null && { strict: fn.strict }),
  };
}

/** OpenAI's effort → the canonical one: `none` turns reasoning off, `xhigh` is the highest the others know. */
function toReasoning(effort: NonNullable<ChatRequest['reasoning_effort']>): ReasoningConfig {
  if (effort === 'none') return { off: true };
  return { effort: effort === 'xhigh' ? 'high' : effort };
}

function toToolChoice(choice: z.infer<typeof ToolChoiceSchema>): ToolChoice {
  if (typeof choice === 'string') return { type: choice };
  if (choice.type === 'allowed_tools') return { type: choice.allowed_tools.mode };
  return { type: 'tool', name: choice.function.name };
}

function toResponseFormat(format: z.infer<typeof ResponseFormatSchema> | null | undefined): ResponseFormat | undefined {
  if (!format) return undefined;
  if (format.type === 'json_schema' && 'json_schema' in format) {
    const js = format.json_schema;
    return { type: 'json_schema', name: js.name, schema: js.schema ?? {}, ...(js.strict != null && { strict: js.strict }) };
  }
  return { type: format.type === 'json_object' ? 'json_object' : 'text' };
}

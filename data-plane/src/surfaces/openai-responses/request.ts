import { z } from 'zod';
import type { CanonicalRequest, ReasoningConfig, ResponseFormat, ToolChoice, ToolDefinition } from '../../canonical/request.js';
import { errors } from '../../http/errors.js';
import type { ParsedInbound } from '../types.js';
import { endUser, parseJsonObject, validate } from '../openai-chat/chat-request.js';
import { check } from './check.js';
import { CustomTool, customToolDefinition } from './custom-tools.js';
import { checkToolChoice } from '../tool-choice.js';
import { inputToMessages } from './input-items.js';
import { summariesAsked } from './unshown-reasoning.js';
import { record } from '../forward/output.js';
import { list } from '../zod-list.js';

/**
 * The OpenAI Responses request, typed only as far as the gateway acts on it; unknown fields travel in
 * `passthrough` (protocol `openai-responses`). A target that speaks Responses itself (OpenAI) gets the body as is
 * (see `forward.ts`), stored responses, built-in tools and all. Translated for any other provider, Tollgate is
 * stateless: what needs stored responses or prompts (`previous_response_id`, `conversation`, `background`,
 * `prompt`) is a clear 400, and `store` is accepted but nothing is stored; function tools and custom tools (as
 * function tools: `custom-tools.ts`) are supported, built-in tools (file_search, code_interpreter, …) are a 400,
 * except web search, which clients offer on every turn and which is left out (`OFFERED_ONLY`); log
 * probabilities, which no translated answer carries, are a 400 too. Those checks run with the translation, once the
 * target is known.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
const FunctionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
const AnyTool = z.looseObject({ type: z.string() });

const ToolChoiceSchema = z.union([z.enum(['auto', 'none', 'required']), z.looseObject({ type: z.string() })]);
const FunctionChoice = z.looseObject({ type: z.literal('function'), name: z.string().min(1) });
const CustomChoice = z.looseObject({ type: z.literal('custom'), name: z.string().min(1) });
const AllowedTools = z.looseObject({
  type: z.literal('allowed_tools'),
  mode: z.enum(['auto', 'required']),
  tools: list(z.looseObject({ type: z.string(), name: z.string().optional() })),
});

const Format = z.union([
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
    description: z.string().nullish(),
  }),
]);

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;

const ResponsesRequest = z.looseObject({
  model: z.string().min(1, 'must be a non-empty string'),
  input: z.union([z.string(), z.array(z.unknown()).min(1, 'must contain at least one item')], {
    error: (issue) => (Array.isArray(issue.input) ? 'must contain at least one item' : 'must be a string or an array of input items'),
  }),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  tools: list(AnyTool).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  max_output_tokens: z.number().int().nullish(),
  // OpenAI's ranges: outside them its 400, and a translated model's too.
  temperature: z.number().min(0, 'must be at least 0').max(2, 'must be at most 2').nullish(),
  top_p: z.number().min(0, 'must be at least 0').max(1, 'must be at most 1').nullish(),
  text: z.looseObject({ format: Format.nullish() }).nullish(),
  reasoning: z.looseObject({ effort: z.enum(EFFORTS).nullish(), summary: z.string().nullish() }).nullish(),
  user: z.string().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
  conversation: z.unknown().optional(),
  background: z.boolean().nullish(),
  prompt: z.unknown().optional(),
  include: list(z.string()).nullish(),
  top_logprobs: z.number().int().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  truncation: z.string().nullish(),
});
type ResponsesRequest = z.infer<typeof ResponsesRequest>;

/**
 * Fields translated into the canonical form (or refused), so they are not passed through as well. `metadata` is
 * not among them: it only matters to an OpenAI target, so it travels in `passthrough` (and is echoed back).
 */
const MODELLED = new Set([
  'model', 'input', 'instructions', 'stream', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_output_tokens',
  'temperature', 'top_p', 'text', 'reasoning', 'user', 'store', 'previous_response_id', 'conversation', 'background',
]);

/** What the Response object echoes of the request, as OpenAI does. */
export interface ResponseEcho {
  readonly instructions: string | null;
  readonly max_output_tokens: number | null;
  readonly metadata: Record<string, string>;
  readonly parallel_tool_calls: boolean;
  readonly reasoning: { effort: string | null; summary: string | null };
  readonly temperature: number | null;
  readonly text: Record<string, unknown>;
  readonly tool_choice: unknown;
  readonly tools: unknown[];
  readonly top_p: number | null;
  readonly truncation: string;
  readonly user: string | null;
}

/**
 * The fields every Responses request is checked for up front: those the gateway acts on before it knows which way
 * the request goes (model, streaming, end user). Everything else is validated with the translation.
 */
const ResponsesHead = z.looseObject({
  model: ResponsesRequest.shape.model,
  stream: ResponsesRequest.shape.stream,
  user: ResponsesRequest.shape.user,
});

export interface ParsedResponsesRequest extends ParsedInbound {
  /**
   * The request in canonical form, validated in full on first access (throws the 400 `HttpError` then, including
   * the refusals of what a stateless translation cannot do). The native pass-through never needs it.
   */
  readonly canonical: CanonicalRequest;
  /** What the Response object echoes of the request; validated and translated with `canonical`. */
  readonly echo: ResponseEcho;
  /** The names of the request's custom tools, whose calls go back as `custom_tool_call` items; with `canonical`. */
  readonly customTools: ReadonlySet<string>;
  /** Whether reasoning items show the reasoning as their summary (else `unshown-reasoning.ts`). */
  readonly reasoningSummaries: boolean;
  /** The parsed JSON body as the client sent it (for native forwarding). */
  readonly body: Record<string, unknown>;
}

interface Translated {
  readonly canonical: CanonicalRequest;
  readonly echo: ResponseEcho;
  readonly customTools: ReadonlySet<string>;
}

/** A tool of the request: what the canonical form gets of it, and what the Response object echoes. */
interface DeclaredTool {
  readonly name: string;
  readonly definition: ToolDefinition;
  readonly echo: Record<string, unknown>;
  readonly custom: boolean;
}

class ParsedResponses implements ParsedResponsesRequest {
  private translated: Translated | undefined;

  constructor(
    readonly body: Record<string, unknown>,
    readonly model: string,
    readonly stream: boolean,
    readonly user: string | null,
  ) {}

  get canonical(): CanonicalRequest {
    return this.translate().canonical;
  }

  /**
   * What the Response object echoes. Never throws: besides a translated answer (whose request translated), it shapes
   * the error that ends a stream after any failure, a forwarded request's too, which may not translate at all
   * (`previous_response_id`, built-in tools: a request only OpenAI can serve); that error must still reach the client.
   */
  get echo(): ResponseEcho {
    try {
      return this.translate().echo;
    } catch {
      return rawEcho(this.body);
    }
  }

  get customTools(): ReadonlySet<string> {
    try {
      return this.translate().customTools;
    } catch {
      return NO_CUSTOM_TOOLS;
    }
  }

  get reasoningSummaries(): boolean {
    return summariesAsked(this.body.reasoning);
  }

  private translate(): Translated {
    if (this.translated !== undefined) return this.translated;
    const request = validate(ResponsesRequest, this.body, ['model', 'input']);
    refuseTinyOutputCap(request);
    refuseStateful(request);
    refuseLogprobs(request);
    const tools: DeclaredTool[] = [];
    const toolEchoes: Array<Record<string, unknown>> = [];
    for (const [i, raw] of (request.tools ?? []).entries()) {
      if (OFFERED_ONLY.has(raw.type)) {
        toolEchoes.push(raw);
        continue;
      }
      const tool = declaredTool(raw, `tools[${i}]`);
      tools.push(tool);
      toolEchoes.push(tool.echo);
    }
    this.translated = {
      canonical: toCanonical(request, tools, this.stream, this.body),
      echo: toEcho(request, toolEchoes),
      customTools: new Set(tools.filter((t) => t.custom).map((t) => t.name)),
    };
    return this.translated;
  }
}

/**
 * Parses a Responses body: `JSON.parse` once and the fields routing needs (model, stream, user); throws a 400
 * `HttpError` saying what is wrong with those. The rest is validated lazily, on first access to `canonical`.
 */
export function parseResponsesRequest(body: Buffer): ParsedResponsesRequest {
  const json = parseJsonObject(body);
  if (json.model == null) throw errors.missingParameter('model');
  // The common case is checked by hand; anything unusual goes through the schema, which names what is wrong.
  if (!headLooksValid(json)) validate(ResponsesHead, json, []);
  return new ParsedResponses(json, json.model as string, json.stream === true, endUser(json));
}

/** True when `ResponsesHead` would accept `json` (false may still be valid: the schema decides then). */
function headLooksValid(json: Record<string, unknown>): boolean {
  const { model, stream, user } = json;
  return typeof model === 'string' && model.length > 0 && (stream == null || typeof stream === 'boolean') && (user == null || typeof user === 'string');
}

/**
 * OpenAI refuses an output cap below 16 tokens, in these words; a translated model would be cut off before it said
 * anything useful (Anthropic takes any cap from 1), so the client gets OpenAI's 400 rather than a different answer.
 * @see https://github.com/earendil-works/pi/issues/6265
 */
const MIN_OUTPUT_TOKENS = 16;

function refuseTinyOutputCap(request: ResponsesRequest): void {
  const cap = request.max_output_tokens;
  if (cap != null && cap < MIN_OUTPUT_TOKENS) throw errors.belowMinimum('max_output_tokens', MIN_OUTPUT_TOKENS, cap);
}

/** Everything that would need a stored response or conversation is refused when translating, with the reason. */
function refuseStateful(request: ResponsesRequest): void {
  if (request.previous_response_id != null) {
    throw errors.invalidParameter(
      'previous_response_id',
      "this model is served through a translation, which keeps no stored responses: send the whole conversation in 'input', or use a model served by OpenAI's Responses API (openai, or a deployment with responsesApi), where stored responses work.",
    );
  }
  if (request.conversation != null) {
    throw errors.invalidParameter(
      'conversation',
      "this model is served through a translation, which keeps no stored conversations: send the whole conversation in 'input', or use a model served by OpenAI's Responses API (openai, or a deployment with responsesApi).",
    );
  }
  if (request.background === true) {
    throw errors.invalidParameter('background', "background responses are stored ones, which a model served through a translation does not keep: use a model served by OpenAI's Responses API (openai, or a deployment with responsesApi).");
  }
  if (request.prompt != null) {
    throw errors.invalidParameter(
      'prompt',
      "reusable prompts are stored by OpenAI and not supported for this model: send the prompt's instructions and messages in 'instructions' and 'input'.",
    );
  }
}

/**
 * Log probabilities: a translated answer has none (the canonical form carries no logprobs), so asking for them is
 * refused rather than answered with empty lists.
 */
function refuseLogprobs(request: ResponsesRequest): void {
  if (request.include?.includes('message.output_text.logprobs')) {
    throw errors.invalidParameter('include', "'message.output_text.logprobs' is not supported for this model: its answers carry no log probabilities.");
  }
  if (request.top_logprobs != null && request.top_logprobs > 0) {
    throw errors.invalidParameter('top_logprobs', 'log probabilities are not supported for this model: its answers carry none.');
  }
}

/**
 * Built-in tools a client offers the model on every turn whether or not the task needs them: Codex adds
 * `{type: "web_search", external_web_access: false}` to every request by default. No translated model can run them,
 * so they are left out of its tool list (and kept in the Response's echo, as sent) rather than failing every turn
 * with a 400; the model answers without searching, as it would where the client turned search off. A `tool_choice`
 * that forces one is still a 400: there the client needs the tool to run.
 */
const OFFERED_ONLY: ReadonlySet<string> = new Set(['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11']);

function declaredTool(raw: z.infer<typeof AnyTool>, path: string): DeclaredTool {
  if (raw.type === 'function') {
    const tool = check(FunctionTool, raw, path);
    const echo = { type: 'function', name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null };
    return { name: tool.name, definition: toTool(tool), echo, custom: false };
  }
  if (raw.type === 'custom') {
    const tool = check(CustomTool, raw, path);
    const echo = { type: 'custom', name: tool.name, description: tool.description ?? null, format: tool.format ?? { type: 'text' } };
    return { name: tool.name, definition: customToolDefinition(tool), echo, custom: true };
  }
  throw builtInTool(`${path}.type`, raw.type);
}

function toCanonical(
  request: ResponsesRequest,
  tools: DeclaredTool[],
  stream: boolean,
  json: Record<string, unknown>,
): CanonicalRequest {
  const choice: { choice?: ToolChoice; tools: DeclaredTool[] } =
    request.tool_choice != null ? toToolChoice(request.tool_choice, tools) : { tools };
  checkToolChoice(choice.choice, choice.tools);
  const responseFormat = request.text?.format != null ? toResponseFormat(request.text.format) : undefined;
  const reasoning = toReasoning(request.reasoning?.effort);
  const passthrough = passthroughFields(request, json);
  const user = endUser(json);
  return {
    messages: inputToMessages(request.input, request.instructions ?? null),
    stream,
    ...(choice.tools.length > 0 && { tools: choice.tools.map((t) => t.definition) }),
    ...(choice.choice && { toolChoice: choice.choice }),
    ...(request.parallel_tool_calls != null && { parallelToolCalls: request.parallel_tool_calls }),
    ...(request.max_output_tokens != null && { maxOutputTokens: request.max_output_tokens }),
    ...(request.temperature != null && { temperature: request.temperature }),
    ...(request.top_p != null && { topP: request.top_p }),
    ...(responseFormat && { responseFormat }),
    ...(reasoning && { reasoning }),
    ...(user !== null && { user }),
    ...(typeof json.prompt_cache_key === 'string' && json.prompt_cache_key !== '' && { promptCacheKey: json.prompt_cache_key }),
    ...(Object.keys(passthrough).length > 0 && { passthrough: { protocol: 'openai-responses' as const, fields: passthrough } }),
  };
}

/**
 * Unknown fields, plus modelled ones the canonical form cannot fully say (`text.verbosity`, `reasoning.summary`,
 * effort `none`/`xhigh`): those go through whole, so a target that speaks Responses gets exactly what was asked.
 */
function passthroughFields(request: ResponsesRequest, json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) if (!MODELLED.has(k)) out[k] = v;
  if (request.text != null && Object.keys(request.text).some((k) => k !== 'format')) out.text = json.text;
  const reasoning = request.reasoning;
  const effortSaid = reasoning?.effort == null || (reasoning.effort !== 'none' && reasoning.effort !== 'xhigh');
  if (reasoning != null && (!effortSaid || Object.keys(reasoning).some((k) => k !== 'effort'))) out.reasoning = json.reasoning;
  return out;
}

function toTool(tool: z.infer<typeof FunctionTool>): ToolDefinition {
  return {
    name: tool.name,
    ...(tool.description != null && { description: tool.description }),
    parameters: tool.parameters ?? { type: 'object', properties: {} },
    ...(tool.strict != null && { strict: tool.strict }),
  };
}

/**
 * `allowed_tools` narrows the tools the model may use without changing the list (OpenAI keeps it for prompt
 * caching); the canonical form has no such notion, so the tool list itself is narrowed.
 */
function toToolChoice(
  choice: z.infer<typeof ToolChoiceSchema>,
  tools: DeclaredTool[],
): { choice: ToolChoice; tools: DeclaredTool[] } {
  if (typeof choice === 'string') return { choice: { type: choice }, tools };
  switch (choice.type) {
    case 'function':
      return { choice: { type: 'tool', name: check(FunctionChoice, choice, 'tool_choice').name }, tools };
    case 'custom':
      return { choice: { type: 'tool', name: check(CustomChoice, choice, 'tool_choice').name }, tools };
    case 'allowed_tools': {
      const allowed = check(AllowedTools, choice, 'tool_choice');
      allowed.tools.forEach((t, i) => {
        if (t.type !== 'function' && t.type !== 'custom') throw builtInTool(`tool_choice.tools[${i}].type`, t.type);
      });
      const names = new Set(allowed.tools.map((t) => t.name));
      return { choice: { type: allowed.mode }, tools: tools.filter((t) => names.has(t.name)) };
    }
    default:
      throw builtInTool('tool_choice.type', choice.type);
  }
}

function builtInTool(param: string, type: string) {
  return errors.invalidParameter(param, `built-in tool '${type}' is not supported for this model: Tollgate translates function and custom tools only.`);
}

function toResponseFormat(format: z.infer<typeof Format>): ResponseFormat {
  if (format.type === 'json_schema' && 'schema' in format) {
    return { type: 'json_schema', name: format.name, schema: format.schema, ...(format.strict != null && { strict: format.strict }) };
  }
  return { type: format.type === 'json_object' ? 'json_object' : 'text' };
}

/** `none` turns reasoning off (`ReasoningConfig.off`); `xhigh` is the canonical maximum. */
function toReasoning(effort: (typeof EFFORTS)[number] | null | undefined): ReasoningConfig | undefined {
  if (effort == null) return undefined;
  if (effort === 'none') return { off: true };
  return { effort: effort === 'xhigh' ? 'high' : effort };
}

const NO_CUSTOM_TOOLS: ReadonlySet<string> = new Set();

/** The echo of a request that does not translate: its fields as sent where they have the echo's type, defaults else. */
function rawEcho(body: Record<string, unknown>): ResponseEcho {
  const string = (v: unknown) => (typeof v === 'string' ? v : null);
  const number = (v: unknown) => (typeof v === 'number' ? v : null);
  const reasoning = record(body.reasoning);
  return {
    instructions: string(body.instructions),
    max_output_tokens: number(body.max_output_tokens),
    metadata: (record(body.metadata) as Record<string, string> | undefined) ?? {},
    parallel_tool_calls: typeof body.parallel_tool_calls === 'boolean' ? body.parallel_tool_calls : true,
    reasoning: { effort: string(reasoning?.effort), summary: string(reasoning?.summary) },
    temperature: number(body.temperature),
    text: record(body.text) ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: number(body.top_p),
    truncation: string(body.truncation) ?? 'disabled',
    user: string(body.user),
  };
}

function toEcho(request: ResponsesRequest, tools: Array<Record<string, unknown>>): ResponseEcho {
  return {
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    temperature: request.temperature ?? null,
    text: { ...request.text, format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools,
    top_p: request.top_p ?? null,
    truncation: request.truncation ?? 'disabled',
    user: request.user ?? null,
  };
}

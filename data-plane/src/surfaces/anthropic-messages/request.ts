import { z } from 'zod';
import type { CanonicalRequest, ReasoningConfig, ToolChoice, ToolDefinition } from '../../canonical/request.js';
import type { ParsedInbound } from '../types.js';
import { cache, CacheControlSchema } from './cache-control.js';
import { BlockSchema, toCanonicalMessages } from './content.js';
import { definedTool } from './defined-tools.js';
import { checkToolChoice } from '../tool-choice.js';
import { list } from '../zod-list.js';
import { invalidRequest } from './errors.js';
import { check, parseJsonObject } from './validate.js';

/**
 * The Anthropic Messages request (`POST /v1/messages`, and `count_tokens`, which takes the same body without
 * `max_tokens`), typed only as far as the gateway acts on it. Unknown fields are allowed and carried in
 * `passthrough`, so an Anthropic target receives them untouched (new Anthropic parameters keep working through
 * the gateway).
 * @see https://docs.anthropic.com/en/api/messages
 */
/** A string or blocks; each block is checked against its own type's schema in `content.ts`. */
const Content = z.union([z.string(), list(BlockSchema)], { error: 'must be a string or an array of content blocks' });

const MessageParam = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: Content,
});

/**
 * A custom tool (`type` absent or `custom`) has an `input_schema`; Anthropic's own tools (server tools such as
 * `web_search_…`, client tools such as `bash_…` and `text_editor_…`) have a versioned `type` and none.
 */
const Tool = z.looseObject({
  // Required of custom tools (`toTools`); Anthropic's own tools have fixed names, and an MCP toolset has none.
  name: z.string().min(1, 'must be a non-empty string').nullish(),
  type: z.string().nullish(),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown()).nullish(),
  cache_control: CacheControlSchema.nullish(),
  strict: z.boolean().nullish(),
});

const ToolChoiceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal('none') }),
]);

const Thinking = z.looseObject({ type: z.string(), budget_tokens: z.number().int().nullish() });

const MessagesRequest = z.looseObject({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: list(MessageParam, z.array(z.unknown()).min(1, 'at least one message is required')),
  // 0 asks Anthropic to populate the prompt cache without generating a response (see `refuseTranslatedMessages`).
  max_tokens: z.number().int().min(0, 'must be at least 0').optional(),
  system: Content.nullish(),
  stop_sequences: list(z.string()).nullish(),
  stream: z.boolean().nullish(),
  // Anthropic's ranges: outside them its 400, and a translated model's too.
  temperature: z.number().min(0, 'Input should be greater than or equal to 0').max(1, 'Input should be less than or equal to 1').nullish(),
  top_p: z.number().min(0, 'Input should be greater than or equal to 0').max(1, 'Input should be less than or equal to 1').nullish(),
  top_k: z.number().int().min(0, 'Input should be greater than or equal to 0').nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
  tools: list(Tool).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  thinking: Thinking.nullish(),
});
type MessagesRequest = z.infer<typeof MessagesRequest>;

/**
 * Structured outputs and effort (`output_config`; the beta's `output_format`), read for a translated request only (an
 * Anthropic target gets them in `passthrough`, as sent).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs
 * @see https://docs.anthropic.com/en/docs/build-with-claude/effort
 */
const OutputFormat = z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) });
const OutputConfig = z.looseObject({
  effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).nullish(),
  format: OutputFormat.nullish(),
});

/** Fields modelled above; everything else a client sends goes to `passthrough`. */
const MODELLED = new Set(Object.keys(MessagesRequest.shape));

/**
 * What every request is checked for at once, whatever its target: what routing, limits and the answer need. The
 * rest (blocks, tools, tool choice, thinking) only when the request is translated (`canonical`): forwarded to
 * Anthropic, the body goes as sent and Anthropic judges it, so blocks the canonical form does not model (server
 * tools' results in a conversation's history, MCP blocks, search results) reach it.
 */
const MessagesHead = z.looseObject({
  model: MessagesRequest.shape.model,
  messages: z.array(z.unknown()).min(1, 'at least one message is required'),
  max_tokens: MessagesRequest.shape.max_tokens,
  stream: MessagesRequest.shape.stream,
  metadata: MessagesRequest.shape.metadata,
});

export interface ParsedMessagesRequest extends ParsedInbound {
  /** The parsed JSON body as the client sent it (for same-protocol forwarding). */
  readonly body: Record<string, unknown>;
  /** The client's `anthropic-beta` header, for an Anthropic target. */
  readonly clientHeaders: Readonly<Record<string, string>> | undefined;
}

class ParsedMessages implements ParsedMessagesRequest {
  private translated: CanonicalRequest | undefined;

  constructor(
    readonly body: Record<string, unknown>,
    readonly model: string,
    readonly stream: boolean,
    readonly user: string | null,
    readonly clientHeaders: Readonly<Record<string, string>> | undefined,
  ) {}

  /** Validated in full and translated on first access; throws the 400 `HttpError` naming the field then. */
  get canonical(): CanonicalRequest {
    return (this.translated ??= this.translate());
  }

  private translate(): CanonicalRequest {
    const canonical = toCanonical(check(MessagesRequest, this.body), this.stream, this.body);
    if (this.clientHeaders === undefined) return canonical;
    // Beta feature flags (Claude Code sends several) only mean something to an Anthropic target: they travel with
    // the passthrough, which only such a target reads.
    const passthrough = canonical.passthrough ?? { protocol: 'anthropic-messages' as const, fields: {} };
    return { ...canonical, passthrough: { ...passthrough, headers: { ...passthrough.headers, ...this.clientHeaders } } };
  }
}

/**
 * Parses a Messages body and checks what every request needs (`MessagesHead`); throws a 400 `HttpError` naming the
 * field. `max_tokens` is required for `/v1/messages` (as Anthropic requires it) and ignored by `count_tokens`.
 */
export function parseMessagesRequest(body: Buffer, options: { requireMaxTokens: boolean; anthropicBeta?: string }): ParsedMessagesRequest {
  const json = parseJsonObject(body);
  const head = check(MessagesHead, json);
  if (options.requireMaxTokens && head.max_tokens === undefined) throw invalidRequest('max_tokens', 'Field required', 'missing_required_parameter');
  const beta = options.anthropicBeta?.trim();
  return new ParsedMessages(json, head.model, head.stream === true, head.metadata?.user_id ?? null, beta ? { 'anthropic-beta': beta } : undefined);
}

/**
 * What a Messages request may ask that a translated answer cannot give, a 400 naming the field: a `tool_choice` that
 * forces a tool the request does not offer (Anthropic refuses it; another provider would answer without the call);
 * `max_tokens: 0`, which
 * has Anthropic populate its prompt cache without generating a response (a cache write, billed as one, before the
 * conversation's first real turn). Other providers have no such request (OpenAI-style ones refuse a cap of 0): the
 * client hears why from the gateway, in Anthropic's terms, instead of a provider's refusal in its own.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
export function refuseTranslatedMessages(parsed: ParsedMessagesRequest): void {
  // A forced tool call needs that tool (Anthropic checks this itself for the requests it gets; a translated model would
  // silently answer without the call).
  checkToolChoice(parsed.canonical.toolChoice, parsed.canonical.tools ?? [], 'tool_choice', invalidRequest);
  if (parsed.body.max_tokens === 0) {
    throw invalidRequest(
      'max_tokens',
      "0 populates Anthropic's prompt cache without generating a response, which only a model served by Anthropic does: this model is served by another provider through a translation. Use a model served by Anthropic, or a max_tokens of at least 1.",
      'unsupported_value',
    );
  }
}

function toCanonical(request: MessagesRequest, stream: boolean, json: Record<string, unknown>): CanonicalRequest {
  const passthrough: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) if (!MODELLED.has(k)) passthrough[k] = v;

  const tools = toTools(request.tools ?? []);
  // What the canonical form holds only as a translation travels as the client wrote it too, for a target that speaks
  // Anthropic: Anthropic-defined tools (the whole `tools` array then, so their order is kept) and thinking modes
  // other than a budget.
  if (request.tools?.some((tool) => tool.type != null && tool.type !== 'custom')) passthrough.tools = json.tools;
  const thinking = toReasoning(request.thinking, request.max_tokens);
  if (request.thinking != null && thinking === undefined && request.thinking.type !== 'disabled') passthrough.thinking = json.thinking;
  if (Array.isArray(json.mcp_servers) && json.mcp_servers.length > 0) {
    throw invalidRequest('mcp_servers', "MCP servers named in the request are reached by Anthropic's MCP connector: this model is served by another provider through a translation, which cannot reach them. Use a model served by Anthropic, or declare the servers' tools yourself.", 'unsupported_value');
  }
  const output = json.output_config == null ? undefined : check(OutputConfig, json.output_config, 'output_config');
  const format = output?.format ?? (json.output_format == null ? undefined : check(OutputFormat, json.output_format, 'output_format'));
  // Anthropic's effort above `high` is the highest the others know. With thinking disabled it stays off: another
  // provider's reasoning effort would turn it on.
  const effort = output?.effort == null ? undefined : output.effort === 'xhigh' || output.effort === 'max' ? 'high' : output.effort;
  const reasoning = effort === undefined || thinking?.off === true ? thinking : { ...thinking, effort };

  const choice = request.tool_choice;
  const user = request.metadata?.user_id;
  return {
    messages: toCanonicalMessages(request.system, request.messages),
    stream,
    ...(tools.length > 0 && { tools }),
    ...(choice != null && { toolChoice: toToolChoice(choice) }),
    ...(choice != null && 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true && { parallelToolCalls: false }),
    ...(request.max_tokens !== undefined && { maxOutputTokens: request.max_tokens }),
    ...(request.temperature != null && { temperature: request.temperature }),
    ...(request.top_p != null && { topP: request.top_p }),
    ...(request.top_k != null && { topK: request.top_k }),
    ...(request.stop_sequences != null && request.stop_sequences.length > 0 && { stop: request.stop_sequences }),
    ...(format != null && { responseFormat: { type: 'json_schema' as const, name: 'output', schema: format.schema } }),
    ...(reasoning && { reasoning }),
    ...(user != null && { user }),
    ...(Object.keys(passthrough).length > 0 && { passthrough: { protocol: 'anthropic-messages' as const, fields: passthrough } }),
  };
}

/**
 * Custom tools as they are; Anthropic's typed tools as `definedTool` makes them (client tools with their schema, a 400
 * for the rest). Only a translated request is built here: an Anthropic target gets the body as sent.
 */
function toTools(tools: readonly z.infer<typeof Tool>[]): ToolDefinition[] {
  return tools.map((tool, i) => {
    if (tool.type != null && tool.type !== 'custom') return { ...definedTool(tool.type, tool.name, `tools.${i}`), ...cache(tool.cache_control) };
    if (tool.name == null) throw invalidRequest(`tools.${i}.name`, 'Field required', 'missing_required_parameter');
    if (tool.input_schema == null) throw invalidRequest(`tools.${i}.input_schema`, 'Field required', 'missing_required_parameter');
    return {
      name: tool.name,
      ...(tool.description != null && { description: tool.description }),
      parameters: tool.input_schema,
      ...(tool.strict != null && { strict: tool.strict }),
      ...cache(tool.cache_control),
    };
  });
}

function toToolChoice(choice: z.infer<typeof ToolChoiceSchema>): ToolChoice {
  switch (choice.type) {
    case 'auto': return { type: 'auto' };
    case 'any': return { type: 'required' };
    case 'none': return { type: 'none' };
    case 'tool': return { type: 'tool', name: choice.name };
  }
}

/**
 * `{type:'enabled', budget_tokens}` → a thinking budget; `disabled` → reasoning off (`ReasoningConfig.off`). Not
 * thinking is Claude's default, not Gemini's: 2.5 Flash and Pro think unless told not to, so the caller would pay for
 * thinking it declined. Each adapter turns it off its own way: Gemini with its off budget or lowest level, Claude and
 * OpenAI-style targets by sending nothing (no `reasoning_effort`, which non-reasoning models reject). Other modes
 * (`adaptive`, …) go to passthrough.
 */
function toReasoning(thinking: z.infer<typeof Thinking> | null | undefined, maxTokens: number | undefined): ReasoningConfig | undefined {
  if (thinking?.type === 'disabled') return { off: true };
  if (thinking?.type !== 'enabled') return undefined;
  const budget = thinking.budget_tokens;
  if (budget == null) throw invalidRequest('thinking.budget_tokens', 'Field required', 'missing_required_parameter');
  // Anthropic's own rules, so a client learns them whichever model answers (a translated one would take any budget).
  if (budget < MIN_THINKING_BUDGET) throw invalidRequest('thinking.enabled.budget_tokens', `Input should be greater than or equal to ${MIN_THINKING_BUDGET}`);
  if (maxTokens !== undefined && maxTokens > 0 && budget >= maxTokens) throw invalidRequest('', '`max_tokens` must be greater than `thinking.budget_tokens`.');
  return { budgetTokens: budget };
}

/** The smallest thinking budget Anthropic takes. @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking */
const MIN_THINKING_BUDGET = 1024;

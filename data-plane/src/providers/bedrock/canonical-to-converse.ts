import { inlineImage } from '../inline-image.js';
import { LEADING_USER_TEXT } from '../leading-user-turn.js';
import type { ProviderError } from '../../canonical/errors.js';
import type {
  CacheControl,
  ContentPart,
  ImagePart,
  MediaPart,
  Message,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
  ToolResultPart,
} from '../../canonical/request.js';
import { withPromptCacheMarks } from '../anthropic/prompt-cache.js';
import type { ToolNames } from '../tool-names.js';
import type { CanonicalRequest, ProviderTarget } from '../types.js';
import { documentBlock, DocumentNames } from './document-block.js';
import { STOP_SEQUENCE_PATHS } from './map-stop-reason.js';
import { bedrockModelTraits, type BedrockModelTraits } from './model-traits.js';
import { isAnthropicModel, planModelFields } from './thinking.js';
import { bedrockToolNames } from './tool-names.js';
import type {
  CachePoint,
  ContentBlock,
  ConverseMessage,
  ConverseRequest,
  ConverseToolChoice,
  ImageBlock,
  ImageFormat,
  SystemBlock,
  ToolResultContent,
  ToolSpec,
} from './wire.js';

/** What the Bedrock adapter sends: the model id (for the path) and the Converse body. */
export interface BedrockWire {
  readonly modelId: string;
  readonly body: ConverseRequest;
}

/**
 * Canonical request → Converse request.
 *
 * - System messages, wherever they are, become `system` blocks in order.
 * - `tool` messages become user messages of `toolResult` blocks; Converse needs strictly alternating user and
 *   assistant turns, so adjacent messages of the same role (a tool result followed by a user message) merge.
 * - A part marked `cacheControl` is followed by a `cachePoint` block (system, messages and tools alike).
 * - Reasoning goes back as `reasoningContent` only when it carries a signature or redacted data: unsigned reasoning
 *   (from another provider) cannot be verified by the model and is dropped.
 * - Images must be inline (base64 or a `data:` URL): Bedrock takes no URLs and the gateway does not fetch them.
 * - Files become `document` blocks (see `document-block.ts`). Converse rejects a user turn that holds a document
 *   but no text ("A text block must be included when using documents"), so such a turn gets a short text block.
 * - Converse rejects `toolUse`/`toolResult` blocks without a `toolConfig`; when the client sends a history with
 *   tool calls but no tools, the tools are declared from the history. With `tool_choice: none` the history's tool
 *   blocks go as text instead (`toolBlockAsText`) and no tools are sent.
 * - In a merged user turn tool results come first (Claude requires it); blank text is dropped (Converse rejects
 *   it) and a final assistant turn (a prefill) loses its trailing whitespace (Claude rejects it).
 * - Converse wants the conversation to start with a user turn ("A conversation must start with a user message"):
 *   one that starts with the assistant (a greeting after the system prompt, which OpenAI takes) or that has no turn
 *   at all (a system prompt alone) gets a user turn of `.` first (`LEADING_USER_TEXT`, LiteLLM's placeholder).
 * - A `toolChoice` the model does not take (`model-traits.ts`) is not sent: `required` or a named tool is then asked
 *   for in the system prompt (`toolChoiceInstruction`), or a named tool becomes `any` where the model takes that.
 * - `responseFormat` is best effort, as in the Anthropic adapter for what it cannot decode natively: an instruction (with the schema) as the last
 *   system block. Converse's native structured output (`outputConfig.textFormat`) is not used because only some
 *   models accept it and the others reject the whole request.
 * - Claude gets cache points where the client asked for caching by key but marked nothing (`withPromptCacheMarks`).
 * - Tool names go as Converse takes them (`bedrockToolNames`, in the specs, the choice and the history's tool uses;
 *   the adapter names the answer's calls back).
 */
export function translateRequest(client: CanonicalRequest, target: ProviderTarget): BedrockWire {
  const modelId = target.providerModel;
  const request = isAnthropicModel(modelId) ? withPromptCacheMarks(client) : client;
  const names = new DocumentNames();
  const toolNames = bedrockToolNames(request);
  const system: SystemBlock[] = [];
  const messages: { role: ConverseMessage['role']; content: ContentBlock[] }[] = [];
  const append = (role: ConverseMessage['role'], blocks: ContentBlock[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  for (const message of request.messages) {
    if (message.role === 'system') system.push(...systemBlocks(message));
    else if (message.role === 'assistant') append('assistant', message.content.flatMap((part) => assistantBlocks(part, toolNames)));
    else append('user', message.content.flatMap((part) => userBlocks(part, names)));
  }
  for (const turn of messages) if (turn.role === 'user') turn.content = withDocumentText(toolResultsFirst(turn.content));
  if (request.toolChoice?.type === 'none') for (const turn of messages) turn.content = turn.content.flatMap(toolBlockAsText);
  if (messages[0]?.role !== 'user') messages.unshift({ role: 'user', content: [{ text: LEADING_USER_TEXT }] });
  const final = messages.at(-1);
  if (final?.role === 'assistant') trimPrefill(final);
  const instruction = formatInstruction(request.responseFormat);
  if (instruction) system.push({ text: instruction });

  const { inferenceConfig, additionalModelRequestFields: modelFields } = planModelFields(request, modelId);
  const traits = bedrockModelTraits(modelId);
  const toolConfig = toolConfiguration(request.tools, request.toolChoice, messages, toolNames, traits);
  const choiceInstruction = toolConfig?.tools.some((t) => 'toolSpec' in t) ? toolChoiceInstruction(request.toolChoice, traits, toolNames) : undefined;
  if (choiceInstruction) system.push({ text: choiceInstruction });
  const serial = isAnthropicModel(modelId) && request.parallelToolCalls === false && toolConfig !== undefined && request.toolChoice?.type !== 'none';
  const additionalModelRequestFields = serial ? { ...modelFields, tool_choice: serialToolChoice(toolConfig) } : modelFields;
  const body: ConverseRequest = {
    messages: messages.filter((m) => m.content.length > 0),
    ...(system.length > 0 && { system }),
    ...(Object.keys(inferenceConfig).length > 0 && { inferenceConfig }),
    ...(toolConfig && { toolConfig }),
    ...(additionalModelRequestFields && { additionalModelRequestFields }),
    // Which stop sequence ended a Claude answer is in Claude's own response only (its message_delta), not in Converse's.
    ...(request.stop !== undefined && request.stop.length > 0 && isAnthropicModel(modelId) && { additionalModelResponseFieldPaths: [...STOP_SEQUENCE_PATHS] }),
  };
  return { modelId, body };
}

/**
 * A tool call or result of the history as text, for a request that allows no tool use: Converse has no "none", and
 * demands the tools be declared while the history holds tool blocks, which would let the model call them. As text
 * the history needs no declaration, so the request goes without tools and the model cannot call any.
 */
function toolBlockAsText(block: ContentBlock): ContentBlock[] {
  if ('toolUse' in block) return [{ text: `[Called tool ${block.toolUse.name} (call ${block.toolUse.toolUseId}) with input ${JSON.stringify(block.toolUse.input)}]` }];
  if (!('toolResult' in block)) return [block];
  const { toolUseId, content, status } = block.toolResult;
  const head = `[Result of tool call ${toolUseId}${status === 'error' ? ', which failed' : ''}:]`;
  return [{ text: head }, ...content.map((c): ContentBlock => ('json' in c ? { text: JSON.stringify(c.json) } : c))];
}

/** Tool results to the front of a user turn, each keeping the cachePoint that follows it. */
function toolResultsFirst(content: ContentBlock[]): ContentBlock[] {
  const units: ContentBlock[][] = [];
  for (const block of content) {
    if ('cachePoint' in block && units.length > 0) units.at(-1)!.push(block);
    else units.push([block]);
  }
  const isResult = (unit: ContentBlock[]): boolean => 'toolResult' in unit[0]!;
  return [...units.filter(isResult), ...units.filter((u) => !isResult(u))].flat();
}

/** Trailing whitespace off the last text of a final assistant turn; a text left blank goes. */
function trimPrefill(turn: { content: ContentBlock[] }): void {
  for (let i = turn.content.length - 1; i >= 0; i--) {
    const block = turn.content[i]!;
    if ('cachePoint' in block) continue;
    if (!('text' in block)) return;
    const text = block.text.trimEnd();
    if (text === '') turn.content.splice(i, 1);
    else turn.content[i] = { text };
    return;
  }
}

function systemBlocks(message: Message): SystemBlock[] {
  return message.content.flatMap((part): SystemBlock[] => (part.type === 'text' && !isBlank(part.text) ? withCachePoint({ text: part.text }, part.cacheControl) : []));
}

/** What Converse is given beside a document the client sent without any text. */
export const DOCUMENT_TEXT = 'See the attached document.';

function withDocumentText(content: ContentBlock[]): ContentBlock[] {
  if (!content.some((b) => 'document' in b) || content.some((b) => 'text' in b)) return content;
  return [...content, { text: DOCUMENT_TEXT }];
}

function userBlocks(part: ContentPart, names: DocumentNames): ContentBlock[] {
  switch (part.type) {
    case 'text':
      return isBlank(part.text) ? [] : withCachePoint({ text: part.text }, part.cacheControl);
    case 'image':
      return withCachePoint(imageBlock(part), part.cacheControl);
    case 'file':
      return withCachePoint(documentBlock(part, names), part.cacheControl);
    case 'tool-result':
      return withCachePoint(toolResultBlock(part, names), part.cacheControl);
    default:
      // Tool calls and reasoning belong to assistant turns.
      return [];
  }
}

function assistantBlocks(part: ContentPart, toolNames: ToolNames): ContentBlock[] {
  switch (part.type) {
    case 'text':
      return isBlank(part.text) ? [] : withCachePoint({ text: part.text }, part.cacheControl);
    case 'tool-call':
      return withCachePoint({ toolUse: { toolUseId: part.id, name: toolNames.toUpstream(part.name), input: toolInput(part.arguments) } }, part.cacheControl);
    case 'reasoning':
      if (part.redactedData) return [{ reasoningContent: { redactedContent: part.redactedData } }];
      if (part.signature) return [{ reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } }];
      return [];
    default:
      return [];
  }
}

export const EMPTY_TOOL_RESULT = '(no output)';

function toolResultBlock(part: ToolResultPart, names: DocumentNames): ContentBlock {
  const content = part.content.flatMap((c: MediaPart): ToolResultContent[] => {
    if (c.type === 'image') return [imageBlock(c)];
    if (c.type === 'file') return [documentBlock(c, names)];
    return isBlank(c.text) ? [] : [{ text: c.text }];
  });
  return {
    toolResult: {
      toolUseId: part.toolCallId,
      // Converse rejects blank text blocks here too; an empty result is still a result, so it gets a placeholder.
      content: content.length > 0 ? content : [{ text: EMPTY_TOOL_RESULT }],
      ...(part.isError && { status: 'error' as const }),
    },
  };
}

const IMAGE_FORMATS: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function imageBlock(part: ImagePart): ImageBlock {
  const source = inlineImage(part.source);
  if (!source) {
    throw invalidRequest(
      'image_url_not_supported',
      'Bedrock takes images only as inline data and the gateway does not fetch URLs: send the image base64-encoded (a data: URL).',
    );
  }
  const format = IMAGE_FORMATS[source.mediaType];
  if (!format) throw invalidRequest('unsupported_image_format', `Bedrock does not accept images of type ${source.mediaType} (png, jpeg, gif and webp only).`);
  return { image: { format, source: { bytes: source.data } } };
}

/**
 * Tool-call arguments (JSON text) as the JSON document Converse wants. Empty text is "no arguments"; arguments a
 * model once produced that are not JSON go back as `{}` (as in the Anthropic adapter) rather than failing the
 * whole conversation over an old turn.
 */
function toolInput(args: string): unknown {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    return {};
  }
}

function toolConfiguration(
  tools: readonly ToolDefinition[] | undefined,
  choice: ToolChoice | undefined,
  messages: readonly { content: readonly ContentBlock[] }[],
  toolNames: ToolNames,
  traits: BedrockModelTraits,
): ConverseRequest['toolConfig'] {
  const historyTools = new Set<string>();
  let historyHasTools = false;
  for (const m of messages) {
    for (const block of m.content) {
      if ('toolUse' in block) historyTools.add(block.toolUse.name);
      if ('toolUse' in block || 'toolResult' in block) historyHasTools = true;
    }
  }
  const declared = tools ?? [];
  // Converse has no "none": leave the tools out unless the history needs them declared.
  if (declared.length > 0 && (choice?.type !== 'none' || historyHasTools)) {
    const toolChoice = choice?.type === 'none' ? undefined : converseToolChoice(choice, toolNames, traits);
    return { tools: declared.flatMap((tool) => toolSpec(tool, toolNames)), ...(toolChoice && { toolChoice }) };
  }
  if (!historyHasTools) return undefined;
  const names = historyTools.size > 0 ? [...historyTools] : ['tool'];
  return {
    tools: names.map((name) => ({ toolSpec: { name, description: 'Declared by the gateway for a tool call in the conversation history.', inputSchema: { json: { type: 'object' } } } })),
  };
}

/**
 * Claude's `tool_choice` asking for at most one tool call (`disable_parallel_tool_use`), which Converse does not model
 * but Bedrock passes on from `additionalModelRequestFields`, merged key by key into the `tool_choice` it makes from
 * `toolConfig.toolChoice`. Beside a toolChoice the flag goes alone (a `type` there "conflicts with the existing field
 * toolConfig.toolChoice", BerriAI/litellm#36536); without one, Claude needs the type ("tool_choice.type: Field
 * required", BerriAI/litellm#22637), and `auto` is what no choice means.
 */
function serialToolChoice(toolConfig: NonNullable<ConverseRequest['toolConfig']>): Record<string, unknown> {
  return toolConfig.toolChoice ? { disable_parallel_tool_use: true } : { type: 'auto', disable_parallel_tool_use: true };
}

function toolSpec(tool: ToolDefinition, toolNames: ToolNames): (ToolSpec | CachePoint)[] {
  return withCachePoint(
    {
      toolSpec: {
        name: toolNames.toUpstream(tool.name),
        ...(tool.description !== undefined && tool.description !== '' && { description: tool.description }),
        inputSchema: { json: tool.parameters },
        ...(tool.strict === true && { strict: true }),
      },
    },
    tool.cacheControl,
  );
}

/** The client's tool choice as the model takes it (`traits.toolChoice`); undefined when it takes none of it. */
function converseToolChoice(choice: ToolChoice | undefined, toolNames: ToolNames, traits: BedrockModelTraits): ConverseToolChoice | undefined {
  const takes = traits.toolChoice;
  switch (choice?.type) {
    case 'auto':
      // Converse's default: a model that takes no toolChoice does the same without it.
      return takes.has('auto') ? { auto: {} } : undefined;
    case 'required':
      return takes.has('any') ? { any: {} } : undefined;
    case 'tool':
      if (takes.has('tool')) return { tool: { name: toolNames.toUpstream(choice.name) } };
      return takes.has('any') ? { any: {} } : undefined;
    default:
      return undefined;
  }
}

/**
 * What a tool choice the model does not take (`converseToolChoice` left it out, or made a named tool `any`) asks, as
 * a system instruction: the tools stay declared, and the model is told to call one, or the one named.
 */
export function toolChoiceInstruction(choice: ToolChoice | undefined, traits: BedrockModelTraits, toolNames: ToolNames): string | undefined {
  if (choice?.type === 'required' && !traits.toolChoice.has('any')) return 'Respond by calling one or more of the available tools, not with text.';
  if (choice?.type === 'tool' && !traits.toolChoice.has('tool')) return `Respond by calling the tool "${toolNames.toUpstream(choice.name)}", not with text and not with another tool.`;
  return undefined;
}

/** The system instruction asking for JSON output (`json_object`, or `json_schema` with its schema). */
export function formatInstruction(format: ResponseFormat | undefined): string | undefined {
  if (!format || format.type === 'text') return undefined;
  const rule = 'nothing else: no prose before or after it and no Markdown code fences.';
  if (format.type === 'json_object') return `Respond with a single valid JSON object and ${rule}`;
  return `Respond with a single JSON value that conforms to the JSON Schema "${format.name}" below, and ${rule}\n<json-schema>\n${JSON.stringify(format.schema)}\n</json-schema>`;
}

function withCachePoint<T>(block: T, cacheControl: CacheControl | undefined): (T | CachePoint)[] {
  if (!cacheControl) return [block];
  const ttl = cacheControl.ttl === '5m' || cacheControl.ttl === '1h' ? cacheControl.ttl : undefined;
  return [block, { cachePoint: { type: 'default', ...(ttl && { ttl }) } }];
}

/** Converse rejects blank text blocks ("The text field in the ContentBlock object is blank"). */
function isBlank(text: string): boolean {
  return text.trim() === '';
}

function invalidRequest(code: string, message: string): ProviderError {
  return { status: 400, type: 'invalid_request_error', code, message: `bedrock: ${message}`, provider: 'bedrock' };
}

import { checkDocuments } from './documents.js';

/**
 * The request checks Bedrock makes before a model sees a Converse request, with its messages, so an adapter that
 * breaks a rule fails here as it would against AWS: tool names of the API's pattern and length, alternating roles
 * starting with a user turn, no blank text, a toolConfig whenever tool blocks appear, tool results answering the calls
 * of the turn before, known block types, documents as `documents.ts` checks them, no `tool_choice.type` in
 * `additionalModelRequestFields` beside a `toolConfig.toolChoice`, temperature and topP within 0–1.
 * Returns the ValidationException message, or undefined when the request is acceptable.
 */

type Json = Record<string, unknown>;

const CONTENT_MEMBERS = ['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardContent', 'cachePoint', 'reasoningContent', 'citationsContent', 'searchResult'];
const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'];

export function validateConverse(body: unknown): string | undefined {
  if (!isObject(body)) return 'Malformed input request, please reformat your input and try again.';
  const constraints = toolNameViolations(body);
  if (constraints.length > 0) return `${constraints.length} validation error${constraints.length > 1 ? 's' : ''} detected: ${constraints.join('; ')}`;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'The model returned the following errors: messages: at least one message is required';

  let hasToolBlocks = false;
  let previousToolUseIds = new Set<string>();
  for (const [i, message] of messages.entries()) {
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) return `1 validation error detected: Value at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`;
    if (i === 0 && message.role !== 'user') return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
    if (i > 0 && (messages[i - 1] as Json).role === message.role) {
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    }
    const content = message.content;
    if (!Array.isArray(content) || content.length === 0) return `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`;
    const toolUseIds = new Set<string>();
    for (const [j, block] of content.entries()) {
      const where = `messages.${i}.content.${j}`;
      const members = isObject(block) ? Object.keys(block).filter((k) => CONTENT_MEMBERS.includes(k)) : [];
      if (members.length !== 1 || Object.keys(block as Json).length !== 1) return `The ContentBlock object at ${where} must set exactly one of the following keys: ${CONTENT_MEMBERS.join(', ')}.`;
      const b = block as Json;
      if ('text' in b && (typeof b.text !== 'string' || b.text.trim() === '')) return `The text field in the ContentBlock object at ${where} is blank. Add text to the text field, and try again.`;
      if ('image' in b) {
        const image = b.image as Json;
        if (!isObject(image) || !IMAGE_FORMATS.includes(image.format as string) || !isObject(image.source) || typeof image.source.bytes !== 'string') return `The image in the ContentBlock object at ${where} is malformed.`;
      }
      if ('cachePoint' in b && (b.cachePoint as Json)?.type !== 'default') return `The cachePoint in the ContentBlock object at ${where} must have type "default".`;
      if ('toolUse' in b) {
        hasToolBlocks = true;
        const use = b.toolUse as Json;
        if (message.role !== 'assistant' || typeof use?.toolUseId !== 'string' || typeof use.name !== 'string' || !('input' in use)) return `The toolUse block at ${where} is malformed.`;
        toolUseIds.add(use.toolUseId);
      }
      if ('toolResult' in b) {
        hasToolBlocks = true;
        const result = b.toolResult as Json;
        if (message.role !== 'user' || typeof result?.toolUseId !== 'string' || !Array.isArray(result.content)) return `The toolResult block at ${where} is malformed.`;
        for (const c of result.content as unknown[]) {
          if (isObject(c) && 'text' in c && (typeof c.text !== 'string' || c.text.trim() === '')) return `The text field in the ToolResultContentBlock object at ${where} is blank. Add text to the text field, and try again.`;
        }
        if (!previousToolUseIds.has(result.toolUseId)) {
          return `The model returned the following errors: ${where}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${result.toolUseId}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    }
    previousToolUseIds = toolUseIds;
  }
  const documentProblem = checkDocuments(messages as Json[]);
  if (documentProblem) return documentProblem;

  const toolConfig = body.toolConfig;
  if (hasToolBlocks && !isObject(toolConfig)) return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
  if (toolConfig !== undefined) {
    if (!isObject(toolConfig) || !Array.isArray(toolConfig.tools) || toolConfig.tools.length === 0) return 'The toolConfig field must contain at least one tool.';
    for (const [k, tool] of toolConfig.tools.entries()) {
      if (isObject(tool) && 'cachePoint' in tool) continue;
      const spec = isObject(tool) ? tool.toolSpec : undefined;
      if (!isObject(spec) || typeof spec.name !== 'string' || !isObject(spec.inputSchema) || !isObject(spec.inputSchema.json)) return `The tool at toolConfig.tools.${k} is malformed.`;
    }
    const choice = toolConfig.toolChoice;
    if (choice !== undefined && (!isObject(choice) || Object.keys(choice).length !== 1 || !['auto', 'any', 'tool'].includes(Object.keys(choice)[0]!))) return 'The toolChoice field is malformed.';
    // Bedrock makes Claude's `tool_choice` from `toolChoice` and merges the additional one into it, key by key.
    const extra = isObject(body.additionalModelRequestFields) ? body.additionalModelRequestFields.tool_choice : undefined;
    if (isObject(choice) && isObject(extra) && 'type' in extra) {
      return `The additional field tool_choice/type conflicts with the existing field toolConfig.toolChoice.${Object.keys(choice)[0]!}. Remove tool_choice/type and try again.`;
    }
  }
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) return 'The system field is malformed.';
    for (const [k, block] of body.system.entries()) {
      if (!isObject(block) || Object.keys(block).length !== 1) return `The SystemContentBlock at system.${k} must set exactly one key.`;
      if ('text' in block && (typeof block.text !== 'string' || block.text.trim() === '')) return `The text field in the SystemContentBlock object at system.${k} is blank. Add text to the text field, and try again.`;
    }
  }
  const maxTokens = isObject(body.inferenceConfig) ? body.inferenceConfig.maxTokens : undefined;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || (maxTokens as number) < 1)) return "1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1";
  const config = isObject(body.inferenceConfig) ? body.inferenceConfig : {};
  const outOfRange = (['temperature', 'topP'] as const).flatMap((field) => {
    const value = config[field];
    if (typeof value !== 'number') return [];
    const at = `Value '${javaFloat(value)}' at 'inferenceConfig.${field}' failed to satisfy constraint: Member must have value`;
    return value > 1 ? [`${at} less than or equal to 1`] : value < 0 ? [`${at} greater than or equal to 0`] : [];
  });
  if (outOfRange.length > 0) return `${outOfRange.length} validation error${outOfRange.length > 1 ? 's' : ''} detected: ${outOfRange.join('; ')}`;
  return undefined;
}

/**
 * A float as the service prints it in a constraint violation (Java's `Float.toString`: `99.0`, `1.5`): InferenceConfiguration
 * takes temperature and topP within 0–1 ("Valid Range: Minimum value of 0. Maximum value of 1."), for every model.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InferenceConfiguration.html
 */
function javaFloat(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** A tool name's pattern and length in ToolSpecification, SpecificToolChoice and ToolUseBlock alike. */
const TOOL_NAME = /^[a-zA-Z0-9_-]+$/;
const TOOL_NAME_MAX = 64;

/**
 * The constraint violations of the request's tool names, in the words of Bedrock's ValidationException (paths 1-based,
 * as the service writes them): the whole request is refused for one name.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolSpecification.html
 */
function toolNameViolations(body: Json): string[] {
  const named: [string, unknown][] = [];
  const config = isObject(body.toolConfig) ? body.toolConfig : {};
  if (Array.isArray(config.tools)) {
    for (const [k, tool] of config.tools.entries()) {
      if (isObject(tool) && isObject(tool.toolSpec)) named.push([`toolConfig.tools.${k + 1}.member.toolSpec.name`, tool.toolSpec.name]);
    }
  }
  if (isObject(config.toolChoice) && isObject(config.toolChoice.tool)) named.push(['toolConfig.toolChoice.tool.name', config.toolChoice.tool.name]);
  for (const [i, message] of (Array.isArray(body.messages) ? body.messages : []).entries()) {
    const content = isObject(message) && Array.isArray(message.content) ? message.content : [];
    for (const [j, block] of content.entries()) {
      if (isObject(block) && isObject(block.toolUse)) named.push([`messages.${i + 1}.member.content.${j + 1}.member.toolUse.name`, block.toolUse.name]);
    }
  }
  return named.flatMap(([path, name]) => {
    if (typeof name !== 'string') return [];
    const at = `Value '${name}' at '${path}' failed to satisfy constraint: Member must`;
    return [
      ...(TOOL_NAME.test(name) ? [] : [`${at} satisfy regular expression pattern: [a-zA-Z0-9_-]+`]),
      ...(name.length >= 1 ? [] : [`${at} have length greater than or equal to 1`]),
      ...(name.length <= TOOL_NAME_MAX ? [] : [`${at} have length less than or equal to ${TOOL_NAME_MAX}`]),
    ];
  });
}

/** Text of the last user message that has text (a turn of tool results alone is not what the user said). */
export function lastUserText(body: Json): string {
  const messages = (body.messages ?? []) as Json[];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const texts = (m.content as Json[]).flatMap((b) => (typeof b.text === 'string' ? [b.text] : []));
    if (texts.length > 0) return texts.join('\n');
  }
  return '';
}

/** Characters of the whole prompt (system, texts, tool calls and results), from which input tokens are derived. */
export function promptChars(body: Json): number {
  let chars = 0;
  for (const block of (body.system ?? []) as Json[]) if (typeof block.text === 'string') chars += block.text.length;
  for (const m of (body.messages ?? []) as Json[]) {
    for (const b of m.content as Json[]) {
      if (typeof b.text === 'string') chars += b.text.length;
      if (isObject(b.toolUse)) chars += JSON.stringify(b.toolUse.input ?? {}).length;
      if (isObject(b.toolResult)) for (const c of b.toolResult.content as Json[]) if (typeof c.text === 'string') chars += c.text.length;
    }
  }
  return chars;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

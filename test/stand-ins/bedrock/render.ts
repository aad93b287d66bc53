import { thinkingSignature } from '../anthropic/render.js';
import { argumentChunks, wordChunks, type ResolvedScript, type ScriptUsage } from '../script.js';
import { eventFrame } from './frames.js';
import { responseFields } from './response-fields.js';

/**
 * A resolved script in Bedrock's words: the Converse JSON response, or the ConverseStream event frames. Content
 * block order is reasoning, text, then one block per tool call, as Claude on Bedrock answers.
 */

const STOP_REASON: Readonly<Record<ResolvedScript['finish'], string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'guardrail_intervened',
};

/**
 * What the model answers one request: the script, cut where a stop sequence the request names
 * (`inferenceConfig.stopSequences`) first occurs in its text, which then stops with `stop_sequence`, as the model
 * would (Claude's text ends before the sequence, Amazon Nova's after it: Nova keeps the sequence in its output,
 * langchain-aws#420, litellm#9483); for a Claude model, the `additionalModelResponseFieldPaths` asked for. A script's
 * tool call whose arguments are not whole JSON is one the output limit cut off: the answer stops there with
 * `max_tokens`. Claude asked for at most one tool call (`disable_parallel_tool_use`) makes only the first.
 */
export interface Answer {
  readonly script: ResolvedScript;
  readonly stopReason: string;
  /** Which stop sequence matched, as Claude's own response says (null when none did). */
  readonly stopSequence: string | null;
  /** The pointers asked for, when the model is Claude (the only model whose own response the stand-in knows). */
  readonly fieldPaths: unknown;
}

export function planAnswer(given: ResolvedScript, body: Record<string, unknown>, modelId: string): Answer {
  const config = body.inferenceConfig as { stopSequences?: unknown } | undefined;
  const stops = Array.isArray(config?.stopSequences) ? config.stopSequences.filter((s): s is string => typeof s === 'string' && s !== '') : [];
  const fieldPaths = modelId.includes('anthropic.') ? body.additionalModelResponseFieldPaths : undefined;
  const script = modelId.includes('anthropic.') && serialToolUse(body) ? { ...given, toolCalls: given.toolCalls.slice(0, 1) } : given;
  // Arguments that are not whole JSON are a call the output limit cut off: the model stopped there.
  const cut = script.toolCalls.findIndex((call) => !isWholeJson(call.arguments));
  if (cut !== -1) return { script: { ...script, toolCalls: script.toolCalls.slice(0, cut + 1) }, stopReason: 'max_tokens', stopSequence: null, fieldPaths };
  const hit = script.finish !== 'stop' ? undefined : stops.map((s) => ({ s, at: script.text.indexOf(s) })).filter((h) => h.at !== -1).sort((a, b) => a.at - b.at)[0];
  if (!hit) return { script, stopReason: STOP_REASON[script.finish], stopSequence: null, fieldPaths };
  const text = script.text.slice(0, hit.at + (modelId.includes('amazon.nova') ? hit.s.length : 0));
  return { script: { ...script, text, textChunks: wordChunks(text) }, stopReason: 'stop_sequence', stopSequence: hit.s, fieldPaths };
}

/**
 * Whether Claude is asked for at most one tool call: Anthropic's `tool_choice.disable_parallel_tool_use`, which Bedrock
 * passes on from `additionalModelRequestFields`.
 */
function serialToolUse(body: Record<string, unknown>): boolean {
  const fields = body.additionalModelRequestFields as { tool_choice?: { disable_parallel_tool_use?: unknown } } | undefined;
  return fields?.tool_choice?.disable_parallel_tool_use === true;
}

function isWholeJson(args: string): boolean {
  try {
    JSON.parse(args || '{}');
    return true;
  } catch {
    return false;
  }
}

/**
 * A tool call's input as a whole Converse message gives it: its arguments, or for a call the output limit cut off, the
 * members that were complete (Claude's message keeps those and drops the one it was writing, anthropics/claude-code#45436;
 * Bedrock reports such a call with stopReason max_tokens, aws-samples/bedrock-access-gateway#197).
 */
function toolInput(args: string): unknown {
  if (isWholeJson(args)) return JSON.parse(args || '{}');
  const open: string[] = [];
  let complete: unknown = {};
  let inString = false;
  let escaped = false;
  const close = (prefix: string): void => {
    try {
      complete = JSON.parse(prefix + open.map((c) => (c === '{' ? '}' : ']')).reverse().join(''));
    } catch {
      // A member cut before its value: the last complete prefix stands.
    }
  };
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') open.push(c);
    else if (c === '}' || c === ']') {
      open.pop();
      close(args.slice(0, i + 1));
    } else if (c === ',') close(args.slice(0, i));
  }
  return complete;
}

/**
 * The stand-in's reasoning signature: Claude's, the same as the Anthropic stand-in writes for the same thinking, as
 * Anthropic documents ("signature values are compatible across platforms (Claude APIs, Amazon Bedrock, and Vertex AI)").
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#thinking-encryption
 */
export function reasoningSignature(reasoning: string): string {
  return thinkingSignature(reasoning);
}

/**
 * Bedrock's usage: `inputTokens` excludes cache reads and writes (the script's count includes them); the writes are
 * split by lifetime in `cacheDetails`, 1h before 5m.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
 */
export function wireUsage(usage: ScriptUsage): Record<string, unknown> {
  const uncached = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
  const oneHour = usage.cacheWrite1hTokens ?? 0;
  const details = [
    ...(oneHour > 0 ? [{ ttl: '1h', inputTokens: oneHour }] : []),
    ...(usage.cacheWriteTokens - oneHour > 0 ? [{ ttl: '5m', inputTokens: usage.cacheWriteTokens - oneHour }] : []),
  ];
  return {
    inputTokens: uncached,
    outputTokens: usage.outputTokens,
    totalTokens: usage.inputTokens + usage.outputTokens,
    ...(usage.cacheReadTokens > 0 && { cacheReadInputTokens: usage.cacheReadTokens }),
    ...(usage.cacheWriteTokens > 0 && { cacheWriteInputTokens: usage.cacheWriteTokens, cacheDetails: details }),
  };
}

export function converseResponse(answer: Answer): Record<string, unknown> {
  const { script } = answer;
  // Claude's own answer, as a whole message: the fields asked for are looked up in it.
  const fields = responseFields(answer.fieldPaths, { type: 'message', role: 'assistant', stop_sequence: answer.stopSequence });
  const content: Record<string, unknown>[] = [];
  if (script.reasoning) content.push({ reasoningContent: { reasoningText: { text: script.reasoning, signature: reasoningSignature(script.reasoning) } } });
  if (script.text !== '') content.push({ text: script.text });
  for (const call of script.toolCalls) content.push({ toolUse: { toolUseId: call.id, name: call.name, input: toolInput(call.arguments) } });
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: answer.stopReason,
    usage: wireUsage(script.usage),
    metrics: { latencyMs: 42 },
    ...(fields && { additionalModelResponseFields: fields }),
  };
}

/** One frame to send; `content` marks the deltas that count as chunks for the script's `afterChunks` faults. */
export interface StreamStep {
  readonly frame: Buffer;
  readonly content: boolean;
}

export function streamSteps(answer: Answer): StreamStep[] {
  const { script } = answer;
  const steps: StreamStep[] = [{ frame: eventFrame('messageStart', { role: 'assistant' }), content: false }];
  let block = 0;
  const delta = (delta: Record<string, unknown>): StreamStep => ({ frame: eventFrame('contentBlockDelta', { contentBlockIndex: block, delta }), content: true });
  const stop = (): StreamStep => ({ frame: eventFrame('contentBlockStop', { contentBlockIndex: block++ }), content: false });

  if (script.reasoning) {
    for (const text of script.reasoningChunks) steps.push(delta({ reasoningContent: { text } }));
    steps.push(delta({ reasoningContent: { signature: reasoningSignature(script.reasoning) } }), stop());
  }
  if (script.textChunks.length > 0) {
    for (const text of script.textChunks) steps.push(delta({ text }));
    steps.push(stop());
  }
  for (const call of script.toolCalls) {
    steps.push({ frame: eventFrame('contentBlockStart', { contentBlockIndex: block, start: { toolUse: { toolUseId: call.id, name: call.name } } }), content: false });
    for (const input of argumentChunks(call.arguments)) steps.push(delta({ toolUse: { input } }));
    steps.push(stop());
  }
  // Claude's own answer, streamed: the fields asked for are looked up in its message_delta event.
  const fields = responseFields(answer.fieldPaths, { type: 'message_delta', delta: { stop_sequence: answer.stopSequence } });
  steps.push({ frame: eventFrame('messageStop', { stopReason: answer.stopReason, ...(fields && { additionalModelResponseFields: fields }) }), content: false });
  steps.push({ frame: eventFrame('metadata', { usage: wireUsage(script.usage), metrics: { latencyMs: 42 } }), content: false });
  return steps;
}

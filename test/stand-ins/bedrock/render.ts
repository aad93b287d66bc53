import { createHash } from 'node:crypto';
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
 * would; for a Claude model, the `additionalModelResponseFieldPaths` asked for.
 */
export interface Answer {
  readonly script: ResolvedScript;
  readonly stopReason: string;
  /** Which stop sequence matched, as Claude's own response says (null when none did). */
  readonly stopSequence: string | null;
  /** The pointers asked for, when the model is Claude (the only model whose own response the stand-in knows). */
  readonly fieldPaths: unknown;
}

export function planAnswer(script: ResolvedScript, body: Record<string, unknown>, modelId: string): Answer {
  const config = body.inferenceConfig as { stopSequences?: unknown } | undefined;
  const stops = Array.isArray(config?.stopSequences) ? config.stopSequences.filter((s): s is string => typeof s === 'string' && s !== '') : [];
  const fieldPaths = modelId.includes('anthropic.') ? body.additionalModelResponseFieldPaths : undefined;
  const hit = script.finish !== 'stop' ? undefined : stops.map((s) => ({ s, at: script.text.indexOf(s) })).filter((h) => h.at !== -1).sort((a, b) => a.at - b.at)[0];
  if (!hit) return { script, stopReason: STOP_REASON[script.finish], stopSequence: null, fieldPaths };
  const text = script.text.slice(0, hit.at);
  return { script: { ...script, text, textChunks: wordChunks(text) }, stopReason: 'stop_sequence', stopSequence: hit.s, fieldPaths };
}

/** The stand-in's reasoning signature: deterministic, opaque, base64 like the real one. */
export function reasoningSignature(reasoning: string): string {
  return createHash('sha256').update(`stand-in:${reasoning}`).digest('base64');
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
  for (const call of script.toolCalls) content.push({ toolUse: { toolUseId: call.id, name: call.name, input: JSON.parse(call.arguments || '{}') } });
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

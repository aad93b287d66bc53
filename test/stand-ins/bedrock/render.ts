import { createHash } from 'node:crypto';
import { argumentChunks, type ResolvedScript, type ScriptUsage } from '../script.js';
import { eventFrame } from './frames.js';

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

export function stopReason(script: ResolvedScript): string {
  return STOP_REASON[script.finish];
}

/** The stand-in's reasoning signature: deterministic, opaque, base64 like the real one. */
export function reasoningSignature(reasoning: string): string {
  return createHash('sha256').update(`stand-in:${reasoning}`).digest('base64');
}

/** Bedrock's usage: `inputTokens` excludes cache reads and writes (the script's count includes them). */
export function wireUsage(usage: ScriptUsage): Record<string, number> {
  const uncached = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
  return {
    inputTokens: uncached,
    outputTokens: usage.outputTokens,
    totalTokens: usage.inputTokens + usage.outputTokens,
    ...(usage.cacheReadTokens > 0 && { cacheReadInputTokens: usage.cacheReadTokens }),
    ...(usage.cacheWriteTokens > 0 && { cacheWriteInputTokens: usage.cacheWriteTokens }),
  };
}

export function converseResponse(script: ResolvedScript): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (script.reasoning) content.push({ reasoningContent: { reasoningText: { text: script.reasoning, signature: reasoningSignature(script.reasoning) } } });
  if (script.text !== '') content.push({ text: script.text });
  for (const call of script.toolCalls) content.push({ toolUse: { toolUseId: call.id, name: call.name, input: JSON.parse(call.arguments || '{}') } });
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: stopReason(script),
    usage: wireUsage(script.usage),
    metrics: { latencyMs: 42 },
  };
}

/** One frame to send; `content` marks the deltas that count as chunks for the script's `afterChunks` faults. */
export interface StreamStep {
  readonly frame: Buffer;
  readonly content: boolean;
}

export function streamSteps(script: ResolvedScript): StreamStep[] {
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
  steps.push({ frame: eventFrame('messageStop', { stopReason: stopReason(script) }), content: false });
  steps.push({ frame: eventFrame('metadata', { usage: wireUsage(script.usage), metrics: { latencyMs: 42 } }), content: false });
  return steps;
}

import { argumentChunks, wordChunks, type ResolvedScript } from '../script.js';
import { anthropicId } from './wire.js';

/**
 * The shared script rendered as Anthropic's model would answer: a whole `message` object, or the exact stream of
 * events (message_start, per content block start / deltas / stop, message_delta, message_stop, one ping).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */

export type PlannedBlock =
  | { readonly type: 'thinking'; readonly chunks: readonly string[]; readonly signature: string }
  | { readonly type: 'text'; readonly chunks: readonly string[]; readonly citations: readonly Record<string, unknown>[] }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly arguments: string };

export interface ResponsePlan {
  readonly id: string;
  readonly model: string;
  readonly blocks: readonly PlannedBlock[];
  readonly stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
  readonly stopSequence: string | null;
  readonly usage: {
    readonly input: number;
    readonly cacheRead: number;
    readonly cacheWrite: number;
    /** The part of `cacheWrite` written for an hour. */
    readonly cacheWrite1h: number;
    readonly output: number;
    readonly thinking: number;
  };
}

/** One SSE event to send; `content` marks the content_block_delta events faults count (`afterChunks`). */
export interface Frame {
  readonly event: string;
  readonly data: unknown;
  readonly content: boolean;
}

/**
 * Plans the answer. A stop sequence the request names that occurs in the script's text cuts the text there and
 * stops with `stop_sequence`, as the model would. `max_tokens: 0` populates the prompt cache without generating a
 * response (`cacheOnly`): no content, `stop_reason: "max_tokens"`, the prompt counted (cache writes and reads too) and
 * no output.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
export function planResponse(script: ResolvedScript, model: string, stops: readonly string[], cacheOnly = false): ResponsePlan {
  if (cacheOnly) return { ...planResponse(script, model, stops), blocks: [], stopReason: 'max_tokens', stopSequence: null, usage: { ...promptUsage(script), output: 0, thinking: 0 } };
  let chunks = script.textChunks;
  let stopReason: ResponsePlan['stopReason'] =
    script.finish === 'tool_calls' ? 'tool_use' : script.finish === 'length' ? 'max_tokens' : script.finish === 'content_filter' ? 'refusal' : 'end_turn';
  let stopSequence: string | null = null;
  if (stopReason === 'end_turn') {
    const hit = stops
      .map((s) => ({ s, at: script.text.indexOf(s) }))
      .filter((h) => h.at !== -1)
      .sort((a, b) => a.at - b.at)[0];
    if (hit) {
      chunks = wordChunks(script.text.slice(0, hit.at));
      stopReason = 'stop_sequence';
      stopSequence = hit.s;
    }
  }
  const blocks: PlannedBlock[] = [];
  if (script.reasoning) blocks.push({ type: 'thinking', chunks: script.reasoningChunks, signature: thinkingSignature(script.reasoning) });
  if (chunks.length > 0) blocks.push({ type: 'text', chunks, citations: script.citations });
  for (const call of script.toolCalls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, arguments: call.arguments });
  return {
    id: anthropicId('msg_'),
    model,
    blocks,
    stopReason,
    stopSequence,
    usage: { ...promptUsage(script), output: script.usage.outputTokens, thinking: script.usage.reasoningTokens },
  };
}

/** The input side of the usage: Anthropic's input_tokens leaves out what was read from or written to the cache. */
function promptUsage(script: ResolvedScript): Pick<ResponsePlan['usage'], 'input' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h'> {
  const { inputTokens, cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens = 0 } = script.usage;
  return { input: Math.max(0, inputTokens - cacheReadTokens - cacheWriteTokens), cacheRead: cacheReadTokens, cacheWrite: cacheWriteTokens, cacheWrite1h: cacheWrite1hTokens };
}

/** The non-streaming answer: a complete `message`. */
export function wholeMessage(plan: ResponsePlan): unknown {
  return {
    ...messageEnvelope(plan),
    content: plan.blocks.map((b) => {
      switch (b.type) {
        case 'thinking': return { type: 'thinking', thinking: b.chunks.join(''), signature: b.signature };
        case 'text': return { type: 'text', text: b.chunks.join(''), ...(b.citations.length > 0 && { citations: b.citations }) };
        case 'tool_use': return { type: 'tool_use', id: b.id, name: b.name, input: parseInput(b.arguments) };
      }
    }),
    stop_reason: plan.stopReason,
    stop_sequence: plan.stopSequence,
    stop_details: stopDetails(plan),
    usage: { ...startUsage(plan), output_tokens: plan.usage.output, ...thinkingDetails(plan) },
  };
}

/** The streamed answer, event by event, exactly in Anthropic's order. */
export function streamFrames(plan: ResponsePlan): Frame[] {
  const frames: Frame[] = [];
  const push = (event: string, data: Record<string, unknown>, content = false) => frames.push({ event, data: { type: event, ...data }, content });
  push('message_start', {
    message: { ...messageEnvelope(plan), content: [], stop_reason: null, stop_sequence: null, stop_details: null, usage: { ...startUsage(plan), output_tokens: 1 } },
  });
  plan.blocks.forEach((block, index) => {
    const delta = (d: Record<string, unknown>) => push('content_block_delta', { index, delta: d }, true);
    const start = (contentBlock: Record<string, unknown>) => {
      push('content_block_start', { index, content_block: contentBlock });
      // Anthropic's keep-alive, sent early in the stream (after the first block opens).
      if (index === 0) push('ping', {});
    };
    switch (block.type) {
      case 'thinking':
        start({ type: 'thinking', thinking: '', signature: '' });
        for (const thinking of block.chunks) delta({ type: 'thinking_delta', thinking });
        delta({ type: 'signature_delta', signature: block.signature });
        break;
      case 'text':
        start({ type: 'text', text: '', ...(block.citations.length > 0 && { citations: [] }) });
        for (const text of block.chunks) delta({ type: 'text_delta', text });
        for (const citation of block.citations) delta({ type: 'citations_delta', citation });
        break;
      case 'tool_use':
        start({ type: 'tool_use', id: block.id, name: block.name, input: {} });
        // Anthropic opens every tool input with an empty piece.
        delta({ type: 'input_json_delta', partial_json: '' });
        for (const piece of argumentChunks(block.arguments)) if (piece !== '') delta({ type: 'input_json_delta', partial_json: piece });
        break;
    }
    push('content_block_stop', { index });
  });
  if (plan.blocks.length === 0) push('ping', {});
  push('message_delta', {
    delta: { stop_reason: plan.stopReason, stop_sequence: plan.stopSequence, stop_details: stopDetails(plan) },
    usage: {
      input_tokens: plan.usage.input,
      cache_creation_input_tokens: plan.usage.cacheWrite,
      cache_read_input_tokens: plan.usage.cacheRead,
      output_tokens: plan.usage.output,
      ...thinkingDetails(plan),
    },
  });
  push('message_stop', {});
  return frames;
}

function messageEnvelope(plan: ResponsePlan): Record<string, unknown> {
  return { id: plan.id, type: 'message', role: 'assistant', model: plan.model };
}

function startUsage(plan: ResponsePlan): Record<string, unknown> {
  return {
    input_tokens: plan.usage.input,
    cache_creation_input_tokens: plan.usage.cacheWrite,
    cache_read_input_tokens: plan.usage.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: plan.usage.cacheWrite - plan.usage.cacheWrite1h, ephemeral_1h_input_tokens: plan.usage.cacheWrite1h },
    service_tier: 'standard',
  };
}

function thinkingDetails(plan: ResponsePlan): Record<string, unknown> {
  return plan.usage.thinking > 0 ? { output_tokens_details: { thinking_tokens: plan.usage.thinking } } : {};
}

function stopDetails(plan: ResponsePlan): unknown {
  return plan.stopReason === 'refusal' ? { type: 'refusal', category: null, explanation: null } : null;
}

/**
 * A deterministic stand-in for Anthropic's opaque thinking signature, bound to the thinking it signs as Anthropic's is
 * (`request.ts` refuses a thinking block that does not carry it).
 */
export function thinkingSignature(reasoning: string): string {
  return Buffer.from(`stand-in-signature:${reasoning.length}:${reasoning.slice(0, 32)}`).toString('base64');
}

function parseInput(args: string): unknown {
  try {
    return JSON.parse(args === '' ? '{}' : args);
  } catch {
    return {};
  }
}

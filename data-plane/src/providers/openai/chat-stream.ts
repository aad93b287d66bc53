import type { ProviderError } from '../../canonical/errors.js';
import { brokenStreamError } from '../../upstream/errors.js';
import { parseSse } from '../../upstream/sse.js';
import type { StreamEvent } from '../types.js';
import { convertUsage } from './convert-usage.js';
import { finishError, streamError } from './errors.js';
import { mapFinishReason } from './map-finish-reason.js';
import { ToolCallSequencer } from './tool-call-sequencer.js';
import { OpenAiChunk, type OpenAiUsage } from './wire.js';

/**
 * A chat completions SSE body → canonical events. Each `data:` is parsed once and checked against the chunk
 * schema; a chunk that is not JSON or does not fit becomes an `error` event. The `finish` event waits for the end
 * of the stream (`[DONE]`), because with `include_usage` the usage comes in a last chunk after `finish_reason`.
 *
 * Ending: `[DONE]` or a clean end of body after a `finish_reason` → `finish` (servers that skip `[DONE]` or the
 * usage chunk are tolerated; usage is then unknown, not zero). A body that breaks off, ends cleanly without a
 * `finish_reason`, or with one that says it failed (`abort`, `error`: see `mapFinishReason`) → `error`: a truncated
 * answer must never look like a complete one.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export async function* chatStreamEvents(provider: string, body: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  const sequencer = new ToolCallSequencer();
  let metadataSent = false;
  let contentSent = false;
  let finishReason: string | undefined;
  let stopReason: string | number | null | undefined;
  /** The error the finishing choice carried (OpenRouter's, with `finish_reason: "error"`). */
  let choiceError: OpenAiChunk['error'];
  /** The index and id of the last tool call that came without an index. */
  let unindexed = 0;
  let unindexedId: string | undefined;
  /** A tool call arrived: a `stop` finish is then a tool-calls one (see `mapFinishReason`). */
  let toolCalled = false;
  let usage: OpenAiUsage | undefined;
  let serviceTier: string | undefined;

  try {
    for await (const sse of parseSse(body)) {
      if (sse.data === '[DONE]') break;
      const chunk = parseChunk(provider, sse.data);
      if (chunk.kind === 'invalid') {
        yield { type: 'error', error: chunk.error };
        return;
      }
      const data = chunk.data;
      if (data.error) {
        yield { type: 'error', error: streamError(provider, data.error) };
        return;
      }
      // Azure's first chunk carries only prompt_filter_results, with an empty id and model.
      if (!metadataSent && !contentSent && (data.id || data.model)) {
        metadataSent = true;
        yield { type: 'response-metadata', ...(data.id && { id: data.id }), ...(data.model && { model: data.model }) };
      }
      if (data.usage) usage = data.usage;
      if (data.service_tier) serviceTier = data.service_tier;
      // n=1: the gateway only ever asks for one choice.
      const choice = data.choices?.find((c) => (c.index ?? 0) === 0);
      if (!choice) continue;
      const delta = choice.delta;
      if (delta) {
        const events: StreamEvent[] = [];
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning) events.push(...sequencer.reasoning(reasoning));
        if (delta.content) events.push(...sequencer.text(delta.content));
        if (delta.refusal) events.push(...sequencer.text(delta.refusal));
        if ((delta.tool_calls?.length ?? 0) > 0 || delta.function_call) toolCalled = true;
        for (const call of delta.tool_calls ?? []) {
          // Without `index` (Gemini's OpenAI-compatible API sends each call whole), a new id is a new call.
          if (call.index == null && call.id != null) {
            if (unindexedId !== undefined && call.id !== unindexedId) unindexed++;
            unindexedId = call.id;
          }
          events.push(...sequencer.toolCall(call.index ?? unindexed, call.id ?? undefined, call.function?.name ?? undefined, call.function?.arguments ?? undefined));
        }
        if (delta.function_call) {
          const fc = delta.function_call;
          events.push(...sequencer.toolCall(0, fc.name ? `call_${fc.name}` : undefined, fc.name ?? undefined, fc.arguments ?? undefined));
        }
        for (const event of events) {
          contentSent = true;
          yield event;
        }
      }
      if (choice.finish_reason) {
        finishReason = choice.finish_reason;
        stopReason = choice.stop_reason;
        choiceError = choice.error;
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    yield { type: 'error', error: brokenStreamError(err, provider) };
    return;
  }

  if (finishReason === undefined) {
    yield { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: `${provider}: the stream ended before the response finished`, provider } };
    return;
  }
  const finish = mapFinishReason(finishReason, stopReason, toolCalled);
  if (finish.unified === 'error') {
    yield { type: 'error', error: finishError(provider, finishReason, choiceError) };
    return;
  }
  yield* sequencer.flush();
  yield { type: 'finish', finishReason: finish, usage: convertUsage(usage, serviceTier) };
}

type ParsedChunk = { kind: 'ok'; data: OpenAiChunk } | { kind: 'invalid'; error: ProviderError };

function parseChunk(provider: string, data: string): ParsedChunk {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { kind: 'invalid', error: invalidChunk(provider, `not JSON: ${data.slice(0, 200)}`) };
  }
  const parsed = OpenAiChunk.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', error: invalidChunk(provider, `${issue?.path.join('.') || 'chunk'}: ${issue?.message ?? 'does not match'}`) };
  }
  return { kind: 'ok', data: parsed.data };
}

function invalidChunk(provider: string, detail: string): ProviderError {
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `${provider}: unreadable stream chunk (${detail})`, provider };
}

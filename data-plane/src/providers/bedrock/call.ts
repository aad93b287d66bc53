import { cappedOutput, outputCapFrom } from '../output-cap.js';
import { upstreamJson } from '../drop-params.js';
import { deploymentTimeouts } from '../../upstream/timeouts.js';
import type { ProviderError } from '../../canonical/errors.js';
import { headerValue, upstreamRequest } from '../../upstream/http.js';
import type { CanonicalRequest, ProviderCall, StreamEvent } from '../types.js';
import { bedrockRequest } from './api.js';
import { bedrockHttpError } from './bedrock-error.js';
import type { BedrockWire } from './canonical-to-converse.js';
import { converseStreamEvents } from './converse-stream-to-canonical.js';
import { converseResponseEvents } from './converse-to-canonical.js';
import { bedrockModelTraits } from './model-traits.js';
import { isAnthropicModel } from './thinking.js';

/**
 * Calls Converse (non-streaming requests) or ConverseStream (streaming ones) and yields canonical events: the
 * request id (`x-amzn-requestid`) and model first, then the mapped response; an HTTP error is one `error` event.
 * The call's signal aborts the upstream request, and with it the socket, the moment the client goes away; a
 * consumer that stops iterating closes the body the same way.
 *
 * - A streaming request with tools to a model that takes no tools in ConverseStream (`model-traits.ts`: Llama,
 *   Mistral, Cohere… answer "This model doesn't support tool use in streaming mode.") goes to Converse, and the whole
 *   answer is replayed as the same canonical events a stream gives, so the client streams as it asked.
 * - `response-metadata` waits for the answer's first content (or its finish), as in the Gemini adapter: an error
 *   before it (an `exception` as the stream's first message: throttling, service unavailable…; a filter that blocked
 *   everything) comes first, after at most the `usage` Bedrock reported, so the router can still retry elsewhere and
 *   the client still gets a real HTTP status.
 */
export async function* callBedrock(given: BedrockWire, call: ProviderCall, request: CanonicalRequest): AsyncGenerator<StreamEvent> {
  const replayed = request.stream && given.body.toolConfig !== undefined && !bedrockModelTraits(given.modelId).streamsToolUse;
  const operation = request.stream && !replayed ? 'converse-stream' : 'converse';
  const asked = given.body.inferenceConfig?.maxTokens;
  const wire = (asked !== undefined && withOutputLimit(given, cappedOutput(call.target, asked))) || given;
  const http = bedrockRequest({ target: call.target, secrets: call.secrets, modelId: wire.modelId, operation, body: upstreamJson(call.target, wire.body) });
  const response = await upstreamRequest({ url: http.url, headers: http.headers, body: http.body, signal: call.signal, ...deploymentTimeouts(call.target) });
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const error = await bedrockHttpError(response);
    // More output than the model takes (see output-cap.ts): at once again, with what it takes.
    const limit = wire.body.inferenceConfig?.maxTokens;
    const cap = limit === undefined ? undefined : outputCapFrom(call.target, error, limit);
    const retry = cap === undefined ? undefined : withOutputLimit(wire, cap);
    if (retry !== undefined) {
      yield* callBedrock(retry, call, request);
      return;
    }
    yield { type: 'error', error };
    return;
  }
  const requestId = headerValue(response.headers, 'x-amzn-requestid');
  const stopSequences = wire.body.inferenceConfig?.stopSequences ?? [];
  // Claude stops before a stop sequence; other models (Nova) leave it at the end of their text.
  const leavesStopSequence = !isAnthropicModel(wire.modelId);
  const metadata: StreamEvent = { type: 'response-metadata', ...(requestId && { id: requestId }), model: wire.modelId };
  if (operation === 'converse-stream') {
    yield* metadataFirst(metadata, converseStreamEvents(response.body, stopSequences, leavesStopSequence));
    return;
  }
  let json: unknown;
  try {
    json = await response.body.json();
  } catch (err) {
    if (call.signal.aborted) return;
    yield { type: 'error', error: unreadable(err) };
    return;
  }
  yield* metadataFirst(metadata, converseResponseEvents(json, stopSequences, leavesStopSequence));
}

/**
 * `events` with `metadata` before the first of them that is neither `usage` nor `error`: an answer that fails before
 * its first content yields no metadata (the usage events held back until then go out before the error).
 */
async function* metadataFirst(metadata: StreamEvent, events: AsyncIterable<StreamEvent> | Iterable<StreamEvent>): AsyncGenerator<StreamEvent> {
  const held: StreamEvent[] = [];
  let started = false;
  for await (const event of events) {
    if (!started) {
      if (event.type === 'usage') {
        held.push(event);
        continue;
      }
      if (event.type !== 'error') {
        started = true;
        yield metadata;
      }
      yield* held.splice(0);
    }
    yield event;
  }
  yield* held;
}

function unreadable(err: unknown): ProviderError {
  const detail = err instanceof Error ? err.message : String(err);
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `bedrock: unreadable Converse response (${detail})`, provider: 'bedrock' };
}

/** `wire` asking for at most `maxTokens`; undefined when Claude's thinking budget leaves no room for an answer in it. */
function withOutputLimit(wire: BedrockWire, maxTokens: number): BedrockWire | undefined {
  const config = wire.body.inferenceConfig;
  if (config?.maxTokens === maxTokens) return wire;
  const thinking = wire.body.additionalModelRequestFields?.thinking as { budget_tokens?: number } | undefined;
  if (thinking?.budget_tokens !== undefined && thinking.budget_tokens >= maxTokens) return undefined;
  return { ...wire, body: { ...wire.body, inferenceConfig: { ...config, maxTokens } } };
}

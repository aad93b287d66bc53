import { upstreamJson } from '../drop-params.js';
import { deploymentTimeouts } from '../../upstream/timeouts.js';
import type { ProviderError } from '../../canonical/errors.js';
import { headerValue, upstreamRequest, type UpstreamResponse } from '../../upstream/http.js';
import type { ProviderCall, StreamEvent } from '../types.js';
import type { UpstreamEndpoint } from './api.js';
import { chatResponseEvents } from './chat-response.js';
import { chatStreamEvents } from './chat-stream.js';
import { openAiHttpError, type ContentPolicyCheck } from './errors.js';
import type { OpenAiChatBody } from './wire.js';
import { refusedStreamOptions } from './stream-options.js';
import { cappedOutput, outputCapFrom } from '../output-cap.js';

export interface OpenAiCallOptions {
  readonly provider: string;
  readonly endpoint: UpstreamEndpoint;
  /** Flags a provider's safety-system error bodies (`content_policy_violation`). */
  readonly contentPolicy?: ContentPolicyCheck;
}

/**
 * POSTs the body and turns the answer into canonical events: SSE when the body asks to stream, one JSON object
 * otherwise, an HTTP error as one `error` event. The call's signal aborts the upstream request (and with it the
 * socket) when the client goes away; so does a consumer that stops iterating.
 */
export async function* callChat(body: OpenAiChatBody, call: ProviderCall, options: OpenAiCallOptions): AsyncGenerator<StreamEvent> {
  const { provider, endpoint } = options;
  const stream = body.stream === true;
  const limitField = typeof body.max_completion_tokens === 'number' ? 'max_completion_tokens' : typeof body.max_tokens === 'number' ? 'max_tokens' : undefined;
  const asked = limitField === undefined ? undefined : (body[limitField] as number);
  const limit = asked === undefined ? undefined : cappedOutput(call.target, asked);
  const wire = limit === asked ? body : { ...body, [limitField!]: limit };
  const response = await upstreamRequest({
    url: endpoint.url,
    headers: { ...endpoint.headers, accept: stream ? 'text/event-stream' : 'application/json' },
    body: upstreamJson(call.target, wire),
    signal: call.signal,
    ...deploymentTimeouts(call.target),
  });
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const error = await openAiHttpError(provider, response, options.contentPolicy);
    if (stream && wire.stream_options !== undefined && refusedStreamOptions(call.target, error)) {
      // The deployment takes no stream_options (see stream-options.ts): at once again, without.
      const { stream_options: _, ...without } = wire;
      yield* callChat(without, call, options);
      return;
    }
    const cap = limit === undefined ? undefined : outputCapFrom(call.target, error, limit);
    if (cap !== undefined) {
      // More output than the model (or the room its context leaves) takes: at once again, with what it takes.
      yield* callChat({ ...wire, [limitField!]: cap }, call, options);
      return;
    }
    yield { type: 'error', error };
    return;
  }
  if (stream && isEventStream(response)) {
    yield* chatStreamEvents(provider, response.body, call.signal);
    return;
  }
  // A server that ignored `stream: true` and answered with JSON is still answered.
  let json: unknown;
  try {
    json = await response.body.json();
  } catch (err) {
    if (call.signal.aborted) return;
    yield { type: 'error', error: unreadable(provider, err) };
    return;
  }
  yield* chatResponseEvents(provider, json);
}

function isEventStream(response: UpstreamResponse): boolean {
  return (headerValue(response.headers, 'content-type') ?? '').includes('text/event-stream');
}

function unreadable(provider: string, err: unknown): ProviderError {
  const detail = err instanceof Error ? err.message : String(err);
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `${provider}: unreadable response (${detail})`, provider };
}

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

/**
 * Calls Converse (non-streaming requests) or ConverseStream (streaming ones) and yields canonical events: the
 * request id (`x-amzn-requestid`) and model first, then the mapped response; an HTTP error is one `error` event.
 * The call's signal aborts the upstream request, and with it the socket, the moment the client goes away; a
 * consumer that stops iterating closes the body the same way.
 */
export async function* callBedrock(wire: BedrockWire, call: ProviderCall, request: CanonicalRequest): AsyncGenerator<StreamEvent> {
  const operation = request.stream ? 'converse-stream' : 'converse';
  const http = bedrockRequest({ target: call.target, secrets: call.secrets, modelId: wire.modelId, operation, body: upstreamJson(call.target, wire.body) });
  const response = await upstreamRequest({ url: http.url, headers: http.headers, body: http.body, signal: call.signal, ...deploymentTimeouts(call.target) });
  if (response.statusCode < 200 || response.statusCode >= 300) {
    yield { type: 'error', error: await bedrockHttpError(response) };
    return;
  }
  const requestId = headerValue(response.headers, 'x-amzn-requestid');
  yield { type: 'response-metadata', ...(requestId && { id: requestId }), model: wire.modelId };
  if (operation === 'converse-stream') {
    yield* converseStreamEvents(response.body);
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
  yield* converseResponseEvents(json);
}

function unreadable(err: unknown): ProviderError {
  const detail = err instanceof Error ? err.message : String(err);
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `bedrock: unreadable Converse response (${detail})`, provider: 'bedrock' };
}

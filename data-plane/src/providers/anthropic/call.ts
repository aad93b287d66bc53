import type { StreamEvent } from '../../canonical/events.js';
import type { UpstreamResponse } from '../../upstream/http.js';
import { parseSse } from '../../upstream/sse.js';
import type { ProviderCall } from '../types.js';
import { postAnthropic } from './api.js';
import { mapAnthropicMessage } from './map-message.js';
import { AnthropicStreamMapper } from './map-stream.js';
import type { AnthropicMessagesRequest } from './wire.js';

/** How long to wait for the end of an upstream body after message_stop before giving up the connection. */
const DRAIN_MS = 5_000;

/**
 * `POST /v1/messages`, streamed when the request says so (SSE, mapped event by event) or whole otherwise (the same
 * canonical events from the complete message). Failures are thrown as `ProviderError`s or network errors and
 * become the stream's `error` event in `defineProvider`; an abort ends the stream quietly there.
 */
export async function* callMessages(
  wire: AnthropicMessagesRequest,
  call: ProviderCall,
  clientHeaders?: Readonly<Record<string, string>>,
): AsyncGenerator<StreamEvent> {
  const stream = wire.stream === true;
  const response = await postAnthropic('messages', wire, call, stream, clientHeaders);
  if (!stream) {
    const json: unknown = await response.body.json();
    yield* mapAnthropicMessage(json);
    return;
  }
  const mapper = new AnthropicStreamMapper();
  try {
    // The iterator must not destroy the body when the mapper is done early: see `release`.
    for await (const sse of parseSse(response.body.iterator({ destroyOnReturn: false }))) {
      yield* mapper.pushSse(sse);
      if (mapper.done) return;
    }
    yield* mapper.end();
  } finally {
    release(response, mapper.done && !call.signal.aborted);
  }
}

/**
 * Frees the upstream body. After message_stop (or an error event) Anthropic ends the response; reading that end
 * keeps the keep-alive connection for the next request, where destroying the body would close it. Otherwise (the
 * consumer stopped early, an abort, a failure) the body is destroyed, which closes the upstream socket at once.
 */
function release(response: UpstreamResponse, drain: boolean): void {
  const { body } = response;
  if (body.destroyed || body.readableEnded) return;
  if (drain) void body.dump({ limit: Number.MAX_SAFE_INTEGER, signal: AbortSignal.timeout(DRAIN_MS) }).catch(() => undefined);
  else body.destroy();
}

import type { StreamEvent } from '../../canonical/events.js';
import type { UpstreamResponse } from '../../upstream/http.js';
import { parseSse } from '../../upstream/sse.js';
import { isProviderError } from '../../upstream/errors.js';
import { cappedOutput, outputCapFrom } from '../output-cap.js';
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
  body: AnthropicMessagesRequest,
  call: ProviderCall,
  clientHeaders?: Readonly<Record<string, string>>,
): AsyncGenerator<StreamEvent> {
  const stream = body.stream === true;
  const wire = withOutputLimit(body, cappedOutput(call.target, body.max_tokens)) ?? body;
  let response: UpstreamResponse;
  try {
    response = await postAnthropic('messages', wire, call, stream, clientHeaders);
  } catch (err) {
    // More output than the model takes (see output-cap.ts): at once again, with what it takes.
    const cap = isProviderError(err) ? outputCapFrom(call.target, err, wire.max_tokens) : undefined;
    const retry = cap === undefined ? undefined : withOutputLimit(wire, cap);
    if (retry === undefined) throw err;
    yield* callMessages(retry, call, clientHeaders);
    return;
  }
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
 * `wire` asking for at most `maxTokens`, its thinking budget kept below it as Anthropic requires; undefined when the
 * budget leaves no room for an answer in that limit.
 */
function withOutputLimit(wire: AnthropicMessagesRequest, maxTokens: number): AnthropicMessagesRequest | undefined {
  if (maxTokens === wire.max_tokens) return wire;
  const budget = wire.thinking?.type === 'enabled' ? wire.thinking.budget_tokens : undefined;
  if (budget !== undefined && budget >= maxTokens) return undefined;
  return { ...wire, max_tokens: maxTokens };
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

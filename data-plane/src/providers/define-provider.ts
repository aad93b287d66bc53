import type { StreamEvent } from '../canonical/events.js';
import { brokenStreamError, toProviderError } from '../upstream/errors.js';
import { foreignReasoningRemoved } from './foreign-reasoning.js';
import type { CanonicalRequest, Provider, ProviderAdapter, ProviderCall } from './types.js';

/**
 * Composes an adapter's stages into a `Provider`, and guarantees the stream contract generic code relies on:
 * nothing throws (a throw becomes an `error` event), nothing follows `finish`/`error`, and a stream that ends
 * without either ends with an `error` event. A connection that breaks once the adapter has yielded something (the
 * provider was answering) is reported as a broken answer, not as a provider that could not be reached
 * (`brokenStreamError`). An adapter never sees reasoning another provider signed (`foreignReasoningRemoved`). A
 * request that allows no parallel tool calls gets at most one, whatever the provider (Gemini and Bedrock have no such
 * switch): calls after the first are left out.
 */
export function defineProvider<Wire>(adapter: ProviderAdapter<Wire>): Provider {
  return {
    kind: adapter.kind,
    chat: (request, call) => guarded(adapter, request, call),
    ...(adapter.embed && { embed: adapter.embed.bind(adapter) }),
    ...(adapter.countTokens && { countTokens: adapter.countTokens.bind(adapter) }),
    ...(adapter.forward && { forward: adapter.forward }),
  };
}

async function* guarded<Wire>(adapter: ProviderAdapter<Wire>, canonical: CanonicalRequest, call: ProviderCall): AsyncGenerator<StreamEvent> {
  /** The adapter has yielded an event: the provider's answer had begun. */
  let answering = false;
  try {
    const request = foreignReasoningRemoved(canonical, adapter.kind);
    const wire = adapter.translateRequest(request, call.target);
    // The index of the one tool call let through (-1: none yet), when only one is allowed.
    let only = request.parallelToolCalls === false ? -1 : undefined;
    for await (const event of adapter.call(wire, call, request)) {
      answering = true;
      if (only !== undefined && (event.type === 'tool-call-start' || event.type === 'tool-call-delta' || event.type === 'tool-call-end')) {
        if (only === -1) only = event.index;
        if (event.index !== only) continue;
      }
      yield event;
      if (event.type === 'finish' || event.type === 'error') return;
    }
  } catch (err) {
    if (call.signal.aborted) return;
    yield { type: 'error', error: answering ? brokenStreamError(err, adapter.kind) : toProviderError(err, adapter.kind) };
    return;
  }
  if (call.signal.aborted) return;
  yield { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: `${adapter.kind} provider ended its stream without finishing`, provider: adapter.kind } };
}

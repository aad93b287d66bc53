import type { CanonicalChatRequest, Provider, ProviderAdapter, ProviderCall, ProviderStreamEvent } from './types.js';

/**
 * Composes an adapter's stages into a `Provider`, and guarantees the stream contract generic code relies on:
 * nothing throws (a throw becomes an `error` event), nothing follows `finish`/`error`, and a stream that ends
 * without either ends with an `error` event.
 */
export function defineProvider<Wire>(adapter: ProviderAdapter<Wire>): Provider {
  return {
    kind: adapter.kind,
    chat: (request, call) => guarded(adapter, request, call),
  };
}

async function* guarded<Wire>(
  adapter: ProviderAdapter<Wire>,
  request: CanonicalChatRequest,
  call: ProviderCall,
): AsyncGenerator<ProviderStreamEvent> {
  try {
    const wire = adapter.translateRequest(request, call.target);
    for await (const event of adapter.call(wire, call)) {
      yield event;
      if (event.type !== 'text-delta') return;
    }
  } catch (err) {
    if (call.signal.aborted) return;
    yield { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: `${adapter.kind} provider failed: ${errorText(err)}` } };
    return;
  }
  if (call.signal.aborted) return;
  yield { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: `${adapter.kind} provider ended its stream without finishing` } };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

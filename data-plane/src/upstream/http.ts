import { Agent, request, type Dispatcher } from 'undici';

/**
 * The one way adapters reach providers: undici's `request` over a shared keep-alive pool (one pool per origin,
 * created on first use). `request` is much cheaper per call than `fetch` and hands back the body as an async
 * iterable of Buffers, which the SSE parser and the pass-through consume without copies.
 */
const agent = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  connections: 256,
  // Time to the first response byte (headers) and between body chunks; adapters override per deployment.
  headersTimeout: 600_000,
  bodyTimeout: 600_000,
});

export interface UpstreamRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer | Uint8Array;
  readonly signal: AbortSignal;
  /** Milliseconds to wait for response headers (time to first byte). */
  readonly headersTimeoutMs?: number;
  /** Milliseconds allowed between two body chunks. */
  readonly bodyTimeoutMs?: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** Sends one request upstream. Rejects on network failure, timeout or abort (see `toProviderError`). */
export function upstreamRequest(req: UpstreamRequest): Promise<UpstreamResponse> {
  return request(req.url, {
    method: req.method ?? 'POST',
    headers: req.headers,
    body: req.body ?? null,
    signal: req.signal,
    dispatcher: agent,
    ...(req.headersTimeoutMs !== undefined && { headersTimeout: req.headersTimeoutMs }),
    ...(req.bodyTimeoutMs !== undefined && { bodyTimeout: req.bodyTimeoutMs }),
  });
}

/** Header value as one string (undici gives arrays for repeated headers). */
export function headerValue(headers: UpstreamResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Closes every pooled connection (data-plane shutdown). */
export function closeUpstreamPool(): Promise<void> {
  return agent.close();
}

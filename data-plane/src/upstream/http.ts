import type { Dispatcher } from 'undici';
import { deadlines, type Watched } from './deadlines.js';
import { undici } from './undici.js';

/**
 * The one way adapters reach providers: undici's `request` over a shared keep-alive pool (one pool per origin,
 * created on first use). `request` is much cheaper per call than `fetch` and hands back the body as an async
 * iterable of Buffers, which the SSE parser and the pass-through consume without copies.
 */
const agent = new undici.Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  connections: 256,
  // Time to the first response byte (headers) and between body chunks; adapters override per deployment.
  headersTimeout: 600_000,
  bodyTimeout: 600_000,
});

export interface UpstreamRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer | Uint8Array;
  readonly signal: AbortSignal;
  /** Milliseconds to wait for response headers (time to first byte). */
  readonly headersTimeoutMs?: number;
  /** Milliseconds allowed between two body chunks. */
  readonly bodyTimeoutMs?: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * Whether `err` says the upstream closed a connection that had answered before (a pooled keep-alive one) with no
 * byte of this request's answer. Servers that close idle connections after a few seconds without announcing it
 * (uvicorn after 5 s: vLLM, LiteLLM and most Python servers) do so now and then just as a request goes out on one;
 * measured against such a server, 1.7% of requests sent within 3 ms of its idle close failed so. Sent once more at
 * once, it goes out on another connection and is answered. (Had the server read the request and then died, it gets
 * what the router's own retry would give it, without the wait.)
 */
export function staleConnection(err: unknown): boolean {
  const e = err as { code?: unknown; socket?: { bytesRead?: unknown } } | null | undefined;
  return e?.code === 'UND_ERR_SOCKET' && typeof e.socket?.bytesRead === 'number' && e.socket.bytesRead > 0;
}

/**
 * Sends one request upstream, once more at once if its pooled connection turns out closed (`staleConnection`).
 * Rejects on network failure, timeout or abort (see `toProviderError`).
 */
export async function upstreamRequest(req: UpstreamRequest): Promise<UpstreamResponse> {
  try {
    return await sendUpstream(req);
  } catch (err) {
    if (!staleConnection(err) || req.signal.aborted) throw err;
    return sendUpstream(req);
  }
}

/**
 * One request. The headers deadline is kept by the sweep (`HeadersDeadline`), not by undici: undici's timers are
 * about a second coarse, so a short deployment timeout would fire late. Its body timer stays: it only needs to be as
 * fine as a stream's idle limit, seconds.
 */
function sendUpstream(req: UpstreamRequest): Promise<UpstreamResponse> {
  const deadline = req.headersTimeoutMs === undefined ? undefined : new HeadersDeadline(req.headersTimeoutMs, req.signal);
  const response = undici.request(req.url, {
    method: req.method ?? 'POST',
    // Uncompressed, as the adapters read it (without `accept-encoding` a server may pick any coding: RFC 9110).
    headers: 'accept-encoding' in req.headers ? req.headers : { ...req.headers, 'accept-encoding': 'identity' },
    body: req.body ?? null,
    signal: deadline?.signal ?? req.signal,
    dispatcher: agent,
    ...(deadline !== undefined && { headersTimeout: 0 }),
    ...(req.bodyTimeoutMs !== undefined && { bodyTimeout: req.bodyTimeoutMs }),
  });
  if (deadline === undefined) return response;
  return response.then(
    (res) => {
      deadline.done();
      return res;
    },
    (err: unknown) => {
      deadline.done();
      throw err;
    },
  );
}

/**
 * Time to the response's headers, watched by the deadline sweep: past it, the request is aborted with undici's own
 * `HeadersTimeoutError` (a 504 `upstream_timeout`, as undici's timer gave). The caller's signal aborts it, its
 * body included, for as long as it lives.
 */
class HeadersDeadline implements Watched {
  watchSlot = -1;
  private readonly controller = new AbortController();
  private readonly deadline: number;
  private readonly onAbort = () => this.abort(this.parent.reason);

  constructor(
    timeoutMs: number,
    private readonly parent: AbortSignal,
  ) {
    this.deadline = Date.now() + timeoutMs;
    if (parent.aborted) this.controller.abort(parent.reason);
    else {
      parent.addEventListener('abort', this.onAbort, { once: true });
      deadlines.watch(this);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  checkDeadline(now: number): void {
    if (now >= this.deadline) this.abort(new undici.errors.HeadersTimeoutError());
  }

  /** Headers came (or the request failed): the deadline is over; the caller's signal still reaches the body. */
  done(): void {
    deadlines.unwatch(this);
  }

  private abort(reason: unknown): void {
    this.done();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}

/**
 * The callbacks of one raw upstream exchange (undici's dispatch handler, without the `request()` layer: no
 * response stream, no promise per chunk, no AbortSignal). undici calls them from its socket read callback:
 * - `onConnect(abort)` once the request is on a connection; `abort(err)` cancels it (and ends in `onError(err)`);
 * - `onHeaders(status, rawHeaders, resume)`: raw headers as a flat [name, value, …] list of Buffers;
 * - `onData(chunk)` per body piece (a chunked response gives one call per HTTP chunk, several per socket read);
 *   returning false pauses reading until `resume()` (from onHeaders) is called;
 * - then exactly one of `onComplete()` or `onError(err)`.
 */
export interface RawUpstreamHandler {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: unknown): void;
  onError(err: Error): void;
}

export interface RawUpstreamRequest {
  readonly url: string;
  /** Flat [name, value, name, value, …] list. */
  readonly headers: string[];
  readonly body: string | Buffer;
  /** undici's timeouts; 0 disables one (the caller keeps its own, see deadlines.ts); absent: the pool's. */
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
}

/** `url` split into undici's origin and path, remembered: deployments are few and their URLs fixed. */
const splitUrls = new Map<string, { origin: string; path: string }>();

function splitUrl(url: string): { origin: string; path: string } {
  let split = splitUrls.get(url);
  if (split === undefined) {
    const parsed = new URL(url);
    split = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (splitUrls.size >= 1_000) splitUrls.clear();
    splitUrls.set(url, split);
  }
  return split;
}

/**
 * POSTs `req.body` over the shared pool and reports through `handler` (see `RawUpstreamHandler`). The fast path's
 * way upstream: it forwards bytes as they arrive, so it does not need `request()`'s stream and promise layers.
 * Failures, including an invalid URL, reach `handler.onError`.
 */
export function upstreamDispatch(req: RawUpstreamRequest, handler: RawUpstreamHandler): void {
  let split;
  try {
    split = splitUrl(req.url);
  } catch (err) {
    handler.onError(err as Error);
    return;
  }
  agent.dispatch(
    {
      origin: split.origin,
      path: split.path,
      method: 'POST',
      headers: req.headers,
      body: req.body,
      ...(req.headersTimeoutMs !== undefined && { headersTimeout: req.headersTimeoutMs }),
      ...(req.bodyTimeoutMs !== undefined && { bodyTimeout: req.bodyTimeoutMs }),
    },
    handler as unknown as Dispatcher.DispatchHandler,
  );
}

/** The value of header `name` (lower case) in undici's raw [name, value, …] list, or undefined. */
export function rawHeaderValue(rawHeaders: readonly Buffer[], name: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = rawHeaders[i]!;
    if (key.length === name.length && key.toString('latin1').toLowerCase() === name) return rawHeaders[i + 1]!.toString('latin1');
  }
  return undefined;
}

/** Header value as one string (undici gives arrays for repeated headers). */
export function headerValue(headers: UpstreamResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** undici's raw header list as the object `request()` would have given (error paths only). */
export function parseRawHeaders(rawHeaders: Buffer[]): Record<string, string | string[] | undefined> {
  return undici.parseHeaders(rawHeaders) as Record<string, string | string[] | undefined>;
}

/** Closes every pooled connection (data-plane shutdown). */
export function closeUpstreamPool(): Promise<void> {
  return agent.close();
}

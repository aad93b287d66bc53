import { randomUUID } from 'node:crypto';
import { CONFIG_VERSION_HEADER, REQUEST_ID_HEADER } from '@tollgate/schema';
import type { UwsResponse } from '../uws.js';
import { BodyCollector } from './body.js';
import { decodeBody } from './content-encoding.js';
import { CORS_EXPOSE_HEADERS } from './cors.js';
import { errors, renderOpenAiError, type ErrorRenderer, type HttpError } from './errors.js';
import { statusLine } from './status.js';

type State = 'open' | 'streaming' | 'ended' | 'aborted';

/** The headers of every event stream the gateway sends. */
export const SSE_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
/**
 * What an event stream opens with, before the answer's first event: an SSE comment, which every SSE parser skips (the
 * spec's rule; the OpenAI and Anthropic SDKs, eventsource-parser). uWS sends a chunked response's status and headers
 * with its first body bytes, so a stream opened before its first event needs some.
 */
export const STREAM_OPENING = ': stream open\n\n';
const KEEP_ALIVE = ': keep-alive\n\n';

/** How long a client may leave a backpressured answer unread before uWS's 10 s socket timeout is taken for the cause. */
const SLOW_READER_MS = 9_000;

/**
 * One HTTP request/response on uWS, and the only code that touches a uWS `HttpResponse`.
 *
 * uWS lifetime rules this class enforces:
 * - `onAborted` is attached in the constructor, i.e. before any async work: uWS requires a handler that returns
 *   without responding to have one, and it is the only way to learn the client went away.
 * - After abort (or after the response ended) the native response object is gone; calling anything on it is a
 *   use-after-free that crashes the process. Every method checks the state first and quietly does nothing.
 * - Every write is corked: outside the request handler's own stack (i.e. after any await) uWS would otherwise send
 *   status line, each header and the body in separate syscalls/packets.
 * - Streams respect backpressure: `write` says when uWS had to buffer, `drained()` waits for `onWritable`.
 */
export class Exchange {
  /** Also the usage event's id. Always generated here: a client-chosen id could collide in the idempotent ledger. */
  readonly requestId = randomUUID();
  /** Sent as `x-tollgate-config-version`; `none` until a config is loaded. */
  configVersion = 'none';
  /** Headers every response of this exchange carries (the `x-ratelimit-*` of an admitted request), errors included. */
  extraHeaders: Record<string, string> | undefined;
  /**
   * A second name the request id is sent under, for clients that read another header: Anthropic's SDKs expose
   * `request-id` as `_request_id` (Anthropic routes set it).
   */
  requestIdAlias: string | undefined;
  /** A browser's cross-origin request from an allowed origin (`CorsPolicy`): what every response of it says. */
  cors: { readonly origin: string; readonly vary: boolean } | undefined;
  /** A HEAD request: `send` writes status and headers (with the body's length) but not the body (RFC 9110 9.3.2). */
  headOnly = false;
  private state: State = 'open';
  /** When the wait for the client to read (`drained`) began. */
  private waitingSince = 0;
  /** The connection was closed because the client read nothing of the buffered answer for 10 s (`clientGone`). */
  private tooSlow = false;
  private status = 0;
  /** Bytes of the answer itself went out (not only an opened stream's comments). */
  private answered = false;
  /**
   * Bytes went out since `keepAlive` last looked, and when it last saw that (its caller's clock): the write path only
   * sets a flag, no clock read per write; a keep-alive comes at most one sweep later than the interval.
   */
  private wrote = false;
  private lastWrite = 0;
  private openScheduled = false;
  private openTask: (() => void) | undefined;
  /** Created on first use of `signal`: the fast path never needs one (it sets an abort listener instead). */
  private abortController: AbortController | undefined;
  private abortListener: AbortListener | undefined;
  /** The client's departure has been announced; a listener set later hears of it at once. */
  private abortNotified = false;
  private drainWaiter: (() => void) | undefined;
  private doneCallbacks: Array<(ex: Exchange) => void> | undefined;

  constructor(
    private readonly res: UwsResponse,
    /** An event stream silent this long gets an SSE comment (`keepAlive`); 0: never. */
    private readonly keepAliveMs = 0,
    /** While the data plane shuts down, each response closes its connection, so keep-alive clients reconnect elsewhere. */
    private readonly lifecycle?: { readonly draining: boolean },
  ) {
    res.onAborted(() => {
      if (this.state === 'ended') return;
      // uWS closes a connection whose buffered answer the client has not read for 10 s: that is this abort, not the
      // client hanging up.
      if (this.drainWaiter !== undefined && performance.now() - this.waitingSince >= SLOW_READER_MS) this.tooSlow = true;
      // Synchronously: from this instant `res` is freed and every method must keep its hands off it.
      this.state = 'aborted';
      // The rest wakes up promise chains (provider loop, drain waiter); see `drained()` for why not inline.
      setImmediate(() => {
        this.abortNotified = true;
        this.abortController?.abort();
        const listener = this.abortListener;
        this.abortListener = undefined;
        listener?.clientGone();
        this.drainWaiter?.();
        this.settle();
      });
    });
  }

  /** Aborted when the client disconnects before the response is complete. */
  get signal(): AbortSignal {
    if (this.abortController === undefined) {
      this.abortController = new AbortController();
      if (this.state === 'aborted') this.abortController.abort();
    }
    return this.abortController.signal;
  }

  /**
   * The one object told (`clientGone()`, once) when the client disconnects before the response is complete, at the
   * same moment `signal` aborts: the stage currently waiting on something (the body reader, the forwarder). A
   * cheaper alternative to a signal listener. Setting another replaces it; `undefined` clears it.
   */
  setAbortListener(listener: AbortListener | undefined): void {
    if (listener !== undefined && this.abortNotified) {
      queueMicrotask(() => listener.clientGone());
      return;
    }
    this.abortListener = listener;
  }

  /** Clears the abort listener if it is still `listener`. */
  clearAbortListener(listener: AbortListener): void {
    if (this.abortListener === listener) this.abortListener = undefined;
  }

  get aborted(): boolean {
    return this.state === 'aborted';
  }

  /** True once the response is complete or the client is gone: nothing more can be sent. */
  get finished(): boolean {
    return this.state === 'ended' || this.state === 'aborted';
  }

  get headersSent(): boolean {
    return this.status !== 0;
  }

  /**
   * Some of the answer went out: more than the head and comments of an event stream opened with `openEventStream`.
   * Until then another attempt can still answer in the same response.
   */
  get answerSent(): boolean {
    return this.answered;
  }

  /** The status sent, or 0 before headers went out. */
  get sentStatus(): number {
    return this.status;
  }

  /** Runs `callback(this)` once when the exchange ends, normally or by abort. */
  onDone(callback: (ex: Exchange) => void): void {
    if (this.finished) callback(this);
    else (this.doneCallbacks ??= []).push(callback);
  }

  /**
   * Reads the request body, at most `maxBytes`. Must be called synchronously from the route handler: uWS starts
   * delivering body chunks as soon as the handler returns, so `onData` has to be attached by then.
   *
   * Rejects with a 413 `HttpError` as soon as the body is known to be too large (from Content-Length, or while
   * reading a chunked body), without waiting for the rest; uWS discards whatever the client still sends. Rejects
   * with `ClientGoneError` when the client disconnects first.
   *
   * A body sent with a `Content-Encoding` (`contentEncoding`, the header's value) comes back decoded, held to the
   * same cap (`decodeBody`: a 413, 415 or 400 otherwise).
   */
  readBody(maxBytes: number, declaredLength: number | null, contentEncoding = ''): Promise<Buffer> {
    if (declaredLength !== null && declaredLength > maxBytes) return Promise.reject(errors.bodyTooLarge(maxBytes));
    const read = new Promise<Buffer>((resolve, reject) => {
      const read = new BodyRead(new BodyCollector(maxBytes, declaredLength), maxBytes, resolve, reject);
      this.setAbortListener(read);
      this.res.onData((chunk, isLast) => {
        if (read.push(chunk, isLast)) this.clearAbortListener(read);
      });
    });
    return contentEncoding === '' ? read : read.then((body) => decodeBody(body, contentEncoding, maxBytes));
  }

  /** A complete response in one corked write. */
  send(status: number, body: string | Uint8Array, contentType = 'application/json', headers?: Record<string, string>): void {
    if (this.state !== 'open') return;
    this.answered = true;
    this.res.cork(() => {
      this.writeHead(status, headers ? { ...headers, 'content-type': contentType } : { 'content-type': contentType });
      if (this.headOnly) {
        // Not `endWithoutBody(length)`: uWS.js 20 then waits for the reported bytes and never ends the response.
        this.res.writeHeader('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
        this.res.endWithoutBody();
      } else this.res.end(body, this.closing);
    });
    this.state = 'ended';
    this.settle();
  }

  sendJson(status: number, value: unknown): void {
    this.send(status, JSON.stringify(value));
  }

  /** An error response in the route's protocol (OpenAI's error object unless told otherwise), with its headers. */
  sendError(error: HttpError, render: ErrorRenderer = renderOpenAiError): void {
    this.send(error.status, JSON.stringify(render(error, this.requestId)), 'application/json', error.headers);
  }

  /**
   * Writes one chunk of a streamed (chunked) response; the first call sends status and headers in the same cork.
   * Returns false when uWS had to buffer the chunk (the socket is backpressured): the caller should `await
   * drained()` before producing more. uWS has already taken the bytes either way; nothing is lost.
   */
  write(chunk: string | Uint8Array, status = 200, headers: Readonly<Record<string, string>> = {}): boolean {
    if (this.state === 'ended' || this.state === 'aborted') return true;
    this.answered = true;
    this.wrote = true;
    let ok = true;
    this.res.cork(() => {
      if (this.state === 'open') {
        this.writeStreamHead(status, headers);
        this.state = 'streaming';
      }
      ok = this.res.write(chunk);
    });
    return ok;
  }

  /**
   * Opens a 200 event stream before its first event: status, headers (`SSE_HEADERS`) and an SSE comment. Used when
   * the upstream has accepted a streamed request (its own 200), so the client has the head at once, as it would from
   * the provider, while the gateway holds back the upstream's first events until the answer begins (and can still
   * retry elsewhere: `answerSent` stays false). Does nothing once headers went out.
   */
  openEventStream(): void {
    if (this.state !== 'open') return;
    this.wrote = true;
    this.res.cork(() => {
      this.writeStreamHead(200, SSE_HEADERS);
      this.res.write(STREAM_OPENING);
    });
    this.state = 'streaming';
  }

  /**
   * `openEventStream` at the end of this event-loop turn (setImmediate), unless a write has sent the head by then:
   * an upstream whose first content arrives with its 200 (in the same read) then costs one write to the client, not
   * two, and one whose failure arrives with its 200 still gets a real HTTP error status.
   */
  openEventStreamSoon(): void {
    if (this.state !== 'open' || this.openScheduled) return;
    this.openScheduled = true;
    setImmediate((this.openTask ??= () => {
      this.openScheduled = false;
      this.openEventStream();
    }));
  }

  /**
   * Writes an SSE comment on a stream that has sent nothing for the keep-alive interval by `now` (a silent model, a
   * held answer), so proxies with an idle timeout (often 60 s) keep it. It lands between whole events: every write
   * is whole events. A backpressured stream is not idle.
   */
  keepAlive(now: number): void {
    if (this.state !== 'streaming' || this.keepAliveMs === 0) return;
    if (this.wrote || this.drainWaiter !== undefined) {
      this.wrote = false;
      this.lastWrite = now;
      return;
    }
    if (now - this.lastWrite < this.keepAliveMs) return;
    this.lastWrite = now;
    this.res.cork(() => this.res.write(KEEP_ALIVE));
  }

  /**
   * Why the client is gone, for the usage event: it hung up, or it read nothing of the answer for 10 s, after which
   * uWS (20.30, the build for glibc 2.36) closes a connection it still holds unsent data for.
   */
  clientGone(whenLeft: string): { errorType: string; errorMessage: string } {
    return this.tooSlow
      ? { errorType: 'client_too_slow', errorMessage: `the client read nothing of the answer for ${SLOW_READER_MS / 1000}+ s, so its connection was closed ${whenLeft}` }
      : { errorType: 'client_disconnected', errorMessage: `client disconnected ${whenLeft}` };
  }

  /** Resolves when the socket can take more data, or when the client is gone (check `aborted`). */
  drained(): Promise<void> {
    if (this.state !== 'streaming') return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
      this.waitingSince = performance.now();
      // One handler per response at a time; returning true tells uWS the writable event was handled.
      //
      // The promise is resolved from setImmediate, not inline: uWS.js 20.30 does not reliably run a microtask
      // checkpoint after onWritable callbacks, so a continuation resolved inline can sit unrun until some unrelated
      // I/O happens: the stream stalls (seen in practice with a rate-limited curl). setImmediate runs in the
      // same loop turn and drains microtasks.
      //
      // Also note uWS does not drain its own buffer on a writable event while an onWritable handler is registered;
      // the next write (or end) flushes it. We write again right after resuming, so this costs nothing here.
      this.res.onWritable(() => {
        this.drainWaiter = undefined;
        setImmediate(resolve);
        return true;
      });
    });
  }

  /** Ends a streamed response (the terminating zero-length chunk). */
  endStream(lastChunk: string | Uint8Array = ''): void {
    if (this.state !== 'streaming') return;
    if (lastChunk.length > 0) this.answered = true;
    // Not closing the connection here: the head went out, and uWS would write `Connection: close` into the body.
    this.res.cork(() => this.res.end(lastChunk));
    this.state = 'ended';
    this.settle();
  }

  /**
   * Ends a streamed response with its last chunk, starting it first (status and headers) if nothing was sent yet:
   * one corked write either way, so a stream whose end arrives with its last data costs one send. Chunked even then
   * (a write before the end): uWS would give a response ended in one call a Content-Length, and a stream has none.
   */
  endStreamWith(lastChunk: string | Uint8Array, status = 200, headers: Readonly<Record<string, string>> = {}): void {
    if (this.state === 'ended' || this.state === 'aborted') return;
    this.answered = true;
    this.res.cork(() => {
      if (this.state === 'open') {
        this.writeHead(status, headers);
        this.res.write(lastChunk);
        this.res.end('', this.closing);
      } else this.res.end(lastChunk); // the head went out: see `endStream`
    });
    this.state = 'ended';
    this.settle();
  }

  /**
   * Whether a response whose head is written with its end closes its connection (`Connection: close`): while the data
   * plane drains. A stream's head went out earlier, and uWS can only say so in the head.
   */
  private get closing(): boolean {
    return this.lifecycle?.draining === true;
  }

  /** The head of a response whose body follows in writes: it says `Connection: close` itself while draining. */
  private writeStreamHead(status: number, headers: Readonly<Record<string, string>>): void {
    this.writeHead(status, headers);
    if (this.closing) this.res.writeHeader('connection', 'close');
  }

  /** Only ever called inside `cork`. */
  private writeHead(status: number, headers: Readonly<Record<string, string>>): void {
    this.status = status;
    this.res.writeStatus(statusLine(status));
    this.res.writeHeader(REQUEST_ID_HEADER, this.requestId);
    if (this.requestIdAlias !== undefined) this.res.writeHeader(this.requestIdAlias, this.requestId);
    this.res.writeHeader(CONFIG_VERSION_HEADER, this.configVersion);
    const extra = this.extraHeaders;
    if (extra !== undefined) for (const name in extra) if (!(name in headers)) this.res.writeHeader(name, extra[name]!);
    for (const name in headers) this.res.writeHeader(name, headers[name]!);
    const cors = this.cors;
    if (cors !== undefined) {
      this.res.writeHeader('access-control-allow-origin', cors.origin);
      this.res.writeHeader('access-control-expose-headers', CORS_EXPOSE_HEADERS);
      if (cors.vary) this.res.writeHeader('vary', 'Origin');
    }
  }

  /** The client's address as text (IPv6 in full form); read only while the response is open. */
  remoteAddress(): string {
    if (this.state !== 'open') return '';
    return Buffer.from(this.res.getRemoteAddressAsText()).toString('latin1');
  }

  private settle(): void {
    const callbacks = this.doneCallbacks;
    if (callbacks === undefined) return;
    this.doneCallbacks = undefined;
    for (const cb of callbacks) cb(this);
  }
}

/** Told when the client disconnects (see `Exchange.setAbortListener`). */
export interface AbortListener {
  clientGone(): void;
}

/** A body being read: settles once, with the body, a 413, or `ClientGoneError`. */
class BodyRead implements AbortListener {
  private settled = false;

  constructor(
    private readonly body: BodyCollector,
    private readonly maxBytes: number,
    private readonly resolve: (body: Buffer) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  /** Takes one uWS chunk (copied: uWS reuses its memory); true once settled. */
  push(chunk: ArrayBuffer, isLast: boolean): boolean {
    if (this.settled) return true;
    if (!this.body.push(chunk)) {
      this.settled = true;
      this.reject(errors.bodyTooLarge(this.maxBytes));
    } else if (isLast) {
      this.settled = true;
      this.resolve(this.body.result());
    }
    return this.settled;
  }

  clientGone(): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(new ClientGoneError());
  }
}

/** The client disconnected; there is nobody left to answer. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';

  constructor() {
    super('client disconnected');
  }
}

import type { UsageModifiers } from '@tollgate/schema';
import type { ProviderError } from '../../canonical/errors.js';
import type { InboundProtocol } from '../../canonical/request.js';
import { ClientGoneError, SSE_HEADERS, type AbortListener, type Exchange } from '../../http/exchange.js';
import { HttpError } from '../../http/errors.js';
import type { FinalUsage } from '../../pipeline/accounting.js';
import type { ForwardCapability, ProviderTarget } from '../../providers/types.js';
import { deadlines, TICK_MS, type Watched } from '../../upstream/deadlines.js';
import { httpStatusCode, isProviderError, plainErrorMessage, toProviderError } from '../../upstream/errors.js';
import { parseRawHeaders, rawHeaderValue, staleConnection, upstreamDispatch, type RawUpstreamHandler } from '../../upstream/http.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import { undici } from '../../upstream/undici.js';
import type { UsageOutcome } from '../../usage/recorder.js';
import type { ForwardCall } from '../types.js';
import { answerKind, joinPieces } from './bytes.js';
import { countAnswer, StreamSample } from './output.js';
import type { CountedOutput, OutputText } from '../../providers/token-estimate.js';

const NOTHING_COUNTED: CountedOutput = { outputTokens: 0, reasoningTokens: 0 };
/** An in-stream error's headers: the stream's own are the 200's, not the error's. */
const NO_HEADERS: UpstreamHeaders = Object.freeze({});

/** Content types of a response to a streamed request that is no event stream: a whole JSON body, an HTML page. */
const NOT_AN_EVENT_STREAM = /^\s*(application\/json|text\/html)/i;

/** The HTTP status an error body's `error.code` states (`httpStatusCode`), if any. */
function statedStatus(body: string): number | undefined {
  try {
    return httpStatusCode((JSON.parse(body) as { error?: { code?: unknown } }).error?.code);
  } catch {
    return undefined;
  }
}

/** undici's defaults for the shared pool (see upstream/http.ts), kept by the fast path's own deadlines. */
const DEFAULT_HEADERS_TIMEOUT_MS = 600_000;
const DEFAULT_BODY_TIMEOUT_MS = 600_000;

/** Token counts an answer reported, in the gateway's terms (`inputTokens` includes cache reads); unknown: undefined. */
export interface ReportedUsage {
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly cacheReadTokens: number | undefined;
  /** Tokens written to the prompt cache (Anthropic reports them; OpenAI from GPT-5.6 on, as `cache_write_tokens`). */
  readonly cacheWriteTokens?: number;
  /** The part of `cacheWriteTokens` written with a 1-hour lifetime (Anthropic), billed at its own price. */
  readonly cacheWrite1hTokens?: number;
  readonly reasoningTokens: number | undefined;
  /** Web searches the provider's server-side search tool made (Anthropic's, OpenAI's built-in one), billed per search. */
  readonly webSearches?: number;
  /** Calls of the provider's hosted file search tool (OpenAI's `file_search`), billed per call. */
  readonly fileSearches?: number;
  /** The processing tier the provider says it served the request at (OpenAI's `service_tier`), billed apart. */
  readonly serviceTier?: string;
  /**
   * What the answer says that changes its price (Anthropic's `speed` and `inference_geo`, the OpenAI search tool that
   * searched: `UsageModifier`).
   */
  readonly modifiers?: UsageModifiers;
}

/**
 * Reads one streamed answer in the protocol's framing, as it passes through. `scan` sees each upstream read's
 * complete events (joined, incomplete tail removed: the forwarder keeps that for the next read) and notes what
 * accounting needs; the rest of its state is read when the stream ends.
 */
export interface StreamScanner {
  /**
   * Looks at the complete events at the start of `data` (events end with a blank line) and returns what the client
   * gets of data[0, end): `data` itself, or a copy with events cut out. Sets `end` to where the incomplete tail
   * begins. `data` may be scratch memory: whatever the scanner keeps, it copies.
   */
  scan(data: Buffer): Buffer;
  /** Set by `scan`: the offset after the last complete event. */
  readonly end: number;
  /** The protocol's terminator arrived (chat: `[DONE]`; Responses: a terminal `response.*` event). */
  readonly done: boolean;
  /**
   * The answer has begun: an event the client would lose if the request went to another deployment (content, a tool
   * call, reasoning). Until then what arrived is held back (the client has the stream's head: it opens at the
   * upstream's 200), so a stream that fails before it begins can still be retried elsewhere without the client
   * noticing (chat's opening role-only chunk, Responses' created/in-progress events do not begin it).
   */
  readonly started: boolean;
  /** The upstream said in-stream that it failed (an error event, forwarded as is): its message. */
  readonly failure: string | undefined;
  /**
   * The same error event as the error response it stands for, when the protocol's error events say which (Anthropic's
   * carry a type: `overloaded_error` is its 529): that status, and the event's JSON, which `mapError` reads like an
   * error response's body. A stream that fails so before the answer began is then answered, retried and fallen back
   * on as that response would be; without it, it is a 502 `upstream_error`.
   */
  readonly failedAs?: { readonly status: number; readonly body: string } | undefined;
  /** Usage the stream reported, if any yet. */
  readonly reported: ReportedUsage | undefined;
  /** The id under which the upstream stored the answer (Responses), read when the stream ends; else undefined. */
  readonly storedId?: string | undefined;
  /**
   * The protocol's own in-stream error, ending a stream that failed without the upstream saying so (cut short,
   * dropped, timed out). Whatever makes the client's SDK raise instead of returning a truncated answer. `requestId`:
   * the gateway's id of the request, for protocols whose errors carry one (Anthropic's `request_id`).
   */
  errorTail(message: string, requestId: string): string;
  /**
   * For a stream that ended without the protocol's terminator: what completes it for the client when what arrived
   * shows the answer was whole (chat: a choice finished; some servers never send `[DONE]`), else undefined (cut short).
   */
  unterminated?(): string | undefined;
  /** What the gateway itself ends a complete stream with, from its final usage (a usage chunk the upstream could not send). */
  closing?(usage: FinalUsage): string | undefined;
}

/**
 * A client request for the fast path: the body as the client sent it, plus the protocol-specific part (what goes
 * upstream, and where an answer's usage is).
 */
export interface Forwardable {
  readonly protocol: InboundProtocol;
  readonly stream: boolean;
  /**
   * The body to send upstream, serialised: the client's, with only what the gateway must set (the model).
   * `streamOptions`: whether the deployment takes OpenAI's `stream_options` (see `ForwardCapability`).
   */
  upstreamBody(target: ProviderTarget, streamOptions: boolean): string;
  /** Headers of the client's that the provider should see too (Anthropic's `anthropic-beta`); the provider's win. */
  readonly clientHeaders?: Readonly<Record<string, string>>;
  /** A path after the protocol's endpoint (Responses compaction: `/compact`), before its query string. */
  readonly endpointSuffix?: string;
  /** Usage of a whole (non-streamed) answer; undefined when it reports none or is not JSON. */
  usageOfJson(body: Buffer): ReportedUsage | undefined;
  /** The id under which the upstream stored a whole answer (Responses, unless `store: false`). */
  storedIdOfJson?(body: Buffer): string | undefined;
  /** State for reading one streamed answer; `streamOptions` as its body was sent (`upstreamBody`). */
  streamScanner(streamOptions: boolean): StreamScanner;
  /** Local estimate of prompt tokens, for an answer that reports none (a stream cut short). */
  estimateInputTokens(): number;
  /**
   * Adds the output text of one event of a streamed answer (its JSON, parsed) to `out`: what the output is counted
   * from when the upstream reports no count (a stream cut short, a provider without usage; see `output.ts`).
   */
  outputOfEvent(event: unknown, out: OutputText): void;
  /** The same for a whole (non-streamed) answer, parsed. */
  outputOfAnswer(answer: unknown, out: OutputText): void;
  /**
   * The error the client gets for an upstream failure before the answer began (an error response, or an error event
   * the scanner read as one, `failedAs`): `error` is the provider's reading of it (`ForwardCapability.mapError`, whose
   * status and code routing decides on), `body` and `headers` what the upstream sent. Client and upstream speak the
   * same protocol here, so the upstream's own error can reach the client as it was. Absent: the gateway's rendering
   * of `error` (`HttpError.fromProvider`).
   */
  clientError?(error: ProviderError, body: string, headers: UpstreamHeaders, status: number): HttpError;
}

/** An upstream response's headers, by lower-case name (`parseRawHeaders`). */
export type UpstreamHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface ForwardResult {
  outcome: UsageOutcome;
  usage: FinalUsage;
  /** The upstream stored the answer under this id (Responses): follow-ups must reach the same deployment. */
  storedId?: string;
}

/**
 * The same-protocol fast path, for every protocol that has one (OpenAI chat, legacy completions, Responses, Anthropic
 * Messages): the client's body goes upstream re-serialised once; the answer comes back as upstream bytes, forwarded without
 * parsing or re-serialising events. Only what accounting needs is looked at, by the protocol's `StreamScanner`
 * (byte search); a stream that ends without the protocol's terminator gets the protocol's error event, never a
 * silently truncated 200. The response keeps the upstream's ids and model name.
 *
 * Costs are kept per upstream read, not per event: undici hands the body over as one call per HTTP chunk (often
 * dozens per socket read), and everything that arrived in one read goes to the client in one corked write, from a
 * microtask that runs right after undici's read callback (so batching adds no latency).
 */
export function forwardRequest(ex: Exchange, request: Forwardable, call: ForwardCall): Promise<ForwardResult> {
  const { capability, target } = call;
  const streamOptions = capability.takesStreamOptions?.(target) ?? true;
  const answer = forwardOnce(ex, request, call, streamOptions);
  const options = request.protocol === 'openai-chat' || request.protocol === 'openai-completions';
  if (!request.stream || !options || !streamOptions || capability.refusedStreamOptions === undefined) return answer;
  // A deployment that refuses the stream_options the gateway adds (see providers/openai/stream-options.ts) is asked
  // again without them; nothing has reached the client yet.
  return answer.catch((err: unknown) => {
    if (!(err instanceof HttpError) || !capability.refusedStreamOptions!(target, err)) throw err;
    return forwardOnce(ex, request, call, false);
  });
}

/**
 * Where and how to send a request to the deployment (`ForwardCapability.upstream`). One that cannot be called as
 * configured (a credential reference that resolves to nothing, an Entra ID token refused) throws the provider's error
 * as the client's, which routing answers with another deployment or a fallback, as on the translated path.
 */
export function upstreamEndpoint(capability: ForwardCapability, protocol: InboundProtocol, target: ProviderTarget, secrets: SecretResolver): ReturnType<ForwardCapability['upstream']> {
  try {
    return capability.upstream(protocol, target, secrets);
  } catch (err) {
    throw isProviderError(err) ? HttpError.fromProvider(err) : err;
  }
}

function forwardOnce(ex: Exchange, request: Forwardable, call: ForwardCall, streamOptions: boolean, ready = false): Promise<ForwardResult> {
  const { capability, target } = call;
  // A credential still to be fetched (an Azure deployment's first Entra ID token): once, then as it stands.
  const wait = ready ? undefined : capability.ready?.(target, call.secrets);
  if (wait !== undefined) return wait.then(() => forwardOnce(ex, request, call, streamOptions, true));
  let endpoint: ReturnType<ForwardCall['capability']['upstream']>;
  try {
    endpoint = upstreamEndpoint(capability, request.protocol, target, call.secrets);
  } catch (err) {
    return Promise.reject(err);
  }
  const { headers } = endpoint;
  const url = request.endpointSuffix === undefined ? endpoint.url : withPathSuffix(endpoint.url, request.endpointSuffix);
  // The client's passed-on headers, then the provider's (credentials), then ours, which win: a flat list is not
  // deduplicated like an object.
  const flat: string[] = [];
  const own = request.clientHeaders;
  for (const name in own) if (!(name in headers)) flat.push(name, own[name]!);
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (lower !== 'content-type' && lower !== 'accept' && lower !== 'accept-encoding') flat.push(name, headers[name]!);
  }
  // Bytes the client can read as they are: without `accept-encoding` any coding is acceptable (RFC 9110), and a
  // server (or a proxy before it) may compress what is forwarded without decoding.
  flat.push('content-type', 'application/json', 'accept', request.stream ? 'text/event-stream' : 'application/json', 'accept-encoding', 'identity');
  const headersTimeoutMs = target.timeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  // A stream's longest silence: the deployment's stream idle timeout, else its timeout, else undici's default.
  const bodyTimeoutMs = target.streamIdleTimeoutMs ?? target.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const forwarded = new ForwardedCall(ex, request, target.provider, call, headersTimeoutMs, bodyTimeoutMs, streamOptions);
  const answer = forwarded.start({
    url,
    headers: flat,
    body: request.upstreamBody(target, streamOptions),
    // The deadlines are the call's own (see upstream/deadlines.ts), short ones too: undici's headers and body timers
    // are its "fast timers" whatever the delay, about a second coarse (a 200 ms timeout fired after 0.5–1 s), where
    // the sweep is a quarter of one.
    headersTimeoutMs: 0,
    bodyTimeoutMs: 0,
  });
  const { unauthorized } = capability;
  if (unauthorized === undefined) return answer;
  return answer.catch((err: unknown) => {
    if (err instanceof HttpError && err.code === 'upstream_auth_failed' && unauthorized(target, headers)) err.credentialRenewed = true;
    throw err;
  });
}

type Mode = 'waiting' | 'json' | 'error' | 'stream' | 'done';

/** What `ForwardedCall.start` dispatches. */
interface UpstreamSend {
  url: string;
  headers: string[];
  body: string;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** One forwarded request: undici's handler for the upstream exchange, and the client's response. */
class ForwardedCall implements RawUpstreamHandler, AbortListener, Watched {
  private mode: Mode = 'waiting';
  private resolve!: (result: ForwardResult) => void;
  private reject!: (err: unknown) => void;
  private abortUpstream: ((err?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private status = 0;
  private contentType: string | undefined;
  private errorHeaders: Buffer[] | undefined;
  /** Body pieces not yet handled (a whole JSON body, or what arrived in the current read of a stream). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /** The client's socket is backpressured: reading upstream is paused until it drains. */
  private paused = false;
  // Stream state.
  private scanner: StreamScanner | undefined;
  /**
   * The stream's events, kept for counting its output should the upstream not report it: from the first read on, until
   * a read brings the count (most streams end with it in their last read; a stream that arrives whole keeps nothing).
   */
  private sample: StreamSample | undefined;
  private carry: Buffer | undefined;
  /** The upstream exchange itself failed mid-stream (dropped, timed out): the provider error's message. */
  private failed: string | undefined;
  /** The same failure as the provider error (its status and code), for a stream that failed before it began. */
  private failure: ProviderError | undefined;
  /** Events that arrived before the answer began (see `StreamScanner.started`), not yet sent. */
  private held: Buffer | undefined;
  private flushTask: (() => void) | undefined;
  /** Waiting for headers until then (ms since the epoch; 0: not on a connection yet, or no timeout). */
  private headersDeadline = 0;
  /** The request as dispatched, until it has been sent once more (`staleConnection`); then undefined. */
  private sent: UpstreamSend | undefined;
  /** When body data last arrived (or reading resumed), on the deadlines' clock. */
  private lastData = 0;
  /** The request went to the upstream on a connection: from then on the provider has it, and bills its prompt. */
  private dispatched = false;
  watchSlot = -1;

  constructor(
    private readonly ex: Exchange,
    private readonly request: Forwardable,
    private readonly provider: string,
    private readonly call: ForwardCall,
    /** Headers timeout this call keeps (0: none). */
    private readonly headersTimeoutMs: number,
    /** Longest silence between body chunks this call allows (0: none). */
    private readonly bodyTimeoutMs: number,
    /** Whether the body went with OpenAI's `stream_options` (see `Forwardable.upstreamBody`). */
    private readonly streamOptions: boolean,
  ) {}

  start(req: UpstreamSend): Promise<ForwardResult> {
    const promise = new Promise<ForwardResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.ex.setAbortListener(this);
    deadlines.watch(this);
    this.sent = req;
    upstreamDispatch(req, this);
    return promise;
  }

  checkDeadline(now: number): void {
    if (this.mode === 'waiting') {
      if (this.headersDeadline !== 0 && now >= this.headersDeadline) this.abortUpstream?.(new undici.errors.HeadersTimeoutError());
      return;
    }
    if (this.bodyTimeoutMs > 0 && !this.paused && now - this.lastData >= this.bodyTimeoutMs + TICK_MS) {
      // (The clock read at a chunk may be a tick stale: one tick of grace so the timeout is never early.)
      this.abortUpstream?.(new undici.errors.BodyTimeoutError());
    } else if (this.mode === 'stream') {
      this.ex.keepAlive(now);
    }
  }

  /** A client that leaves aborts the upstream request (undici then calls onError). */
  clientGone(): void {
    this.abortUpstream?.(new ClientGoneError());
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.ex.aborted) abort(new ClientGoneError());
    else {
      this.abortUpstream = abort;
      this.dispatched = true;
      if (this.headersTimeoutMs > 0) this.headersDeadline = Date.now() + this.headersTimeoutMs;
    }
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // informational; the real headers follow
    this.sent = undefined; // (a large body need not be kept for the rest of a long stream)
    this.status = statusCode;
    this.resumeUpstream = resume;
    this.lastData = deadlines.now();
    if (statusCode >= 300 || statusCode === 204 || statusCode === 205) {
      // An error, or a redirect or an empty answer a client could not use (a deployment's `apiBase` that redirects):
      // judged whole at its end (`finishError`), before anything reaches the client.
      this.mode = 'error';
      this.errorHeaders = rawHeaders;
    } else if (!this.request.stream) {
      this.mode = 'json';
      this.contentType = rawHeaderValue(rawHeaders, 'content-type');
      this.errorHeaders = rawHeaders; // (read only if the body turns out to be an error: `notAnAnswer`)
    } else if (NOT_AN_EVENT_STREAM.test(rawHeaderValue(rawHeaders, 'content-type') ?? '')) {
      // A streamed request answered with a whole JSON body (an error with a 200, a server that ignores `stream`) or
      // an HTML page: no stream to forward; judged whole at its end.
      this.mode = 'error';
      this.errorHeaders = rawHeaders;
    } else {
      this.mode = 'stream';
      this.scanner = this.request.streamScanner(this.streamOptions);
      // The client gets the head now (at the end of this loop turn, so events that came with it share its write), as
      // from the provider; the events wait until the answer begins (`hold`).
      this.ex.openEventStreamSoon();
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.lastData = deadlines.now();
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.mode === 'stream' && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask((this.flushTask ??= () => this.flush()));
    }
    return !this.paused;
  }

  onComplete(): void {
    this.ex.clearAbortListener(this);
    deadlines.unwatch(this);
    switch (this.mode) {
      case 'json':
        this.finishJson();
        return;
      case 'error':
        this.finishError();
        return;
      case 'stream':
        // What arrived with the end goes out with the response's end, in one write.
        this.finishStream(this.takeEvents());
        return;
      default:
        // Headers without a body callback cannot complete otherwise; treat like an empty JSON answer.
        this.mode = 'json';
        this.finishJson();
    }
  }

  onError(err: Error): void {
    if (this.mode === 'waiting' && this.sent !== undefined && !this.ex.aborted && staleConnection(err)) {
      // The pooled connection was closed under the request: once more at once, on another (`staleConnection`).
      const req = this.sent;
      this.sent = undefined;
      this.abortUpstream = undefined;
      this.headersDeadline = 0;
      upstreamDispatch(req, this);
      return;
    }
    this.ex.clearAbortListener(this);
    deadlines.unwatch(this);
    const mode = this.mode;
    this.mode = 'done';
    if (mode === 'stream') {
      // Whatever arrived before the failure still goes out, then the stream ends with an error event.
      const last = this.takeEvents();
      if (!this.ex.aborted) {
        this.failure = toProviderError(err, this.provider);
        this.failed = this.failure.message;
      }
      this.finishStream(last);
      return;
    }
    if (this.ex.aborted || err instanceof ClientGoneError) {
      // An upstream error costs nothing, whenever the client left.
      if (mode === 'error') this.reject(new ClientGoneError());
      else this.clientLeft(undefined);
      return;
    }
    this.reject(HttpError.fromProvider(toProviderError(err, this.provider)));
  }

  /**
   * The client left before the answer began (or, not streamed, before it was sent). The provider had the request
   * once it was dispatched, and bills at least its prompt, so the request is billed as on the translated path: the
   * provider's counts where the whole answer came (`answer`), else the prompt estimated locally (marked estimated).
   * Before dispatch nothing reached the provider: nothing to bill.
   */
  private clientLeft(answer: Buffer | undefined): void {
    if (!this.dispatched) {
      this.reject(new ClientGoneError());
      return;
    }
    const ex = this.ex;
    const usage = this.finalUsage(answer === undefined ? undefined : this.request.usageOfJson(answer), answer);
    this.resolve({ outcome: { status: 'aborted', httpStatus: ex.headersSent ? ex.sentStatus : 499, errorType: 'client_disconnected', errorMessage: 'client disconnected before the answer' }, usage });
  }

  private takeBody(): Buffer {
    const pieces = this.pending;
    this.pending = [];
    const total = this.pendingBytes;
    this.pendingBytes = 0;
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total);
  }

  private finishJson(): void {
    this.mode = 'done';
    const bytes = this.takeBody();
    if (this.ex.aborted) {
      this.clientLeft(bytes);
      return;
    }
    if (answerKind(bytes) !== 'json') {
      // Not an answer the client could read: an error body sent with a 200, a proxy's HTML page, nothing. An error
      // like any other, before anything reached the client (the router may retry, or fall back).
      this.reject(this.notAnAnswer(parseRawHeaders(this.errorHeaders ?? []), bytes));
      return;
    }
    this.ex.send(200, bytes, this.contentType ?? 'application/json');
    const storedId = this.request.storedIdOfJson?.(bytes);
    this.resolve({ outcome: { status: 'success', httpStatus: 200 }, usage: this.finalUsage(this.request.usageOfJson(bytes), bytes), ...(storedId !== undefined && { storedId }) });
  }

  private finishError(): void {
    this.mode = 'done';
    const headers = parseRawHeaders(this.errorHeaders ?? []);
    const body = this.takeBody();
    this.reject(this.status < 300 ? this.notAnAnswer(headers, body) : this.upstreamError(this.status, headers, body.toString('utf8')));
  }

  /**
   * A 2xx response that is no answer (`answerKind`; a stream request answered without an event stream): the error its
   * body states, at the status its `code` gives (OpenRouter's `{"error": {"code": 429, …}}`), else 502; anything else a
   * 502 that says what came instead, with its start.
   */
  private notAnAnswer(headers: UpstreamHeaders, bytes: Buffer): unknown {
    const body = bytes.toString('utf8');
    if (answerKind(bytes) === 'error') return this.upstreamError(statedStatus(body) ?? 502, headers, body);
    const type = typeof headers['content-type'] === 'string' ? headers['content-type'] : (this.contentType ?? 'no content type');
    const what = this.request.stream ? 'a streamed request without an event stream' : 'the request without a JSON answer';
    const said = body.trim() === '' ? 'an empty body' : plainErrorMessage(body, this.status, 200);
    return new HttpError(502, 'api_error', 'upstream_error', `${this.provider}: the provider answered ${what} (HTTP ${this.status}, ${type}): ${said}`);
  }

  /** An upstream error (a response's status, headers and body) as the client's error; whatever `mapError` throws, as is. */
  private upstreamError(status: number, headers: UpstreamHeaders, body: string): unknown {
    let error;
    try {
      error = this.call.capability.mapError(status, headers, body);
    } catch (err) {
      return err;
    }
    return this.request.clientError?.(error, body, headers, status) ?? HttpError.fromProvider(error);
  }

  /** Forwards every complete event that has arrived, in one write; keeps an incomplete tail for the next read. */
  private flush(): void {
    this.flushScheduled = false;
    let forwarded = this.takeEvents();
    if (forwarded === undefined) return;
    if (this.held !== undefined || !this.scanner!.started) {
      forwarded = this.hold(forwarded);
      if (forwarded === undefined) return;
    }
    this.call.usage.markFirstToken();
    if (!this.ex.write(forwarded, 200, SSE_HEADERS) && !this.paused) {
      // Backpressure: stop reading upstream (onData returns false from now on) until the client's socket drains.
      this.paused = true;
      void this.ex.drained().then(() => {
        this.paused = false;
        this.lastData = deadlines.now();
        this.resumeUpstream?.();
      });
    }
  }

  /**
   * Takes the complete events that have arrived (what the client gets of them, as the scanner says), keeping the
   * incomplete tail for the next read. Undefined when there is nothing to send.
   */
  private takeEvents(): Buffer | undefined {
    if (this.pending.length === 0) return undefined;
    const pieces = this.pending;
    const carry = this.carry;
    let data: Buffer;
    if (carry === undefined && pieces.length === 1) data = pieces[0]!;
    else {
      if (carry !== undefined) pieces.unshift(carry);
      data = joinPieces(pieces, this.pendingBytes + (carry?.length ?? 0));
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.carry = undefined;
    if (this.ex.aborted) return undefined;
    const scanner = this.scanner!;
    const forwarded = scanner.scan(data);
    const end = scanner.end;
    if (scanner.reported?.outputTokens === undefined) (this.sample ??= new StreamSample()).add(data, end);
    // The incomplete tail is copied so it does not keep the whole read alive.
    if (end < data.length) this.carry = Buffer.from(data.subarray(end));
    return forwarded.length > 0 ? forwarded : undefined;
  }

  /**
   * Before the answer has begun (and nothing was sent), keeps (a copy of) `data` back and returns undefined; once it
   * has, returns what was held followed by `data`, to be sent.
   */
  private hold(data: Buffer): Buffer | undefined {
    if (!this.scanner!.started && !this.ex.answerSent) {
      // Kept past this flush, so copied: `data` may be the scratch memory every stream's reads are joined in
      // (`joinPieces`), which the next flush of any stream overwrites.
      this.held = this.held === undefined ? Buffer.from(data) : Buffer.concat([this.held, data]);
      return undefined;
    }
    const held = this.held === undefined ? data : Buffer.concat([this.held, data]);
    this.held = undefined;
    return held;
  }


  /** Ends the client's response; `last` is data not yet written (sent with the end, in one write). */
  private finishStream(last: Buffer | undefined): void {
    this.mode = 'done';
    const ex = this.ex;
    const scanner = this.scanner!;
    const usage = this.finalUsage(scanner.reported, this.sample);
    if (ex.aborted) {
      this.resolve({ outcome: { status: 'aborted', httpStatus: ex.headersSent ? ex.sentStatus : 499, ...ex.clientGone('before the stream was complete') }, usage });
      return;
    }
    let failed = this.failed ?? scanner.failure;
    const completion = failed === undefined && !scanner.done ? scanner.unterminated?.() : undefined;
    if (failed === undefined && !scanner.done && completion === undefined) failed = `${this.provider}: the provider closed the stream before it was complete`;
    if (failed !== undefined && !ex.answerSent && !scanner.started) {
      // Nothing of the answer reached the client: a failure like any before the first byte (the router may retry;
      // if nothing else answers, the client gets the error in the stream the head opened). The upstream's own error
      // event, when it sent one, says more than a connection that broke after it.
      this.held = undefined;
      const said = scanner.failedAs;
      this.reject(
        said !== undefined
          ? this.upstreamError(said.status, NO_HEADERS, said.body)
          : this.failure !== undefined
            ? HttpError.fromProvider(this.failure)
            : new HttpError(502, 'api_error', 'upstream_error', failed),
      );
      return;
    }
    if (this.held !== undefined) {
      last = last === undefined ? this.held : Buffer.concat([this.held, last]);
      this.held = undefined;
    }
    if (last !== undefined && scanner.started) this.call.usage.markFirstToken();
    if (failed !== undefined) {
      // An upstream error event was already forwarded verbatim; otherwise tell the client ourselves.
      const tail = scanner.failure !== undefined ? '' : scanner.errorTail(failed, ex.requestId);
      ex.endStreamWith(last === undefined ? tail : tail === '' ? last : Buffer.concat([last, Buffer.from(tail)]), 200, SSE_HEADERS);
      this.resolve({ outcome: { status: 'error', httpStatus: ex.sentStatus, errorType: 'upstream_error', errorMessage: failed }, usage });
      return;
    }
    const closing = (completion ?? '') + (scanner.closing?.(usage) ?? '');
    if (closing !== '') last = last === undefined ? Buffer.from(closing) : Buffer.concat([last, Buffer.from(closing)]);
    if (ex.headersSent || last !== undefined) ex.endStreamWith(last ?? '', 200, SSE_HEADERS);
    else ex.send(200, '', 'text/event-stream');
    const storedId = scanner.storedId;
    this.resolve({ outcome: { status: 'success', httpStatus: 200 }, usage, ...(storedId !== undefined && { storedId }) });
  }

  /**
   * The answer's counts: the upstream's, else local estimates (marked): the prompt from the request, the output
   * counted from the answer's text (`answer`: the whole body, or the stream's sample; none: no events), only then.
   */
  private finalUsage(reported: ReportedUsage | undefined, answer: Buffer | StreamSample | undefined): FinalUsage {
    const known = reported?.inputTokens !== undefined && reported.outputTokens !== undefined;
    const counted = reported?.outputTokens === undefined ? this.countOutput(answer) : undefined;
    return {
      inputTokens: reported?.inputTokens ?? this.request.estimateInputTokens(),
      outputTokens: reported?.outputTokens ?? counted!.outputTokens,
      cacheReadTokens: reported?.cacheReadTokens ?? 0,
      cacheWriteTokens: reported?.cacheWriteTokens ?? 0,
      ...(reported?.cacheWrite1hTokens !== undefined && { cacheWrite1hTokens: reported.cacheWrite1hTokens }),
      reasoningTokens: reported?.reasoningTokens ?? counted?.reasoningTokens ?? 0,
      ...(reported?.serviceTier !== undefined && { serviceTier: reported.serviceTier }),
      ...(reported?.webSearches !== undefined && { webSearches: reported.webSearches }),
      ...(reported?.fileSearches !== undefined && { fileSearches: reported.fileSearches }),
      ...(reported?.modifiers !== undefined && { modifiers: reported.modifiers }),
      estimated: !known,
    };
  }

  private countOutput(answer: Buffer | StreamSample | undefined): CountedOutput {
    const request = this.request;
    if (answer === undefined) return NOTHING_COUNTED;
    if (answer instanceof StreamSample) return answer.count((event, out) => request.outputOfEvent(event, out));
    return countAnswer(answer, (json, out) => request.outputOfAnswer(json, out));
  }
}

/** `url` with `suffix` added to its path, before any query string (Azure's `?api-version=`). */
export function withPathSuffix(url: string, suffix: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url + suffix : url.slice(0, query) + suffix + url.slice(query);
}

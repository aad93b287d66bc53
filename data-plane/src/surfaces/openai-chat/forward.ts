import { ClientGoneError, type AbortListener, type Exchange } from '../../http/exchange.js';
import { HttpError } from '../../http/errors.js';
import type { ForwardCapability, ProviderTarget } from '../../providers/types.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import { parseRawHeaders, rawHeaderValue, upstreamDispatch, type RawUpstreamHandler } from '../../upstream/http.js';
import { toProviderError } from '../../upstream/errors.js';
import { deadlines, TICK_MS, type Watched } from '../../upstream/deadlines.js';
import { undici } from '../../upstream/undici.js';
import type { UsageOutcome, UsageRecorder } from '../../usage/recorder.js';
import type { FinalUsage } from '../../pipeline/accounting.js';

/** undici's defaults for the shared pool (see upstream/http.ts), kept by the fast path's own deadlines. */
const DEFAULT_HEADERS_TIMEOUT_MS = 600_000;
const BODY_TIMEOUT_MS = 600_000;
/** Below this a deadline is left to undici's exact timer: the coarse sweep would be too coarse for it. */
const COARSE_MIN_MS = 1_000;

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
const LF = 0x0a;
const DONE = Buffer.from('data: [DONE]');
/** The tail of `"usage":{`: the search starts with `g`, rare in SSE JSON, instead of `"`, which is everywhere. */
const USAGE_OBJECT_TAIL = Buffer.from('ge":{');
const EMPTY_CHOICES = Buffer.from('"choices":[]');
const ERROR_EVENT = Buffer.from('data: {"error"');
const USAGE_KEY = Buffer.from('"usage"');

/**
 * An OpenAI chat (or legacy completions) body as the client sent it, plus what the forwarder must know about it.
 * Both protocols frame streams the same way (`data:` events, a usage chunk with empty `choices`, `[DONE]`).
 */
export interface ForwardedChat {
  /** Which OpenAI endpoint the body is for; default chat completions. */
  readonly protocol?: 'openai-chat' | 'openai-completions';
  readonly body: Record<string, unknown>;
  readonly stream: boolean;
  /** Whether the client itself asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** Local estimate of prompt tokens, for a stream that ends before the provider reports usage. */
  readonly estimateInputTokens: () => number;
}

export interface ForwardResult {
  outcome: UsageOutcome;
  usage: FinalUsage;
}

/**
 * The same-protocol fast path: OpenAI chat in, an OpenAI-speaking provider out. The client's body goes upstream
 * re-serialised once (only `model`, and `stream_options.include_usage` so usage is always known, are set); the
 * answer comes back as upstream bytes, forwarded without parsing or re-serialising chunks. Only three things are
 * looked at, by byte search: event boundaries, the usage chunk (parsed, and withheld when the client did not ask
 * for it) and `[DONE]` (a stream that ends without it gets an error event, never a silently truncated 200). The
 * response keeps the upstream's ids and model name.
 *
 * Costs are kept per upstream read, not per event: undici hands the body over as one call per HTTP chunk (often
 * dozens per socket read), and everything that arrived in one read goes to the client in one corked write, from a
 * microtask that runs right after undici's read callback (so batching adds no latency).
 */
export function forwardOpenAiChat(
  ex: Exchange,
  chat: ForwardedChat,
  forward: ForwardCapability,
  target: ProviderTarget,
  secrets: SecretResolver,
  usage: UsageRecorder,
): Promise<ForwardResult> {
  const { url, headers } = forward.upstream(chat.protocol ?? 'openai-chat', target, secrets);
  const body: Record<string, unknown> = { ...chat.body, model: target.providerModel };
  if (chat.stream) {
    const options = (typeof chat.body.stream_options === 'object' && chat.body.stream_options) || {};
    body.stream_options = { ...options, include_usage: true };
  }
  // The provider's headers (credentials), then ours, which win: a flat list is not deduplicated like an object.
  const flat: string[] = [];
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (lower !== 'content-type' && lower !== 'accept') flat.push(name, headers[name]!);
  }
  flat.push('content-type', 'application/json', 'accept', chat.stream ? 'text/event-stream' : 'application/json');
  const headersTimeoutMs = target.timeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const call = new ForwardedCall(ex, chat, forward, target.provider, usage, headersTimeoutMs >= COARSE_MIN_MS ? headersTimeoutMs : 0);
  return call.start({
    url,
    headers: flat,
    body: JSON.stringify(body),
    // The deadlines are the call's own (see upstream/deadlines.ts), except a short headers timeout.
    headersTimeoutMs: headersTimeoutMs >= COARSE_MIN_MS ? 0 : headersTimeoutMs,
    bodyTimeoutMs: 0,
  });
}

type Mode = 'waiting' | 'json' | 'error' | 'stream' | 'done';

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
  private carry: Buffer | undefined;
  private reported: OpenAiUsageJson | undefined;
  private events = 0;
  private done = false;
  private failed: string | undefined;
  private upstreamErrorEvent = false;
  private flushTask: (() => void) | undefined;
  /** Waiting for headers until then (ms since the epoch; 0: not on a connection yet, or undici's timer). */
  private headersDeadline = 0;
  /** When body data last arrived (or reading resumed), on the deadlines' clock. */
  private lastData = 0;
  watchSlot = -1;

  constructor(
    private readonly ex: Exchange,
    private readonly chat: ForwardedChat,
    private readonly forward: ForwardCapability,
    private readonly provider: string,
    private readonly recorder: UsageRecorder,
    /** Headers timeout this call keeps itself (0: undici keeps it). */
    private readonly headersTimeoutMs: number,
  ) {}

  start(req: { url: string; headers: string[]; body: string; headersTimeoutMs: number; bodyTimeoutMs: number }): Promise<ForwardResult> {
    const promise = new Promise<ForwardResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.ex.setAbortListener(this);
    deadlines.watch(this);
    upstreamDispatch(req, this);
    return promise;
  }

  checkDeadline(now: number): void {
    if (this.mode === 'waiting') {
      if (this.headersDeadline !== 0 && now >= this.headersDeadline) this.abortUpstream?.(new undici.errors.HeadersTimeoutError());
    } else if (!this.paused && now - this.lastData >= BODY_TIMEOUT_MS + TICK_MS) {
      // (The clock read at a chunk may be a tick stale: one tick of grace so the timeout is never early.)
      this.abortUpstream?.(new undici.errors.BodyTimeoutError());
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
      if (this.headersTimeoutMs > 0) this.headersDeadline = Date.now() + this.headersTimeoutMs;
    }
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // informational; the real headers follow
    this.status = statusCode;
    this.resumeUpstream = resume;
    this.lastData = deadlines.now();
    if (statusCode >= 400) {
      this.mode = 'error';
      this.errorHeaders = rawHeaders;
    } else if (!this.chat.stream) {
      this.mode = 'json';
      this.contentType = rawHeaderValue(rawHeaders, 'content-type');
    } else {
      this.mode = 'stream';
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
    this.ex.clearAbortListener(this);
    deadlines.unwatch(this);
    const mode = this.mode;
    this.mode = 'done';
    if (mode === 'stream') {
      // Whatever arrived before the failure still goes out, then the stream ends with an error event.
      const last = this.takeEvents();
      if (!this.ex.aborted) this.failed = toProviderError(err, this.provider).message;
      this.finishStream(last);
      return;
    }
    if (this.ex.aborted || err instanceof ClientGoneError) {
      this.reject(new ClientGoneError());
      return;
    }
    this.reject(HttpError.fromProvider(toProviderError(err, this.provider)));
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
    if (this.ex.aborted) {
      this.reject(new ClientGoneError());
      return;
    }
    const bytes = this.takeBody();
    this.ex.send(200, bytes, this.contentType ?? 'application/json');
    this.resolve({ outcome: { status: 'success', httpStatus: 200 }, usage: finalUsage(usageOfJson(bytes), this.chat, 0) });
  }

  private finishError(): void {
    this.mode = 'done';
    const text = this.takeBody().toString('utf8');
    const headers = parseRawHeaders(this.errorHeaders ?? []);
    let error;
    try {
      error = this.forward.mapError(this.status, headers, text);
    } catch (err) {
      this.reject(err);
      return;
    }
    this.reject(HttpError.fromProvider(error));
  }

  /** Forwards every complete event that has arrived, in one write; keeps an incomplete tail for the next read. */
  private flush(): void {
    this.flushScheduled = false;
    const forwarded = this.takeEvents();
    if (forwarded === undefined) return;
    this.recorder.markFirstToken();
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
   * Takes the complete events that have arrived (what the client gets of them: the usage chunk it did not ask for
   * is cut out), noting what accounting needs; keeps the incomplete tail for the next read. Undefined when there
   * is nothing to send.
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

    let start = 0;
    let runStart = 0;
    let out: Buffer[] | undefined;
    let usageAt = findUsageObject(data, 0);
    // Event boundaries are blank lines. A byte search for '\n' (memchr) is several times cheaper than searching
    // for the two-byte sequence, and JSON data lines hold no raw newlines, so nearly every hit is a boundary.
    for (let nl = data.indexOf(LF); nl !== -1; nl = data.indexOf(LF, nl + 1)) {
      if (data[nl + 1] !== LF) continue;
      const end = nl;
      const next = nl + 2;
      let skip = false;
      if (startsWith(data, start, end, DONE)) this.done = true;
      else if (startsWith(data, start, end, ERROR_EVENT)) {
        this.failed = errorMessage(data.subarray(start, end));
        this.upstreamErrorEvent = true;
      } else if (usageAt !== -1 && usageAt < end) {
        const event = data.subarray(start, end);
        this.reported = usageOf(event) ?? this.reported;
        // The usage-only chunk we asked for on the client's behalf: not theirs to see.
        skip = !this.chat.includeUsage && event.indexOf(EMPTY_CHOICES) !== -1;
      } else {
        this.events++;
      }
      if (usageAt !== -1 && usageAt < next) usageAt = findUsageObject(data, next);
      if (skip) {
        (out ??= []).push(data.subarray(runStart, start));
        runStart = next;
      }
      start = next;
      nl = next - 1;
    }
    // The incomplete tail is copied so it does not keep the whole read alive.
    if (start < data.length) this.carry = Buffer.from(data.subarray(start));
    let forwarded: Buffer;
    if (out === undefined) forwarded = data.subarray(0, start);
    else {
      out.push(data.subarray(runStart, start));
      forwarded = Buffer.concat(out);
    }
    return forwarded.length > 0 ? forwarded : undefined;
  }

  /** Ends the client's response; `last` is data not yet written (sent with the end, in one write). */
  private finishStream(last: Buffer | undefined): void {
    this.mode = 'done';
    const ex = this.ex;
    const usage = finalUsage(this.reported, this.chat, this.events);
    if (ex.aborted) {
      this.resolve({ outcome: { status: 'aborted', httpStatus: ex.headersSent ? ex.sentStatus : 499, errorType: 'client_disconnected', errorMessage: 'client disconnected before the stream was complete' }, usage });
      return;
    }
    if (last !== undefined) this.recorder.markFirstToken();
    let failed = this.failed;
    if (failed === undefined && !this.done) failed = `${this.provider}: the provider closed the stream before it was complete`;
    if (failed !== undefined) {
      if (!ex.headersSent && last === undefined) {
        this.reject(new HttpError(502, 'api_error', 'upstream_error', failed));
        return;
      }
      const error = { error: { message: failed, type: 'api_error', param: null, code: 'upstream_error' } };
      // An upstream error event was already forwarded verbatim; otherwise tell the client ourselves.
      const tail = this.upstreamErrorEvent ? '' : `data: ${JSON.stringify(error)}\n\n`;
      ex.endStreamWith(last === undefined ? tail : tail === '' ? last : Buffer.concat([last, Buffer.from(tail)]), 200, SSE_HEADERS);
      this.resolve({ outcome: { status: 'error', httpStatus: ex.sentStatus, errorType: 'upstream_error', errorMessage: failed }, usage });
      return;
    }
    if (ex.headersSent || last !== undefined) ex.endStreamWith(last ?? '', 200, SSE_HEADERS);
    else ex.send(200, '', 'text/event-stream');
    this.resolve({ outcome: { status: 'success', httpStatus: 200 }, usage });
  }
}

/**
 * Where the next `"usage":{` starts in `data` at or after `from`, or -1. (Buffer search cost is dominated by the
 * needle's first byte: searching for its tail and checking the four bytes before is several times faster.)
 */
function findUsageObject(data: Buffer, from: number): number {
  for (let i = data.indexOf(USAGE_OBJECT_TAIL, from + 4); i !== -1; i = data.indexOf(USAGE_OBJECT_TAIL, i + 1)) {
    if (data[i - 4] === 0x22 && data[i - 3] === 0x75 && data[i - 2] === 0x73 && data[i - 1] === 0x61) return i - 4; // "usa
  }
  return -1;
}

/**
 * Scratch memory the pieces of one read are joined in: what is taken from it is written to the client (uWS copies
 * what it cannot send at once) or copied (the incomplete tail) before the flush returns, so one buffer serves
 * every flush and a stream allocates nothing per read for it.
 */
const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

/** The pieces joined: in `scratch` (valid until the caller returns) when they fit, else in a new buffer. */
function joinPieces(pieces: readonly Buffer[], total: number): Buffer {
  if (total > SCRATCH_BYTES) return Buffer.concat(pieces, total);
  let at = 0;
  for (const piece of pieces) at += piece.copy(scratch, at);
  return scratch.subarray(0, at);
}

/** Whether data[start, end) begins with `prefix`. */
function startsWith(data: Buffer, start: number, end: number, prefix: Buffer): boolean {
  const n = prefix.length;
  if (end - start < n) return false;
  for (let i = 0; i < n; i++) if (data[start + i] !== prefix[i]) return false;
  return true;
}

interface OpenAiUsageJson {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

function usageOf(event: Buffer): OpenAiUsageJson | undefined {
  try {
    const json = JSON.parse(event.subarray(event.indexOf('{')).toString('utf8')) as { usage?: OpenAiUsageJson | null };
    return json.usage ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `usage` of a whole chat completion. Usage is the last member in practice, so it is looked up from the end
 * and only that object is parsed (a long answer is not parsed just to count it); anything unexpected falls back
 * to parsing the whole body. Not JSON at all: undefined (forwarded as is; usage is estimated).
 */
export function usageOfJson(bytes: Buffer): OpenAiUsageJson | undefined {
  const object = lastUsageObject(bytes);
  if (object !== undefined) {
    try {
      const usage = JSON.parse(object) as OpenAiUsageJson;
      if (typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number') return usage;
    } catch {
      // fall through to the full parse
    }
  }
  try {
    return ((JSON.parse(bytes.toString('utf8')) as { usage?: OpenAiUsageJson | null } | null)?.usage ?? undefined) as OpenAiUsageJson | undefined;
  } catch {
    return undefined;
  }
}

/** The text of the object after the last `"usage":`, or undefined when it is not a plain `{…}`. */
function lastUsageObject(bytes: Buffer): string | undefined {
  // A `"usage"` inside a string value would be escaped (`\"usage\"`), so this is a real key (or string value).
  const at = bytes.lastIndexOf(USAGE_KEY);
  if (at === -1) return undefined;
  let i = at + USAGE_KEY.length;
  while (isSpace(bytes[i])) i++;
  if (bytes[i] !== 0x3a /* : */) return undefined;
  i++;
  while (isSpace(bytes[i])) i++;
  if (bytes[i] !== 0x7b /* { */) return undefined;
  const open = i;
  let depth = 0;
  for (; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x22 /* " */) {
      // Skip the string, honouring escapes.
      for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c /* \ */) i++;
    } else if (c === 0x7b) depth++;
    else if (c === 0x7d /* } */ && --depth === 0) return bytes.toString('utf8', open, i + 1);
  }
  return undefined;
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function errorMessage(event: Buffer): string {
  try {
    const json = JSON.parse(event.subarray(event.indexOf('{')).toString('utf8')) as { error?: { message?: string } };
    return json.error?.message ?? 'upstream error';
  } catch {
    return 'upstream error';
  }
}

function finalUsage(reported: OpenAiUsageJson | undefined, chat: ForwardedChat, events: number): FinalUsage {
  const known = reported?.prompt_tokens !== undefined && reported.completion_tokens !== undefined;
  return {
    inputTokens: reported?.prompt_tokens ?? chat.estimateInputTokens(),
    outputTokens: reported?.completion_tokens ?? events,
    cacheReadTokens: reported?.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: reported?.completion_tokens_details?.reasoning_tokens ?? 0,
    estimated: !known,
  };
}

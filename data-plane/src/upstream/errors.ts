import { undici } from './undici.js';

const undiciErrors = undici.errors;
import type { ProviderError } from '../canonical/errors.js';

/**
 * Shared mapping of upstream failures to canonical `ProviderError`s. Each adapter extracts the message and code (and
 * the parameter blamed, where there is one) from its provider's error body; this file decides statuses and types in
 * one place so every provider's 429 is a 429 with `retry-after`, every context-length error carries
 * `context_length_exceeded`, and so on.
 */

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  413: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** Messages providers use for "the prompt does not fit the model's context window". */
const CONTEXT_LENGTH = [
  /context[_ ]length/i,
  /context window/i,
  /maximum context/i,
  /prompt is too long/i,
  /too many (input )?tokens/i,
  /input (is )?too long/i,
  /exceeds? the (maximum|max) (number of )?tokens/i,
  /input token count.*exceeds/i,
  /exceed context limit/i,
  // llama.cpp's server: "request (4390 tokens) exceeds the available context size (4096 tokens), try increasing it".
  /exceeds? the available context size/i,
];

export function isContextLengthMessage(message: string): boolean {
  return CONTEXT_LENGTH.some((re) => re.test(message));
}

/**
 * Error types that say the prompt does not fit, whatever the wording or status: llama.cpp's server
 * (ggml-org/llama.cpp#15780, which introduced it with code 500; later builds answer 400).
 */
const CONTEXT_LENGTH_TYPES: ReadonlySet<string> = new Set(['exceed_context_size_error']);

/** `retry-after` (seconds or HTTP date) → whole seconds, or undefined. */
export function parseRetryAfter(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * An upstream HTTP error response as a `ProviderError`. The status passes through (a provider's 429 stays 429,
 * its 400 stays 400) except that upstream 401/403 become 502: the client's key was fine, the gateway's
 * credential for the provider was not, and telling the client "your key is invalid" would be wrong. An overload
 * (Anthropic's 529, anyone's 503) is 503, the status OpenAI's clients know; the message is prefixed with the provider,
 * for logs and for clients of a protocol other than the provider's. Anthropic's clients of a forwarded request get
 * Anthropic's own error instead, 529 and all (`surfaces/anthropic-messages/errors.ts`, `forwardedAnthropicError`).
 */
export function upstreamHttpError(input: {
  provider: string;
  status: number;
  message: string;
  code?: string | null;
  /** The error's type as the provider named it, where its body has one (OpenAI's `error.type`). */
  type?: string | null;
  retryAfter?: string | undefined | null;
  /** The request parameter the provider blamed, where its body names one (OpenAI's `error.param`). */
  param?: string | null;
  /** Provider-specific flags found by the adapter. */
  contentPolicy?: boolean;
}): ProviderError {
  const { provider, status, message } = input;
  const retryAfterSeconds = parseRetryAfter(input.retryAfter);
  const refusal = { provider, message: `${provider}: ${message}`, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
  if (status === 401 || status === 403) {
    // No `param`: what was refused is the gateway's credential, not anything in the client's request. Nor the part of
    // that credential some providers quote (OpenAI: "Incorrect API key provided: sk-proj-****cdef"): every client
    // would read the end of the gateway's key.
    return { ...refusal, message: `${provider}: ${withoutQuotedKeys(message)}`, status: 502, type: 'api_error', code: 'upstream_auth_failed' };
  }
  if (status < 400) {
    // A redirect or an empty answer where an answer or an error was due: the deployment's `apiBase` (http for https, a
    // missing path) or the server, not the client's request.
    const what = status >= 300 && status < 400 ? ` (a redirect: check the deployment's apiBase)` : '';
    const said = message === '' || message === `HTTP ${status}` ? '' : `: ${message}`;
    return { ...refusal, message: `${provider}: the provider answered HTTP ${status}${what}${said}`, status: 502, type: 'api_error', code: 'upstream_error' };
  }
  const base = { ...refusal, ...(typeof input.param === 'string' && input.param !== '' && { param: input.param }) };
  if (input.contentPolicy) return { ...base, status: 400, type: 'invalid_request_error', code: 'content_policy_violation' };
  const contextType = input.type != null && CONTEXT_LENGTH_TYPES.has(input.type);
  if (contextType || ((status === 400 || status === 413 || status === 422) && isContextLengthMessage(message))) {
    return { ...base, status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' };
  }
  if (status === 429) return { ...base, status: 429, type: 'rate_limit_error', code: input.code ?? 'rate_limit_exceeded' };
  if (status === 529 || status === 503) return { ...base, status: 503, type: 'overloaded_error', code: input.code ?? 'upstream_overloaded' };
  // The provider's own deadline (Gemini's 504 DEADLINE_EXCEEDED, a proxy's gateway timeout): a timeout, as the
  // gateway's own timer would say.
  if (status === 504) return { ...base, status: 504, type: 'timeout_error', code: 'upstream_timeout' };
  // 499: the provider cancelled the request (Google's CANCELLED) although the gateway did not: its failure.
  if (status >= 500 || status === 499) return { ...base, status: 502, type: 'api_error', code: input.code ?? 'upstream_error' };
  return { ...base, status, type: TYPE_BY_STATUS[status] ?? 'invalid_request_error', code: input.code ?? null };
}

/** An error `code` that is an HTTP error status (a number, or digits, between 400 and 599). */
export function httpStatusCode(code: unknown): number | undefined {
  const status = typeof code === 'number' ? code : typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : undefined;
  return status !== undefined && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
}

/**
 * An error body that is not the provider's JSON, as a message: a proxy's HTML page (nginx's 502, Cloudflare's 524) by
 * its title, other text with its whitespace collapsed, at most `max` characters; `HTTP <status>` when empty.
 */
export function plainErrorMessage(text: string, status: number, max = 1000): string {
  const trimmed = text.trim();
  if (/^<(!doctype|html|head|body)\b/i.test(trimmed)) {
    const heading = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(trimmed)?.[1];
    const title = (heading ?? trimmed.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
    return title ? `an HTML page (HTTP ${status}): ${title.slice(0, 200)}` : `an HTML page (HTTP ${status})`;
  }
  return trimmed.replace(/\s+/g, ' ').slice(0, max) || `HTTP ${status}`;
}

/** A key as providers quote it, masked but for its ends (`sk-proj-*****cdef`, `AIza…****`). */
const QUOTED_KEY = /[\w.-]*\*{3,}[\w-]*/g;

/** `message` with any quoted (masked) key taken out. */
export function withoutQuotedKeys(message: string): string {
  return message.replace(QUOTED_KEY, '[redacted]');
}

/** Network errors of a connection that was never made: the provider could not be reached. */
const NOT_CONNECTED: ReadonlySet<unknown> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * Network errors of a connection that was made and then broke (reset, closed by the other side, written to after it
 * closed). They come before the answer and in the middle of it alike: undici's "other side closed" is the same error
 * whether the provider dropped the request or a stream after its hundredth chunk.
 */
const CONNECTION_BROKE: ReadonlySet<unknown> = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * Network failures, timeouts and anything thrown inside an adapter, as a `ProviderError`. Both kinds of network
 * failure are `upstream_unreachable` (the router's `connection` failure), but only a connection never made is
 * worded "could not reach". A broken one is worded so that it holds whether or not part of the answer had arrived:
 * the same-protocol fast path reports a stream that breaks off in the middle with it too.
 */
export function toProviderError(err: unknown, provider: string): ProviderError {
  if (isProviderError(err)) return err;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError || err instanceof undiciErrors.ConnectTimeoutError) {
    return { status: 504, type: 'timeout_error', code: 'upstream_timeout', message: `${provider}: the provider did not answer in time (${err.message})`, provider };
  }
  const code = (err as { code?: unknown })?.code;
  if (NOT_CONNECTED.has(code)) {
    return { status: 502, type: 'api_error', code: 'upstream_unreachable', message: `${provider}: could not reach the provider (${String(code)})`, provider };
  }
  if (CONNECTION_BROKE.has(code)) {
    return { status: 502, type: 'api_error', code: 'upstream_unreachable', message: `${provider}: ${CLOSED_EARLY} (${String(code)})`, provider };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `${provider}: ${message}`, provider };
}

const CLOSED_EARLY = 'the connection closed before the response finished';

/**
 * A failure while the provider's answer was arriving (its body broke off after the stream began), for adapters that
 * know the answer had begun. Timeouts keep their meaning; a network failure is the provider's failure
 * (`upstream_error`), not `upstream_unreachable`: the provider was reached and had been answering.
 */
export function brokenStreamError(err: unknown, provider: string): ProviderError {
  if (isProviderError(err)) return err;
  const error = toProviderError(err, provider);
  if (error.code !== 'upstream_unreachable') return error;
  const code = (err as { code?: unknown })?.code;
  return { ...error, code: 'upstream_error', message: `${provider}: ${CLOSED_EARLY}${typeof code === 'string' ? ` (${code})` : ''}` };
}

/** Adapters may throw a `ProviderError` object; it passes through unchanged. */
export function isProviderError(value: unknown): value is ProviderError {
  return typeof value === 'object' && value !== null && 'status' in value && 'type' in value && 'message' in value && !(value instanceof Error);
}

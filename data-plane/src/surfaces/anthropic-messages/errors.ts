import type { ProviderError } from '../../canonical/errors.js';
import { HttpError, type ErrorRenderer } from '../../http/errors.js';
import { parseErrorBody } from '../../providers/anthropic/anthropic-error.js';

/**
 * Anthropic's error object, for every error on the Messages routes (HTTP responses and the in-stream `error`
 * event alike): `{"type":"error","error":{"type":"not_found_error","message":"…"}}`. The HTTP status is never
 * changed; only the body speaks Anthropic, so the Anthropic SDKs raise their usual classes (401
 * AuthenticationError, 404 NotFoundError, 429 RateLimitError, …) and expose `error.type`. An error Anthropic itself
 * answered a forwarded request with is the exception: it goes as Anthropic sent it (`AnthropicUpstreamError`).
 * @see https://docs.anthropic.com/en/api/errors
 */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  /** The gateway's id of the request, as its `request-id` header (Anthropic's bodies carry their own so). */
  request_id?: string;
}

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/**
 * Anthropic's error body as Anthropic sent it: a type this list may not name yet (the SDK knows `conflict_error`,
 * …), and whatever else it carries (`error.details` with an `error_code`, which the SDK exposes as `errorCode`;
 * `request_id`, Anthropic's id of the request, for its support).
 */
export interface UpstreamErrorBody {
  readonly type: 'error';
  readonly error: { readonly type: string; readonly message: string; readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}

/**
 * An error Anthropic answered a forwarded request with (an error response, or an `error` event before the answer
 * began): the client gets Anthropic's body untouched, because Claude Code acts on its `type` and `message`. It
 * retries `overloaded_error` and may then switch to its fallback model; it reads "input length and `max_tokens`
 * exceed context limit: 178959 + 64000 > 200000, …" to retry with a smaller `max_tokens`, and "prompt is too long:
 * N tokens > M maximum" to compact the conversation. The code is the gateway's reading of the error
 * (`ForwardCapability.mapError`: `context_length_exceeded` for both of those messages), which routing decides
 * retries and fallbacks on, and so is the status, but for an overload's 529. `message` is Anthropic's: when the
 * router tried more than once, the client gets a copy of this error with the attempts added to its message
 * (Anthropic's body with that message, `request_id` and `details` kept), which still begins with Anthropic's words.
 */
export class AnthropicUpstreamError extends HttpError {
  constructor(
    status: number,
    code: string | null,
    readonly body: UpstreamErrorBody,
  ) {
    super(status, body.error.type, code, body.error.message);
  }

  /** Anthropic's body still, its message replaced (`request_id`, `details` and the type kept). */
  override withMessage(message: string): HttpError {
    const copy = new AnthropicUpstreamError(this.status, this.code, { ...this.body, error: { ...this.body.error, message } });
    copy.headers = { ...this.headers };
    return copy;
  }
}

/**
 * Anthropic's status for its `overloaded_error` (Anthropic's own, not HTTP's). The canonical error keeps 503, which
 * the OpenAI surfaces answer (the OpenAI SDKs know no 529); Anthropic's clients key on 529: the SDK raises its
 * `OverloadedError`, and Claude Code counts 529s before it switches to its fallback model.
 */
const OVERLOADED = 529;

/**
 * Status → Anthropic error type, as Anthropic documents them. Other 4xx are `invalid_request_error` (Anthropic
 * says so for "other 4XX status codes not listed"), other 5xx `api_error`. 503 is what the gateway answers when
 * it or an upstream is overloaded or not ready: the retryable `overloaded_error`, as Anthropic's own 529.
 */
export function anthropicErrorType(status: number): AnthropicErrorType {
  switch (status) {
    case 400: return 'invalid_request_error';
    case 401: return 'authentication_error';
    case 402: return 'billing_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 503:
    case OVERLOADED:
      return 'overloaded_error';
    case 504: return 'timeout_error';
    default: return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

/**
 * The error an Anthropic client gets when Anthropic failed a forwarded request before its answer began: `error` is the
 * provider's reading of Anthropic's answer (`body`, as Anthropic sent it; `shouldRetry`, its `x-should-retry` header).
 * Anthropic's own body and status when it sent one, else the gateway's (an overload as Anthropic's 529). The gateway's
 * credential refused (`upstream_auth_failed`) stays the gateway's 502: Anthropic's "invalid x-api-key" is about the
 * gateway's key, not the client's. `retry-after` and `x-should-retry` go along (the SDKs read both).
 */
export function forwardedAnthropicError(error: ProviderError, body: string, shouldRetry: string | undefined, upstreamStatus?: number): HttpError {
  const own = error.code === 'upstream_auth_failed' ? undefined : upstreamErrorBody(body);
  // Anthropic's own body goes with Anthropic's own status (its 500 `api_error` stays 500, its 503 stays 503).
  const status = own !== undefined && upstreamStatus !== undefined && upstreamStatus >= 400 ? upstreamStatus : error.type === 'overloaded_error' ? OVERLOADED : error.status;
  const http = own === undefined ? new HttpError(status, error.type, error.code, error.message) : new AnthropicUpstreamError(status, error.code, own);
  if (error.retryAfterSeconds !== undefined) http.headers['retry-after'] = String(error.retryAfterSeconds);
  if (shouldRetry !== undefined) http.headers['x-should-retry'] = shouldRetry;
  return http;
}

/** An Anthropic error body as Anthropic sent it, or undefined when `text` is not one. */
function upstreamErrorBody(text: string): UpstreamErrorBody | undefined {
  const body = parseErrorBody(text);
  return body && ({ ...body, type: 'error' } as UpstreamErrorBody);
}

/**
 * The body of `error` for an Anthropic client: Anthropic's own when Anthropic answered the error, else the gateway's,
 * with `requestId` (the gateway's, also its `request-id` header) as Anthropic's bodies carry theirs.
 */
export function anthropicErrorBody(error: HttpError, requestId?: string): AnthropicErrorBody | UpstreamErrorBody {
  if (error instanceof AnthropicUpstreamError) return error.body;
  // The catalogue's text tells OpenAI clients to send a bearer token; Anthropic clients send `x-api-key`.
  const message =
    error.code === 'missing_api_key'
      ? "x-api-key header is required (or send the key as 'Authorization: Bearer <key>')."
      : error.code === 'context_length_exceeded'
        ? promptTooLong(error.message)
        : error.message;
  return { type: 'error', error: { type: anthropicErrorType(error.status), message }, ...(requestId !== undefined && { request_id: requestId }) };
}

/** Where providers (and the gateway's own window check) put the prompt's size and the window's, in their wording. */
const PROMPT_TOKENS = [/(\d+) in the messages/, /resulted in (\d+) tokens/, /input token count \((\d+)\)/, /prompt is about (\d+) tokens/, /has (\d+) input tokens/, /requested (\d+) tokens/];
const WINDOW_TOKENS = [/maximum context length is (\d+)/, /maximum number of tokens allowed \((\d+)\)/, /largest: (\d+) tokens/, /maximum input length of (\d+)/];

/**
 * Anthropic's own words for a prompt that does not fit, which Claude behind another provider may pass on too (Bedrock
 * does the first): the prompt alone over the window ("prompt is too long: N tokens > M maximum"), and the prompt and
 * `max_tokens` together over it ("input length and `max_tokens` exceed context limit: A + B > C, …"), which Claude
 * Code answers differently: it retries with a smaller `max_tokens` instead of compacting the conversation.
 */
const ANTHROPIC_WORDS = /prompt is too long|input length and `max_tokens` exceed context limit/i;

/**
 * A prompt over the model's window, in Anthropic's words: `prompt is too long: 210000 tokens > 200000 maximum`.
 * Claude Code recognises that text (and reads the two numbers) to compact the conversation; a translated provider's
 * own wording would reach it as a bare API error. A message already in Anthropic's words keeps them (from where they
 * start: after the gateway's `provider: ` prefix); otherwise the numbers come from the provider's message when it has
 * them, else the provider's message follows the words.
 */
function promptTooLong(message: string): string {
  const own = ANTHROPIC_WORDS.exec(message);
  if (own !== null) return message.slice(own.index);
  const prompt = firstNumber(message, PROMPT_TOKENS);
  const window = firstNumber(message, WINDOW_TOKENS);
  return prompt !== undefined && window !== undefined ? `prompt is too long: ${prompt} tokens > ${window} maximum` : `prompt is too long: ${message}`;
}

function firstNumber(message: string, patterns: readonly RegExp[]): number | undefined {
  for (const re of patterns) {
    const match = re.exec(message);
    if (match) return Number(match[1]);
  }
  return undefined;
}

export const renderAnthropicError: ErrorRenderer = anthropicErrorBody;

/**
 * A 400 naming the offending field the way Anthropic does (`max_tokens: Field required`,
 * `messages.1.content.0.type: …`).
 */
export function invalidRequest(path: string, detail: string, code: 'missing_required_parameter' | 'invalid_value' | 'unsupported_value' = 'invalid_value'): HttpError {
  return new HttpError(400, 'invalid_request_error', code, path === '' ? detail : `${path}: ${detail}`, path === '' ? null : path);
}

import { HttpError, type ErrorRenderer } from '../../http/errors.js';

/**
 * Anthropic's error object, for every error on the Messages routes (HTTP responses and the in-stream `error`
 * event alike): `{"type":"error","error":{"type":"not_found_error","message":"…"}}`. The HTTP status is never
 * changed; only the body speaks Anthropic, so the Anthropic SDKs raise their usual classes (401
 * AuthenticationError, 404 NotFoundError, 429 RateLimitError, …) and expose `error.type`.
 * @see https://docs.anthropic.com/en/api/errors
 */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
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
    case 529:
      return 'overloaded_error';
    case 504: return 'timeout_error';
    default: return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

export function anthropicErrorBody(error: HttpError): AnthropicErrorBody {
  // The catalogue's text tells OpenAI clients to send a bearer token; Anthropic clients send `x-api-key`.
  const message =
    error.code === 'missing_api_key'
      ? "x-api-key header is required (or send the key as 'Authorization: Bearer <key>')."
      : error.code === 'context_length_exceeded'
        ? promptTooLong(error.message)
        : error.message;
  return { type: 'error', error: { type: anthropicErrorType(error.status), message } };
}

/** Where providers (and the gateway's own window check) put the prompt's size and the window's, in their wording. */
const PROMPT_TOKENS = [/(\d+) in the messages/, /resulted in (\d+) tokens/, /input token count \((\d+)\)/, /prompt is about (\d+) tokens/, /has (\d+) input tokens/, /requested (\d+) tokens/];
const WINDOW_TOKENS = [/maximum context length is (\d+)/, /maximum number of tokens allowed \((\d+)\)/, /largest: (\d+) tokens/, /maximum input length of (\d+)/];

/**
 * A prompt over the model's window, in Anthropic's words: `prompt is too long: 210000 tokens > 200000 maximum`.
 * Claude Code recognises that text (and reads the two numbers) to compact the conversation; a translated provider's
 * own wording would reach it as a bare API error. The numbers come from the provider's message when it has them,
 * else the provider's message follows the words.
 */
function promptTooLong(message: string): string {
  if (/prompt is too long/i.test(message)) return message.slice(message.search(/prompt is too long/i));
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

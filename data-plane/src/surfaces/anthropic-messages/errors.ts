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
  const message = error.code === 'missing_api_key' ? "x-api-key header is required (or send the key as 'Authorization: Bearer <key>')." : error.message;
  return { type: 'error', error: { type: anthropicErrorType(error.status), message } };
}

export const renderAnthropicError: ErrorRenderer = anthropicErrorBody;

/**
 * A 400 naming the offending field the way Anthropic does (`max_tokens: Field required`,
 * `messages.1.content.0.type: …`).
 */
export function invalidRequest(path: string, detail: string, code: 'missing_required_parameter' | 'invalid_value' | 'unsupported_value' = 'invalid_value'): HttpError {
  return new HttpError(400, 'invalid_request_error', code, path === '' ? detail : `${path}: ${detail}`, path === '' ? null : path);
}

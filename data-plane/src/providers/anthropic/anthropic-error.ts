import { z } from 'zod';
import type { ProviderError } from '../../canonical/errors.js';
import { plainErrorMessage, upstreamHttpError } from '../../upstream/errors.js';

/**
 * Anthropic's error body, the same for HTTP errors and the in-stream `error` event:
 * `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_…"}`.
 * @see https://docs.anthropic.com/en/api/errors
 */
/** Anthropic's error body; what else it carries (`error.details`, …) is kept, for a client that gets it as sent. */
export const AnthropicErrorBody = z.looseObject({
  type: z.literal('error').optional(),
  error: z.looseObject({ type: z.string(), message: z.string() }),
  request_id: z.string().nullish(),
});
export type AnthropicErrorBody = z.infer<typeof AnthropicErrorBody>;

/** HTTP status Anthropic uses for each error type (in-stream errors carry only the type). */
const STATUS_BY_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * Anthropic error type → the status Anthropic answers it with: what an in-stream `error` event, which carries only its
 * type, stands for (`overloaded_error` after a 200 is Anthropic's 529). A type not listed is `api_error`'s 500.
 */
export function anthropicErrorStatus(type: string): number {
  return STATUS_BY_ERROR_TYPE[type] ?? 500;
}

/**
 * Anthropic's "the prompt does not fit" messages the shared list does not know: besides "prompt is too long: N
 * tokens > M maximum" it answers "input length and `max_tokens` exceed context limit: A + B > C".
 */
const CONTEXT_LIMIT = /exceed context limit/i;

const PROVIDER = 'anthropic';

/** A non-2xx response as a `ProviderError`, keeping Anthropic's message and the `retry-after` header. */
export function anthropicHttpError(status: number, bodyText: string, retryAfter: string | undefined): ProviderError {
  const body = parseErrorBody(bodyText);
  const message = body?.error.message ?? plainErrorMessage(bodyText, status, 500);
  return withContextLimit(upstreamHttpError({ provider: PROVIDER, status, message, retryAfter }), status, message);
}

/** An in-stream `error` event (after a 200), mapped as the HTTP error of the same type would be. */
export function anthropicStreamError(data: string): ProviderError {
  const body = parseErrorBody(data);
  if (!body) return { status: 502, type: 'api_error', code: 'upstream_error', message: `${PROVIDER}: unreadable error event: ${data.slice(0, 200)}`, provider: PROVIDER };
  const status = anthropicErrorStatus(body.error.type);
  return withContextLimit(upstreamHttpError({ provider: PROVIDER, status, message: body.error.message }), status, body.error.message);
}

function withContextLimit(error: ProviderError, status: number, message: string): ProviderError {
  if (status === 400 && error.code !== 'context_length_exceeded' && CONTEXT_LIMIT.test(message)) {
    return { ...error, status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' };
  }
  return error;
}

/** `text` as Anthropic's error body, or undefined when it is not one. */
export function parseErrorBody(text: string): AnthropicErrorBody | undefined {
  try {
    const parsed = AnthropicErrorBody.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

import type { ProviderError } from '../../canonical/errors.js';
import { upstreamHttpError } from '../../upstream/errors.js';
import { headerValue, type UpstreamResponse } from '../../upstream/http.js';
import { ErrorBodySchema, type ErrorBody } from './wire.js';

/**
 * Bedrock failures → canonical errors, for HTTP error responses and in-stream exception messages alike.
 *
 * An HTTP error names its type in the `x-amzn-ErrorType` header (`ThrottlingException:http://internal.amazon.com/…`)
 * with `{"message": …}` as the body; an exception in a ConverseStream body names it in `:exception-type`
 * (`throttlingException`, lower camel case) with the same body. Both go through one table of statuses, then through
 * the shared `upstreamHttpError`, which recognises context-length messages ("Input is too long for requested
 * model", "prompt is too long: … tokens > … maximum") and turns the gateway's own credential failures into 502s.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
 */

const PROVIDER = 'bedrock';

/** HTTP status of each error type, keyed by lowercased name (header and stream spellings differ in case only). */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  validationexception: 400,
  servicequotaexceededexception: 400,
  accessdeniedexception: 403,
  unrecognizedclientexception: 403,
  invalidsignatureexception: 403,
  expiredtokenexception: 403,
  missingauthenticationtokenexception: 403,
  resourcenotfoundexception: 404,
  modeltimeoutexception: 408,
  modelerrorexception: 424,
  modelstreamerrorexception: 424,
  throttlingexception: 429,
  modelnotreadyexception: 429,
  internalserverexception: 500,
  serviceunavailableexception: 503,
};

export interface BedrockErrorInput {
  /** Error type as Bedrock names it, in either spelling; undefined when it did not say. */
  readonly errorType: string | undefined;
  /** HTTP status when there was one (in-stream exceptions have none: the table decides). */
  readonly status: number | undefined;
  readonly body: ErrorBody;
  readonly rawBody?: string;
  readonly retryAfter?: string | undefined;
}

export function bedrockError(input: BedrockErrorInput): ProviderError {
  const type = input.errorType;
  const key = type?.toLowerCase();
  const status = input.status ?? (key !== undefined ? STATUS_BY_TYPE[key] : undefined) ?? 500;
  const detail = input.body.message ?? input.body.Message ?? (input.rawBody?.trim() || `HTTP ${status}`);
  const original = input.body.originalMessage && input.body.originalMessage !== detail ? ` (model said: ${input.body.originalMessage})` : '';
  const message = `${type ? `${pascal(type)}: ` : ''}${detail}${original}`;

  if (key === 'modeltimeoutexception' || status === 408) {
    return { status: 504, type: 'timeout_error', code: 'upstream_timeout', message: `${PROVIDER}: ${message}`, provider: PROVIDER };
  }
  if (key === 'servicequotaexceededexception') {
    return upstreamHttpError({ provider: PROVIDER, status: 429, message, code: 'quota_exceeded', retryAfter: input.retryAfter });
  }
  // The model failed (ModelErrorException, ModelStreamErrorException): the gateway's upstream failed, not the client.
  if (status === 424) return upstreamHttpError({ provider: PROVIDER, status: 502, message, code: 'upstream_error' });
  return upstreamHttpError({ provider: PROVIDER, status, message, retryAfter: input.retryAfter });
}

/** Reads an HTTP error response of Bedrock Runtime (the body in full: error bodies are small). */
export async function bedrockHttpError(response: UpstreamResponse): Promise<ProviderError> {
  let rawBody = '';
  try {
    rawBody = await response.body.text();
  } catch {
    // The status alone still says what happened.
  }
  const body = parseErrorBody(rawBody);
  return bedrockError({
    errorType: errorTypeOf(headerValue(response.headers, 'x-amzn-errortype'), body),
    status: response.statusCode,
    body,
    rawBody: rawBody.slice(0, 500),
    retryAfter: headerValue(response.headers, 'retry-after'),
  });
}

/** An `exception` message in a ConverseStream body (or an `error` message's code and text). */
export function bedrockStreamException(exceptionType: string | undefined, payload: Uint8Array | string): ProviderError {
  const rawBody = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  const body = parseErrorBody(rawBody);
  return bedrockError({ errorType: errorTypeOf(exceptionType, body), status: undefined, body, rawBody: rawBody.slice(0, 500) });
}

export function parseErrorBody(raw: string): ErrorBody {
  if (raw.trim() === '') return {};
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** `ThrottlingException:http://internal.amazon.com/coral/…` or `com.amazon.coral.service#ThrottlingException` → `ThrottlingException`. */
export function errorTypeOf(header: string | undefined, body: ErrorBody): string | undefined {
  const raw = header ?? body.__type;
  if (!raw) return undefined;
  const name = raw.split(':')[0]!.split('#').pop()!.trim();
  return name === '' ? undefined : name;
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

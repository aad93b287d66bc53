/**
 * Every error the data plane answers with, as an OpenAI error object: `{"error":{"message","type","param","code"}}`.
 * The OpenAI SDKs map the status to their error classes (401 AuthenticationError, 403 PermissionDeniedError,
 * 404 NotFoundError, …) and expose `code`, so clients can branch on either. As OpenAI does, client errors (4xx) have
 * type `invalid_request_error` and gateway/upstream failures (5xx) `api_error`; `code` tells them apart.
 */

import type { ProviderError } from '../canonical/errors.js';
import type { FinalUsage } from '../pipeline/accounting.js';

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null; innererror?: unknown };
}

export class HttpError extends Error {
  override readonly name = 'HttpError';
  /** Extra response headers, e.g. `retry-after` on a 429. */
  headers: Record<string, string> = {};
  /** A budget refusal's subject (kind and id), recorded on the usage event for the control plane's alerts. */
  refusedBy: { readonly kind: string; readonly id: string; readonly spent?: number } | undefined;
  /** See `ProviderError.credentialRenewed`: the router may try the same deployment once more. */
  credentialRenewed = false;
  /**
   * What the upstream reported it used for the answer this error replaced, where it bills such an answer
   * (`ProviderError.billed`: a blocked prompt, a malformed function call), recorded when the request ends with this error.
   */
  billed: FinalUsage | undefined;
  /** See `ProviderError.innerError`. */
  innerError: unknown;

  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  /** A provider failure as the response the client gets when nothing has been sent yet; the provider's `param` kept. */
  static fromProvider(error: ProviderError): HttpError {
    const http = new HttpError(error.status, error.type, error.code, error.message, error.param ?? null);
    if (error.retryAfterSeconds !== undefined) http.headers['retry-after'] = String(error.retryAfterSeconds);
    if (error.credentialRenewed === true) http.credentialRenewed = true;
    if (error.innerError !== undefined) http.innerError = error.innerError;
    return http;
  }

  toBody(): OpenAiErrorBody {
    const error = { message: this.message, type: this.type, param: this.param, code: this.code };
    return { error: this.innerError === undefined ? error : { ...error, innererror: this.innerError } };
  }

  /** The same error with another message (routing adds how many attempts failed), headers and all. */
  withMessage(message: string): HttpError {
    const copy = new HttpError(this.status, this.type, this.code, message, this.param);
    copy.headers = { ...this.headers };
    copy.refusedBy = this.refusedBy;
    copy.billed = this.billed;
    copy.innerError = this.innerError;
    return copy;
  }
}

/** Renders an error in an inbound protocol's own error shape; `requestId` is the gateway's id of the request. */
export type ErrorRenderer = (error: HttpError, requestId: string) => unknown;

/** OpenAI's shape, the default for every route that is not Anthropic's. */
export const renderOpenAiError: ErrorRenderer = (error) => error.toBody();

/** The catalogue, so status/type/code combinations are decided in one place. */
export const errors = {
  notReady: () => new HttpError(503, 'api_error', 'config_not_loaded', 'The gateway has not loaded its configuration yet; retry shortly.'),
  missingKey: () => new HttpError(401, 'invalid_request_error', 'missing_api_key', "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'."),
  missingMetricsToken: () => new HttpError(401, 'invalid_request_error', 'missing_api_key', "This data plane's metrics need its metrics token (TOLLGATE_METRICS_TOKEN) as 'Authorization: Bearer <token>'."),
  invalidMetricsToken: () => new HttpError(401, 'invalid_request_error', 'invalid_api_key', "Incorrect metrics token (this data plane's TOLLGATE_METRICS_TOKEN)."),
  invalidKey: () => new HttpError(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'),
  keyBlocked: () => new HttpError(401, 'invalid_request_error', 'api_key_blocked', 'This API key has been blocked.'),
  keyExpired: () => new HttpError(401, 'invalid_request_error', 'api_key_expired', 'This API key has expired.'),
  /** A regenerated key's old secret after its grace period: the key lives on under its new secret. */
  keyReplaced: () =>
    new HttpError(401, 'invalid_request_error', 'invalid_api_key', 'This API key was regenerated and the grace period of its old secret has ended; use the new secret.'),
  teamBlocked: () => new HttpError(401, 'invalid_request_error', 'team_blocked', "This API key's team has been blocked."),
  userBlocked: () => new HttpError(401, 'invalid_request_error', 'user_blocked', "This API key's owner has been blocked."),
  organizationBlocked: () => new HttpError(401, 'invalid_request_error', 'organization_blocked', "This API key's organization has been blocked."),
  bodyTooLarge: (max: number) => new HttpError(413, 'invalid_request_error', 'request_too_large', `Request body exceeds the limit of ${max} bytes.`),
  invalidJson: () => new HttpError(400, 'invalid_request_error', 'invalid_json', 'We could not parse the JSON body of your request. Send valid JSON.'),
  missingParameter: (param: string) => new HttpError(400, 'invalid_request_error', 'missing_required_parameter', `Missing required parameter: '${param}'.`, param),
  invalidParameter: (param: string | null, detail: string) =>
    new HttpError(400, 'invalid_request_error', 'invalid_value', param ? `Invalid value for '${param}': ${detail}` : detail, param),
  /** OpenAI's words for an integer below a parameter's minimum. */
  belowMinimum: (param: string, minimum: number, value: number) =>
    new HttpError(400, 'invalid_request_error', 'integer_below_min_value', `Invalid '${param}': integer below minimum value. Expected a value >= ${minimum}, but got ${value} instead.`, param),
  modelNotFound: (model: string) => new HttpError(404, 'invalid_request_error', 'model_not_found', `The model '${model}' does not exist.`, 'model'),
  /**
   * 403, not 404: the model exists and the caller is authenticated but not authorised for it (OpenAI answers
   * "does not have access to model" with 403 as well). Telling the key's owner plainly that access is the problem
   * beats pretending the model does not exist; model names are not secrets.
   */
  modelNotAllowed: (model: string) =>
    new HttpError(403, 'invalid_request_error', 'model_not_allowed', `This API key is not allowed to use the model '${model}'.`, 'model'),
  providerUnavailable: (provider: string) =>
    new HttpError(501, 'api_error', 'provider_not_supported', `Provider '${provider}' is not supported by this data plane yet.`),
  routeNotFound: (method: string, url: string) => new HttpError(404, 'invalid_request_error', 'not_found', `Invalid URL (${method.toUpperCase()} ${url})`),
  ipNotAllowed: (ip: string, scope: 'key' | 'gateway') =>
    new HttpError(403, 'invalid_request_error', 'ip_not_allowed', `Requests from ${ip} are not allowed ${scope === 'key' ? 'for this API key' : 'by this gateway'}.`),
  routeNotAllowed: (route: string) =>
    new HttpError(403, 'invalid_request_error', 'route_not_allowed', `This API key is not allowed to call ${route}.`),
  enforcedParamMissing: (param: string, scope: 'key' | 'gateway') =>
    new HttpError(
      400,
      'invalid_request_error',
      'missing_required_parameter',
      `Missing required parameter: '${param}'. ${scope === 'key' ? 'This API key' : 'This gateway'} requires it on every request.${param === 'user' ? " (The end user: 'user' or 'safety_identifier' in OpenAI's APIs, 'metadata.user_id' in Anthropic's.)" : ''}`,
      param,
    ),
  endUserBlocked: (user: string) =>
    new HttpError(403, 'invalid_request_error', 'end_user_blocked', `The end user '${user}' has been blocked.`, 'user'),
  /** The end user `*` is blocked: only end users with settings of their own may be named. */
  endUserUnknown: (user: string) =>
    new HttpError(403, 'invalid_request_error', 'end_user_blocked', `The end user '${user}' is not allowed: this gateway serves only the end users registered with it.`, 'user'),
  /**
   * A request that names the end user `*`: that name holds the defaults of every end user (`ANY_END_USER`), so
   * counting a request under it would spend the defaults' own row, not an end user's.
   */
  endUserReserved: () =>
    new HttpError(400, 'invalid_request_error', 'invalid_value', "Invalid end user '*': it is reserved for the settings every end user defaults to. Name the end user by its own id ('user' or 'safety_identifier' in OpenAI's APIs, 'metadata.user_id' in Anthropic's, or the end-user header), or leave it out.", 'user'),
  /**
   * A rate limit refused the request: 429 with `retry-after` (seconds) when waiting helps; without one (a request
   * larger than the limit itself) `x-should-retry: false`, so the OpenAI and Anthropic SDKs (and Claude Code, which
   * retries a 429 ten times) fail at once instead of retrying what can never be admitted.
   */
  rateLimited: (message: string, code: 'rate_limit_exceeded' | 'parallel_request_limit_exceeded', retryAfterSeconds: number | null) => {
    const error = new HttpError(429, 'rate_limit_error', code, message);
    if (retryAfterSeconds !== null) error.headers['retry-after'] = String(retryAfterSeconds);
    else error.headers['x-should-retry'] = 'false';
    return error;
  },
  /**
   * A spent budget: 429 with the period's end as `retry-after` when it has one, and `x-should-retry: false`, which
   * the official OpenAI and Anthropic SDKs read before the status: retrying before an admin acts or the period ends
   * cannot succeed, so clients (Claude Code retries a 429 ten times) fail at once instead of backing off for minutes.
   */
  budgetExceeded: (message: string, retryAfterSeconds: number | null) => {
    const error = new HttpError(429, 'budget_exceeded', 'budget_exceeded', message);
    if (retryAfterSeconds !== null) error.headers['retry-after'] = String(retryAfterSeconds);
    error.headers['x-should-retry'] = 'false';
    return error;
  },
  /**
   * A budget taken for now by what requests in flight reserved (their estimates until they finish), not spent: a
   * `budget_exceeded` 429 of its own code, with a short `retry-after` and without `x-should-retry: false`, so the SDKs
   * retry it as they retry a rate limit.
   */
  budgetInFlight: (message: string, retryAfterSeconds: number) => {
    const error = new HttpError(429, 'budget_exceeded', 'budget_in_flight', message);
    error.headers['retry-after'] = String(retryAfterSeconds);
    return error;
  },
  /**
   * A stored response this key did not create through Tollgate (or that nobody did): 404 as OpenAI answers for an id it
   * does not have; another key's is not revealed.
   */
  responseNotFound: (id: string) =>
    new HttpError(
      404,
      'invalid_request_error',
      'response_not_found',
      `No response with id '${id}' was created through Tollgate with this API key (Tollgate remembers the responses its keys store for 30 days; a response created with store: false, elsewhere, or by another key cannot be reached here).`,
    ),
  /** OpenAI's own answer for a `previous_response_id` it does not hold (400, not 404), so clients recover alike. */
  previousResponseNotFound: (id: string) =>
    new HttpError(400, 'invalid_request_error', 'previous_response_not_found', `Previous response with id '${id}' not found.`, 'previous_response_id'),
  /**
   * A WebSocket upgrade on the Responses route (Codex and the SDKs' `responses.connect()` try one first). 426 is the
   * answer they fall back to HTTP on at once; any other status costs Codex retries with backoff first.
   */
  responsesWebSocket: () =>
    new HttpError(426, 'invalid_request_error', 'websocket_not_supported', 'Tollgate serves the Responses API over HTTP: send POST /v1/responses (stream: true for its events).'),
  /** Fail-closed during a Redis outage: 503, retry in a second (the limiter reconnects on its own). */
  limitsUnavailable: () => {
    const error = new HttpError(503, 'api_error', 'limits_unavailable', 'The gateway cannot check rate limits and budgets right now (its Redis is unreachable); retry shortly.');
    error.headers['retry-after'] = '1';
    return error;
  },
  internal: () => new HttpError(500, 'api_error', 'internal_error', 'The gateway failed to handle the request.'),
  nestedTooDeep: () =>
    new HttpError(400, 'invalid_request_error', 'invalid_value', 'The request body is nested too deeply to handle (thousands of levels of arrays or objects).'),
} as const;

/**
 * A request's unexpected failure as its answer: a body nested so deeply that handling it overflowed the stack
 * (JSON.parse reads any depth; re-serialising it for the provider does not) is the client's 400, anything else the
 * gateway's 500.
 */
export function unexpectedError(err: unknown): HttpError {
  return err instanceof RangeError && err.message.includes('call stack') ? errors.nestedTooDeep() : errors.internal();
}

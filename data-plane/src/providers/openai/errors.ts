import { z } from 'zod';
import type { ProviderError } from '../../canonical/errors.js';
import type { UpstreamResponse } from '../../upstream/http.js';
import { httpStatusCode, plainErrorMessage, upstreamHttpError } from '../../upstream/errors.js';
import { OpenAiErrorObject } from './wire.js';

/**
 * OpenAI error bodies: `{"error":{"message","type","param","code"}}`. Compatible servers vary (`{"error":"…"}`,
 * FastAPI's `{"detail":…}`, `{"message":…}`, Mistral's `{"message":{"detail":[…]}}`, plain text), so anything
 * readable becomes the message; a validation error's list (pydantic's `{loc, msg}` entries) reads as
 * `body.metadata: Extra inputs are not permitted; …`.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
const ErrorBody = z.looseObject({
  error: z.union([OpenAiErrorObject, z.string()]).nullish(),
  detail: z.unknown().optional(),
  message: z.unknown().optional(),
  type: z.string().nullish(),
});

export interface ParsedOpenAiError {
  readonly message: string;
  readonly code: string | null;
  readonly type: string | null;
  /** The request parameter the error is about (`"temperature"`), when the body names one. */
  readonly param: string | null;
  /** The whole parsed body, for provider-specific checks (Azure's content filter). */
  readonly body: unknown;
}

export function parseErrorBody(text: string, status: number): ParsedOpenAiError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: plainErrorMessage(text, status), code: null, type: null, param: null, body: undefined };
  }
  const parsed = ErrorBody.safeParse(json);
  if (!parsed.success) return { message: text.slice(0, 1000), code: null, type: null, param: null, body: json };
  const { error, detail, message, type } = parsed.data;
  if (error && typeof error === 'object') {
    return { message: error.message ?? `HTTP ${status}`, code: meaningfulCode(error.code), type: error.type ?? null, param: error.param ?? null, body: json };
  }
  const text2 = typeof error === 'string' ? error : readable(message ?? detail);
  return { message: text2 || `HTTP ${status}`, code: null, type: type ?? null, param: null, body: json };
}

const ValidationIssue = z.looseObject({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string().optional() });
/** Said after a refusal of fields the server does not know, for whoever runs the gateway. */
export const DROP_HINT = "the deployment's dropParams setting can take out fields it does not take";

/** A message as a compatible server gives it: text, FastAPI's `{detail}`, or a list of pydantic's issues. */
function readable(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => ValidationIssue.safeParse(v).success)) {
    const issues = value as Array<z.infer<typeof ValidationIssue>>;
    const text = issues.map((issue) => `${issue.loc.join('.')}: ${issue.msg}`).join('; ');
    return issues.some((issue) => issue.type === 'extra_forbidden') ? `${text} (${DROP_HINT})` : text;
  }
  if (typeof value === 'object' && !Array.isArray(value) && 'detail' in value) return readable(value.detail);
  return JSON.stringify(value);
}

/** Azure (`"429"`) and vLLM (`400`) put the HTTP status in `code`; that says nothing the status does not. */
function meaningfulCode(code: string | number | null | undefined): string | null {
  if (code == null || typeof code === 'number' || /^\d+$/.test(code)) return null;
  return code;
}

export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Flags a provider's safety-system error bodies (mapped to `content_policy_violation`). */
export type ContentPolicyCheck = (error: ParsedOpenAiError) => boolean;

/**
 * An upstream error response (status, headers, body text) → `ProviderError`: the provider's message and code
 * kept, `retry-after` found, `context_length_exceeded` recognised by code as well as by wording. The same
 * mapping serves the adapter and the same-protocol fast path (`ForwardCapability.mapError`).
 */
export function mapHttpError(provider: string, status: number, headers: ResponseHeaders, text: string, contentPolicy: ContentPolicyCheck = () => false): ProviderError {
  const error = parseErrorBody(text, status);
  const mapped = upstreamHttpError({
    provider,
    status,
    message: error.message,
    code: error.code,
    type: error.type,
    param: error.param,
    retryAfter: retryAfter(headers),
    contentPolicy: contentPolicy(error),
  });
  if (mapped.code === 'content_policy_violation') {
    const inner = (error.body as { error?: { innererror?: unknown } } | undefined)?.error?.innererror;
    if (inner !== undefined && inner !== null) return { ...mapped, innerError: inner };
  }
  // OpenAI names the context-length error by code; trust the code even when the wording changes.
  if (error.code === 'context_length_exceeded' && mapped.code !== 'context_length_exceeded' && mapped.status < 500) {
    return { ...mapped, status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' };
  }
  return mapped;
}

/** Reads an error response's body and maps it. */
export async function openAiHttpError(provider: string, response: UpstreamResponse, contentPolicy?: ContentPolicyCheck): Promise<ProviderError> {
  const text = await response.body.text().catch(() => '');
  return mapHttpError(provider, response.statusCode, response.headers, text, contentPolicy);
}

/**
 * A mid-stream `{"error": …}` event, or a 200 whose body is one (OpenRouter's, for a request that failed once the model
 * had begun). Its status is the HTTP status its code is, where it is one (OpenRouter's `code` is "the same status code"
 * its error responses carry; vLLM's too), else the one its code stands for (`inStreamErrorStatus`).
 * @see https://openrouter.ai/docs/api/reference/errors-and-debugging
 */
export function streamError(provider: string, error: OpenAiErrorObject | string): ProviderError {
  const object = typeof error === 'string' ? { message: error } : error;
  const message = object.message ?? 'the provider reported an error mid-stream';
  const code = meaningfulCode(object.code);
  return upstreamHttpError({ provider, status: statedStreamErrorStatus(object) ?? inStreamErrorStatus(code, object.type), message, code, type: object.type, param: object.param });
}

/**
 * A choice that ended in failure (`finish_reason` `error` or `abort`, see `mapFinishReason`): the error the choice
 * carries (OpenRouter's `choices[].error`), else a server error naming the finish.
 */
export function finishError(provider: string, finishReason: string | undefined, error: OpenAiErrorObject | string | null | undefined): ProviderError {
  if (error != null) return streamError(provider, error);
  const what = finishReason === 'abort' ? 'the provider aborted the answer' : 'the provider ended the answer with an error';
  return upstreamHttpError({ provider, status: 502, message: `${what} (finish_reason ${finishReason ?? 'unknown'})`, code: 'upstream_error' });
}

/**
 * The status a mid-stream error says it stands for, when it says one: its code as an HTTP status (OpenRouter's, vLLM's),
 * or OpenAI's code for what it is (`inStreamErrorStatus`); undefined without a code.
 */
export function statedStreamErrorStatus(error: OpenAiErrorObject | string): number | undefined {
  if (typeof error === 'string') return undefined;
  const code = meaningfulCode(error.code);
  return httpStatusCode(error.code) ?? (code !== null ? inStreamErrorStatus(code, error.type) : undefined);
}

/**
 * The status of an error OpenAI reports in a stream (the 200 long sent), by its code and type, the same codes its error
 * responses carry: a rate limit or exhausted quota 429; a prompt over the window or otherwise invalid 400, which
 * routing answers with a fallback, not a retry; anything else a server error.
 */
export function inStreamErrorStatus(code: string | null | undefined, type: string | null | undefined): number {
  if (code === 'rate_limit_exceeded' || code === 'insufficient_quota') return 429;
  return code === 'context_length_exceeded' || code === 'invalid_prompt' || type === 'invalid_request_error' ? 400 : 500;
}

/**
 * Seconds to wait before retrying: `retry-after`, else Azure's `retry-after-ms`, else OpenAI's
 * `x-ratelimit-reset-{requests,tokens}` for whichever limit is exhausted (durations like `6m0s`, `1.5s`, `20ms`).
 * Returned as a string for `upstreamHttpError`, which parses it.
 */
export function retryAfter(headers: ResponseHeaders): string | undefined {
  const direct = headerValue(headers, 'retry-after');
  if (direct) return direct;
  const ms = Number(headerValue(headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return String(ms / 1000);
  const resets: number[] = [];
  for (const kind of ['requests', 'tokens']) {
    if (headerValue(headers, `x-ratelimit-remaining-${kind}`) !== '0') continue;
    const seconds = parseDuration(headerValue(headers, `x-ratelimit-reset-${kind}`));
    if (seconds !== undefined) resets.push(seconds);
  }
  return resets.length > 0 ? String(Math.max(...resets)) : undefined;
}

function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `1h2m3.5s`, `6m0s`, `20ms`, `2s` → seconds. */
export function parseDuration(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of value.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
    matched += m[0];
  }
  return matched === value.trim() && matched !== '' ? total : undefined;
}

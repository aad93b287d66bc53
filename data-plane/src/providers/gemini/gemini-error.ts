import { z } from 'zod';
import type { ProviderError } from '../../canonical/errors.js';
import { plainErrorMessage, upstreamHttpError } from '../../upstream/errors.js';
import { failedFunctionCalling } from './map-gemini-finish-reason.js';

const PROVIDER = 'gemini';

/**
 * Google's error body (google.rpc.Status as JSON), sent with an HTTP error status and, by streamGenerateContent,
 * as a stream record when a stream fails after it started. Non-SSE streaming wraps it in a one-element array.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
export const GeminiErrorBody = z.object({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ '@type': z.string().optional(), reason: z.string().optional(), retryDelay: z.string().optional() })).optional(),
  }),
});
export type GeminiErrorBody = z.infer<typeof GeminiErrorBody>;

export function parseGeminiErrorBody(text: string): GeminiErrorBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = GeminiErrorBody.safeParse(Array.isArray(json) ? json[0] : json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * An HTTP error response from Gemini as a `ProviderError`.
 * - Gemini answers a bad API key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID): that is the gateway's
 *   credential failing, so it is mapped like a 401 (502 `upstream_auth_failed`), not blamed on the client's request.
 * - Gemini sends no `retry-after` header on 429; the wait is a `google.rpc.RetryInfo` detail (`"34.4s"`).
 */
export function geminiHttpError(status: number, bodyText: string, retryAfterHeader?: string): ProviderError {
  const body = parseGeminiErrorBody(bodyText);
  return errorFromBody(status, body, bodyText, retryAfterHeader);
}

/** An error record inside a stream (`data: {"error": {...}}`) as a `ProviderError`. */
export function geminiStreamError(body: GeminiErrorBody): ProviderError {
  return errorFromBody(body.error.code ?? 500, body, undefined, undefined);
}

function errorFromBody(status: number, body: GeminiErrorBody | undefined, rawText: string | undefined, retryAfterHeader: string | undefined): ProviderError {
  const error = body?.error;
  const message = error?.message ?? plainErrorMessage(rawText ?? '', status, 500);
  const details = error?.details ?? [];
  const apiKeyInvalid = details.some((d) => d.reason === 'API_KEY_INVALID');
  const retryDelay = details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  return upstreamHttpError({
    provider: PROVIDER,
    status: apiKeyInvalid ? 401 : status,
    message: error?.status ? `${message} (${error.status})` : message,
    retryAfter: retryAfterHeader ?? durationSeconds(retryDelay),
  });
}

/** A protobuf JSON duration (`"34.4s"`) as seconds text for `parseRetryAfter`, which rounds up. */
function durationSeconds(duration: string | undefined): string | undefined {
  const match = duration ? /^(\d+(?:\.\d+)?)s$/.exec(duration) : null;
  return match ? match[1] : undefined;
}

/** A prompt Gemini's safety system blocked before generating anything (`promptFeedback.blockReason`). */
export function geminiContentPolicyError(message: string): ProviderError {
  return upstreamHttpError({ provider: PROVIDER, status: 400, message, contentPolicy: true });
}

/**
 * A response Gemini ended because the model's function calling failed (`failedFunctionCalling`), saying what that
 * means, with Gemini's `finishMessage` when it gave one (for a malformed call, the text the model wrote instead). Neither
 * the client's request nor the deployment failed, but one sampling of the model: a 502 `malformed_model_output`, which
 * the router does not retry (every retry is billed, and the deployment is not unhealthy), and which the client may
 * (its SDK retries a 502; an agent asks again).
 */
export function geminiFunctionCallingError(finishReason: string, finishMessage: string | undefined): ProviderError {
  const detail = finishMessage ? `: ${finishMessage}` : '';
  const meaning = failedFunctionCalling(finishReason);
  return upstreamHttpError({
    provider: PROVIDER,
    status: 502,
    code: 'malformed_model_output',
    message: `Gemini ended the response with finishReason ${finishReason}${meaning ? ` (${meaning})` : ''}${detail}`,
  });
}

/** A response that does not have Gemini's shape. */
export function geminiMalformedResponse(detail: string): ProviderError {
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `${PROVIDER}: unexpected response from the provider (${detail})`, provider: PROVIDER };
}

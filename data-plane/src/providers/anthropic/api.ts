import { withDeploymentHeaders } from '../deployment-headers.js';
import { upstreamJson } from '../drop-params.js';
import { deploymentTimeouts } from '../../upstream/timeouts.js';
import type { ProviderError } from '../../canonical/errors.js';
import { headerValue, upstreamRequest, type UpstreamResponse } from '../../upstream/http.js';
import { isProviderError } from '../../upstream/errors.js';
import type { CanonicalRequest, ProviderCall } from '../types.js';
import { anthropicHttpError } from './anthropic-error.js';

/**
 * Where and how the adapter reaches Anthropic: base URL, auth and version headers, timeouts, and turning a non-2xx
 * answer into a `ProviderError` (thrown, as a plain object, for `defineProvider` to emit).
 * @see https://docs.anthropic.com/en/api/overview
 */

export const DEFAULT_API_BASE = 'https://api.anthropic.com';
export const DEFAULT_API_VERSION = '2023-06-01';
export const DEFAULT_API_KEY_REF = 'env:ANTHROPIC_API_KEY';

/** `{apiBase}/v1/{path}`; an apiBase that already ends in `/v1` is taken as meaning the same. */
export function anthropicUrl(apiBase: string | null, path: 'messages' | 'messages/count_tokens'): string {
  const base = (apiBase ?? DEFAULT_API_BASE).replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${base}/v1/${path}`;
}

export function anthropicHeaders(call: Pick<ProviderCall, 'target' | 'secrets'>, accept: 'application/json' | 'text/event-stream'): Record<string, string> {
  try {
    return withDeploymentHeaders(call.target, call.secrets, {
      'content-type': 'application/json',
      accept,
      'x-api-key': call.secrets.resolve(call.target.apiKeyRef ?? DEFAULT_API_KEY_REF),
      'anthropic-version': call.target.apiVersion ?? DEFAULT_API_VERSION,
    });
  } catch (err) {
    if (isProviderError(err)) throw { ...err, provider: 'anthropic' } satisfies ProviderError;
    throw err;
  }
}

/**
 * POSTs a JSON body and returns the 2xx response; any other status is read and thrown as a `ProviderError`.
 * The client's abort signal goes straight to undici, so a disconnect closes the upstream socket at once.
 */
export async function postAnthropic(
  path: 'messages' | 'messages/count_tokens',
  body: unknown,
  call: ProviderCall,
  stream: boolean,
  /** Headers an Anthropic client sent that Anthropic should see too (`anthropic-beta`). */
  clientHeaders?: Readonly<Record<string, string>>,
  /** Whether a failure carries Anthropic's error body as sent (`ProviderError.upstreamBody`), for an Anthropic client. */
  keepErrorBody = false,
): Promise<UpstreamResponse> {
  const response = await upstreamRequest({
    url: anthropicUrl(call.target.apiBase, path),
    headers: { ...clientHeaders, ...anthropicHeaders(call, stream ? 'text/event-stream' : 'application/json') },
    body: upstreamJson(call.target, body as object),
    signal: call.signal,
    ...deploymentTimeouts(call.target),
  });
  if (response.statusCode >= 200 && response.statusCode < 300) return response;
  const text = await response.body.text().catch(() => '');
  const error = anthropicHttpError(response.statusCode, text, headerValue(response.headers, 'retry-after'));
  throw keepErrorBody ? { ...error, upstreamBody: text } : error;
}

/** The client's Anthropic headers to pass on: only from an Anthropic client (another protocol's mean nothing here). */
export function forwardedHeaders(request: CanonicalRequest): Readonly<Record<string, string>> | undefined {
  return request.passthrough?.protocol === 'anthropic-messages' ? request.passthrough.headers : undefined;
}

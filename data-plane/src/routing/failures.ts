import type { RetryableFailure } from '@tollgate/schema';
import type { HttpError } from '../http/errors.js';

/**
 * What a failed attempt means for routing:
 * - a `RetryableFailure` (timeout, rate limit, server error, unreachable, the gateway's provider credential refused):
 *   the deployment failed, not the request; count it towards the deployment's cooldown and try again, on another
 *   deployment when there is one. `auth` only ever on another one (`retriesSameDeployment`);
 * - `context_window`: the prompt does not fit this model; only a larger model (a context-window fallback) helps;
 * - `content_policy`: the provider's safety system refused it; only another model (a content-policy fallback) helps;
 * - null: the request itself is wrong (400, 404…), so every deployment would answer the same: no retry. So is a model's
 *   unusable output (`malformed_model_output`, a 502: Gemini's MALFORMED_FUNCTION_CALL): the deployment worked and
 *   billed the attempt, and the model may do it again; the client decides whether to ask again.
 */
export type AttemptFailure = RetryableFailure | 'context_window' | 'content_policy';

export function classifyFailure(error: HttpError): AttemptFailure | null {
  if (error.code === 'malformed_model_output') return null;
  const byCode = failureOfCode(error.code);
  if (byCode !== null) return byCode;
  if (error.status === 429) return 'rate_limit';
  if (error.status === 408) return 'timeout';
  // 501 is the gateway's "provider not supported": a configuration problem no retry fixes.
  if (error.status >= 500 && error.status !== 501) return 'server_error';
  return null;
}

/**
 * A stream that failed after it started (the client got the protocol's error event, nothing was retried): still the
 * deployment's failure, counted towards its cooldown, so a deployment whose streams die is skipped like one that
 * refuses requests. `errorType` is the usage outcome's (the error's code).
 */
export function midStreamFailure(errorType: string | null | undefined): RetryableFailure {
  const kind = failureOfCode(errorType ?? null);
  return kind === null || kind === 'context_window' || kind === 'content_policy' ? 'server_error' : kind;
}

function failureOfCode(code: string | null): AttemptFailure | null {
  switch (code) {
    case 'context_length_exceeded':
      return 'context_window';
    case 'content_policy_violation':
      return 'content_policy';
    case 'upstream_timeout':
      return 'timeout';
    case 'upstream_unreachable':
      return 'connection';
    case 'upstream_auth_failed':
    // The deployment's credential reference resolves to nothing usable: the next attempt would read the same.
    case 'provider_credential_missing':
      return 'auth';
    case 'rate_limit_exceeded':
      return 'rate_limit';
  }
  return null;
}

/**
 * Whether a failure of this kind may be retried on the deployment that just failed. A refused credential may not: the
 * provider's 401 or 403 is about the key the gateway holds for the deployment (revoked, wrong, without access to the
 * model), which is still the key the next attempt would send. Another deployment (its own credential) or a fallback
 * model may still answer.
 */
export function retriesSameDeployment(kind: RetryableFailure): boolean {
  return kind !== 'auth';
}

/**
 * Whether the client may retry the error the router ends a request with, which `x-should-retry` tells the official
 * OpenAI and Anthropic SDKs (they read it before the status; without it they retry 408, 409, 429 and 5xx, twice by
 * default, and Claude Code up to ten times). Not for a refused credential, however many attempts: only whoever runs
 * the gateway can fix it. Not after the router made several attempts (retries or fallbacks) at a deployment that
 * failed (a 5xx, a timeout, no connection): each retry of the client's would be routed again with retries of its own,
 * multiplying the upstream calls (3 × 3 for the defaults) for what the router already found failing. But yes for a
 * provider that is busy (a rate limit, 429; an overload, 529 or 503): the router's retries are over within a second
 * (`backoffMs`), while a busy provider recovers in seconds, which the SDKs wait out with their own backoff or the
 * provider's `retry-after` (Anthropic's guidance for 529; Claude Code's "Retrying in …" up to ten times). Otherwise
 * yes: with one attempt, the router either was configured not to retry this kind of failure, or stopped at a
 * `retry-after` longer than it waits (`maxRetryAfterMs`), which the SDKs honour, or the failure is the request's own,
 * which the SDKs do not retry anyway.
 */
export function clientMayRetry(error: HttpError, attempts: number): boolean {
  const kind = classifyFailure(error);
  if (kind === 'auth') return false;
  return attempts <= 1 || providerBusy(error);
}

/** A rate limit or an overload: the provider is well and busy, so waiting helps. */
function providerBusy(error: HttpError): boolean {
  return error.status === 429 || error.status === 529 || error.status === 503 || error.type === 'overloaded_error';
}

/** Milliseconds the provider asked to wait (`retry-after`), or null. */
export function retryAfterMs(error: HttpError): number | null {
  const value = error.headers['retry-after'];
  if (value === undefined) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

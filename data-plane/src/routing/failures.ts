import type { RetryableFailure } from '@tollgate/schema';
import type { HttpError } from '../http/errors.js';

/**
 * What a failed attempt means for routing:
 * - a `RetryableFailure` (timeout, rate limit, server error, unreachable, the gateway's provider credential refused):
 *   the deployment failed, not the request; count it towards the deployment's cooldown and try again, on another
 *   deployment when there is one;
 * - `context_window`: the prompt does not fit this model; only a larger model (a context-window fallback) helps;
 * - `content_policy`: the provider's safety system refused it; only another model (a content-policy fallback) helps;
 * - null: the request itself is wrong (400, 404…), so every deployment would answer the same: no retry.
 */
export type AttemptFailure = RetryableFailure | 'context_window' | 'content_policy';

export function classifyFailure(error: HttpError): AttemptFailure | null {
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
      return 'auth';
    case 'rate_limit_exceeded':
      return 'rate_limit';
  }
  return null;
}

/** Milliseconds the provider asked to wait (`retry-after`), or null. */
export function retryAfterMs(error: HttpError): number | null {
  const value = error.headers['retry-after'];
  if (value === undefined) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

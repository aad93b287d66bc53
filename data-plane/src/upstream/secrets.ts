import { readFileSync, realpathSync, statSync } from 'node:fs';
import { forbiddenSecretRef, isProcPath } from '@tollgate/schema';
import type { ProviderError } from '../canonical/errors.js';

/**
 * Resolves credential references from the config (`env:NAME`, `file:/path`). The snapshot never carries secrets,
 * only these references. File contents are cached and re-read when the file changes (rotated credentials, mounted
 * Kubernetes secrets), checked at most once a second. Resolved values are never logged or put in errors.
 */
export interface SecretResolver {
  /** The secret, or throws a `ProviderError` naming the reference (not the value) when it cannot be resolved. */
  resolve(ref: string): string;
  /** Like `resolve`, but undefined for a null/absent reference. */
  optional(ref: string | null | undefined): string | undefined;
}

export function secretResolver(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  const files = new Map<string, { value: string; mtimeMs: number; checkedAt: number }>();

  const fromFile = (path: string): string | undefined => {
    const now = Date.now();
    const cached = files.get(path);
    if (cached && now - cached.checkedAt < 1_000) return cached.value;
    try {
      // Through symlinks too (`/dev/fd/…`, `/dev/stdin` are /proc/self's), never a process's own state.
      if (isProcPath(realpathSync(path))) return undefined;
      const { mtimeMs } = statSync(path);
      if (cached && cached.mtimeMs === mtimeMs) {
        cached.checkedAt = now;
        return cached.value;
      }
      const value = readFileSync(path, 'utf8').trim();
      files.set(path, { value, mtimeMs, checkedAt: now });
      return value;
    } catch {
      return undefined;
    }
  };

  const resolve = (ref: string): string => {
    // Also refused by the config's schema; checked here too, so no path to the gateway's own secrets is left.
    const forbidden = forbiddenSecretRef(ref);
    if (forbidden !== null) throw unusable(ref, forbidden);
    let value: string | undefined;
    if (ref.startsWith('env:')) value = env[ref.slice(4)];
    else if (ref.startsWith('file:')) value = fromFile(ref.slice(5));
    if (value === undefined || value === '') throw missing(ref);
    return value;
  };

  return {
    resolve,
    optional: (ref) => (ref ? resolve(ref) : undefined),
  };
}

/** A reference no data plane resolves (stored by a release before the rule): the model's requests say which rule. */
function unusable(ref: string, why: string): ProviderError {
  return {
    status: 500,
    type: 'api_error',
    code: 'provider_credential_missing',
    message: `The gateway's credential for this model is not usable: ${ref} may not be read (${why}). An admin gives the model another reference.`,
  };
}

function missing(ref: string): ProviderError {
  return {
    status: 500,
    type: 'api_error',
    code: 'provider_credential_missing',
    message: `The gateway's credential for this model is not configured (${ref} is empty or unreadable).`,
  };
}

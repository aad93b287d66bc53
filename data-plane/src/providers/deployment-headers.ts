import { SecretRef } from '@tollgate/schema';
import type { SecretResolver } from '../upstream/secrets.js';
import type { ProviderTarget } from './types.js';

/**
 * A deployment's request headers: its `extraHeaders` (secret references resolved, names in lower case, as every
 * provider's own are), then the provider's own, which win (credentials, content type). A deployment without extra
 * headers gets `headers` itself back.
 */
export function withDeploymentHeaders(target: ProviderTarget, secrets: SecretResolver, headers: Record<string, string>): Record<string, string> {
  const extra = target.extraHeaders;
  let merged: Record<string, string> | undefined;
  for (const name in extra) {
    const value = extra[name]!;
    (merged ??= {})[name.toLowerCase()] = SecretRef.safeParse(value).success ? secrets.resolve(value) : value;
  }
  return merged === undefined ? headers : Object.assign(merged, headers);
}

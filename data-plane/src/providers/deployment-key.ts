import type { ProviderTarget } from './types.js';

/**
 * A deployment as configured (id, base URL, version), for what a data plane learns about it from its answers
 * (`stream_options` refused, an output cap): a changed base URL or version is another deployment to learn afresh.
 */
export function deploymentKey(target: ProviderTarget): string {
  return `${target.id}\u0000${target.apiBase ?? ''}\u0000${target.apiVersion ?? ''}`;
}

import type { ProviderError } from '../../canonical/errors.js';
import { deploymentKey } from '../deployment-key.js';
import { dropsStreamOptions } from '../drop-params.js';
import type { ProviderTarget } from '../types.js';

/**
 * Whether a deployment takes `stream_options` (`include_usage`: the usage chunk a stream ends with), which the
 * gateway adds to every OpenAI-protocol stream it sends. Most servers do; some refuse the whole request for it:
 * Azure's api-versions before 2024-09-01-preview (400 "Unrecognized request argument supplied"), Mistral's API (422
 * `extra_forbidden`, it reports usage unasked), and strict compatible servers generally. Those are known in advance
 * where they can be (`known`, Azure's api-version; a deployment whose `dropParams` names them), else learnt: a stream refused with an error that names
 * `stream_options` is sent again at once without them, and the deployment (as configured: id, base URL, version)
 * goes without them from then on, in this process. Their streams are billed from the usage the server reports
 * unasked, else from the gateway's own count (marked estimated).
 */
const refusing = new Set<string>();

export function takesStreamOptions(target: ProviderTarget, known?: (target: ProviderTarget) => boolean): boolean {
  if ((known !== undefined && !known(target)) || dropsStreamOptions(target)) return false;
  // On every forwarded request: the key is built only once some deployment has refused.
  return refusing.size === 0 || !refusing.has(deploymentKey(target));
}

/**
 * Whether `error`, the answer to a stream that carried `stream_options`, is the deployment refusing them; if so it is
 * remembered (see above), and the caller sends the stream again without them.
 */
export function refusedStreamOptions(target: ProviderTarget, error: Pick<ProviderError, 'status' | 'message'>): boolean {
  if ((error.status !== 400 && error.status !== 422) || !error.message.includes('stream_options')) return false;
  refusing.add(deploymentKey(target));
  return true;
}

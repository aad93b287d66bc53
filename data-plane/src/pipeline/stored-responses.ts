import { checkAccess, checkGatewayAddress } from '../governance/govern.js';
import { deploymentsById, mayUseModel } from '../config/runtime.js';
import { ClientGoneError, type Exchange } from '../http/exchange.js';
import { errors, HttpError } from '../http/errors.js';
import type { RequestHead } from '../http/request-head.js';
import { upstreamEndpoint } from '../surfaces/forward/forwarder.js';
import { toProviderError } from '../upstream/errors.js';
import { headerValue, upstreamRequest } from '../upstream/http.js';
import { authenticate, openAiCredential } from './authenticate.js';
import type { PipelineDeps } from './context.js';
import { requireConfig } from './require-config.js';

/** What may follow a response id: nothing (retrieve, delete), `/cancel`, `/input_items`. */
const ROUTE = /^(?:\/openai)?\/(?:v1\/)?responses\/([^/]+)(\/cancel|\/input_items)?\/?$/;
const METHODS: Record<string, ReadonlySet<string>> = { '': new Set(['get', 'delete']), '/cancel': new Set(['post']), '/input_items': new Set(['get']) };

/**
 * The stored-response routes of the Responses API: `GET` and `DELETE /v1/responses/{id}`, `POST …/{id}/cancel`,
 * `GET …/{id}/input_items` (with their query parameters). Only the deployment that stored a response can answer for
 * it, and only the key that created it may ask: both come from `ResponseAffinity`, which remembers every stored
 * response a key created through Tollgate (30 days, shared through Redis). The request goes to that deployment as
 * is and its answer comes back as is; provider errors in OpenAI's shape. These calls cost nothing and record no
 * usage event; the key's allowed routes and IP lists apply as to any request.
 */
export async function storedResponse(deps: PipelineDeps, ex: Exchange, head: RequestHead): Promise<void> {
  try {
    const config = requireConfig(deps.config, ex);
    checkGatewayAddress(deps.governance, ex, head);
    const key = authenticate(config, openAiCredential(head), Date.now());
    checkAccess(deps.governance, ex, head, key);
    const match = ROUTE.exec(head.url);
    const method = head.method.toLowerCase();
    if (match === null || !METHODS[match[2] ?? '']!.has(method)) throw errors.routeNotFound(head.method, head.url);
    const id = decodeURIComponent(match[1]!);
    const stored = await deps.affinity.lookup(id);
    const deployment = stored !== undefined && stored.key === key.id ? deploymentsById(config).get(stored.deployment) : undefined;
    if (deployment === undefined || !mayUseModel(key, deployment.name, deployment)) throw errors.responseNotFound(id);
    const capability = deps.providers.get(deployment.provider)?.forward;
    if (capability === undefined || !capability.takes('openai-responses', deployment)) throw errors.responseNotFound(id);

    await capability.ready?.(deployment, deps.secrets);
    const { url, headers } = upstreamEndpoint(capability, 'openai-responses', deployment, deps.secrets);
    const target = `${url}/${encodeURIComponent(id)}${match[2] ?? ''}${head.query !== '' ? `?${head.query}` : ''}`;
    let response;
    try {
      response = await upstreamRequest({ url: target, method: method === 'get' ? 'GET' : method === 'delete' ? 'DELETE' : 'POST', headers: { ...headers, accept: 'application/json' }, signal: ex.signal, ...(typeof deployment.timeoutMs === 'number' && { headersTimeoutMs: deployment.timeoutMs }) });
    } catch (err) {
      if (ex.aborted) throw new ClientGoneError();
      throw HttpError.fromProvider(toProviderError(err, deployment.provider));
    }
    const body = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode >= 400) throw HttpError.fromProvider(capability.mapError(response.statusCode, response.headers, body.toString('utf8')));
    ex.send(response.statusCode, body, headerValue(response.headers, 'content-type') ?? 'application/json');
  } catch (err) {
    if (err instanceof ClientGoneError || ex.aborted) return;
    if (!(err instanceof HttpError)) deps.logger.error('stored-response request failed', { requestId: ex.requestId, error: err });
    ex.sendError(err instanceof HttpError ? err : errors.internal());
  }
}

import { ClientGoneError, type Exchange } from '../../http/exchange.js';
import { errors, HttpError, unexpectedError } from '../../http/errors.js';
import type { RequestHead } from '../../http/request-head.js';
import { checkAccess, checkGatewayAddress } from '../../governance/govern.js';
import { authenticate } from '../../pipeline/authenticate.js';
import type { PipelineDeps } from '../../pipeline/context.js';
import { requireConfig } from '../../pipeline/require-config.js';
import { resolveModel } from '../../pipeline/resolve-model.js';
import { estimatePromptTokens } from '../../providers/token-estimate.js';
import { toProviderError } from '../../upstream/errors.js';
import { anthropicCredential } from './credential.js';
import { forwardedAnthropicError, renderAnthropicError } from './errors.js';
import { withoutForeignThinking } from './foreign-thinking.js';
import { parseMessagesRequest } from './request.js';

/**
 * `POST /v1/messages/count_tokens` → `{"input_tokens": N}`: the same body as a Messages request, `max_tokens` not
 * needed. The same stages as inference up to the model (config 503, key 401, body 413/400, model 404/403), every
 * error in Anthropic's shape; then the provider's own counter when it has one (Anthropic's count_tokens
 * endpoint, given the body as Messages requests are forwarded: as the client sent it, but for thinking Anthropic did
 * not write, `withoutForeignThinking`; Gemini's countTokens),
 * otherwise the local estimate every other provider's prompt would be billed with when unreported.
 *
 * No usage event: counting is free (Anthropic does not bill it either) and no model runs, so there is nothing
 * to put in the spend log; clients such as Claude Code call it routinely. A provider that fails to count fails
 * the request (in Anthropic's shape, with the provider's status) rather than silently falling back to a guess.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
export async function countMessageTokens(deps: PipelineDeps, ex: Exchange, head: RequestHead): Promise<void> {
  try {
    const config = requireConfig(deps.config, ex);
    // Before the body, as in `runInference`: an unauthenticated client cannot make the gateway buffer a body.
    checkGatewayAddress(deps.governance, ex, head);
    const key = authenticate(config, anthropicCredential(head), Date.now());
    // The key's allowed routes and addresses hold here too: a count is a call on the provider, with its credentials.
    checkAccess(deps.governance, ex, head, key);
    const parsed = parseMessagesRequest(await ex.readBody(deps.maxBodyBytes, head.contentLength, head.contentEncoding), { requireMaxTokens: false, anthropicBeta: head.anthropicBeta });
    const model = resolveModel(config, key, parsed.model);
    const provider = deps.providers.get(model.provider);
    if (provider === undefined) throw errors.providerUnavailable(model.provider);
    const call = { target: model, signal: ex.signal, secrets: deps.secrets };
    const forward = provider.forward?.countTokens !== undefined && provider.forward.takes('anthropic-messages', model) ? provider.forward : undefined;
    // Translated (and validated in full) only for another provider; a 400 it throws is the client's, not the provider's.
    const canonical = forward === undefined ? parsed.canonical : undefined;
    let inputTokens: number;
    try {
      if (canonical === undefined) inputTokens = await forward!.countTokens!(withoutForeignThinking(parsed.body), call, parsed.clientHeaders);
      else inputTokens = provider.countTokens ? await provider.countTokens(canonical, call) : estimatePromptTokens(canonical.messages, canonical.tools);
    } catch (err) {
      if (ex.aborted) return;
      // The gateway's own failure (a body too deep to serialise or walk), not the provider's: answered below.
      if (err instanceof RangeError) throw err;
      const error = toProviderError(err, model.provider);
      // Anthropic counting the client's body: its own error, as for a forwarded Messages request.
      throw forward !== undefined && error.upstreamBody !== undefined ? forwardedAnthropicError(error, error.upstreamBody, undefined) : HttpError.fromProvider(error);
    }
    ex.sendJson(200, { input_tokens: inputTokens });
  } catch (err) {
    if (err instanceof ClientGoneError || ex.aborted) return;
    const error = err instanceof HttpError ? err : unexpectedError(err);
    if (error.status >= 500 && !(err instanceof HttpError)) deps.logger.error('count_tokens request failed', { requestId: ex.requestId, error: err });
    ex.sendError(error, renderAnthropicError);
  }
}

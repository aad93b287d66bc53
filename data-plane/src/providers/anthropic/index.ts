import { toProviderError } from '../../upstream/errors.js';
import { defineProvider } from '../define-provider.js';
import type { ForwardCapability, Provider } from '../types.js';
import { anthropicHttpError } from './anthropic-error.js';
import { anthropicHeaders, anthropicUrl, forwardedHeaders } from './api.js';
import { callMessages } from './call.js';
import { countTokensAsSent } from './count-tokens.js';
import { translateRequest, type TranslateOptions } from './translate-request.js';
import type { AnthropicMessagesRequest } from './wire.js';

export type AnthropicProviderOptions = TranslateOptions;

/**
 * The `anthropic` provider: the Messages API (`POST {apiBase}/v1/messages`, streamed or whole) and exact token
 * counts (`/v1/messages/count_tokens`). Credentials come from the model's `apiKeyRef` (default
 * `env:ANTHROPIC_API_KEY`), `anthropic-version` from its `apiVersion` (default 2023-06-01).
 */
export function anthropicProvider(options: AnthropicProviderOptions = {}): Provider {
  return defineProvider<AnthropicMessagesRequest>({
    kind: 'anthropic',
    translateRequest: (request, target) => translateRequest(request, target, options),
    call: (wire, call, request) => callMessages(wire, call, forwardedHeaders(request)),
    forward: ANTHROPIC_FORWARD,
  });
}

/**
 * Anthropic Messages in, to an Anthropic deployment: the client's body and beta flags go as they are and the answer
 * comes back byte for byte (`surfaces/anthropic-messages/forward.ts`), so nothing the canonical form does not model
 * (server tools' blocks, citations) is lost on the way.
 */
const ANTHROPIC_FORWARD: ForwardCapability = {
  takes: (protocol) => protocol === 'anthropic-messages',
  upstream: (_protocol, target, secrets) => ({ url: anthropicUrl(target.apiBase, 'messages'), headers: anthropicHeaders({ target, secrets }, 'application/json') }),
  mapError: (status, headers, body) => {
    const retryAfter = headers['retry-after'];
    return anthropicHttpError(status, body, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  },
  countTokens: async (body, call, clientHeaders) => {
    try {
      return await countTokensAsSent(body, call, clientHeaders);
    } catch (err) {
      // Failures reach the caller as `ProviderError`s, like the chat stream's error events.
      throw toProviderError(err, 'anthropic');
    }
  },
};

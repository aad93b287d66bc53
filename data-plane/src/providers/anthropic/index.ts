import { toProviderError } from '../../upstream/errors.js';
import { defineProvider } from '../define-provider.js';
import type { Provider } from '../types.js';
import { forwardedHeaders } from './api.js';
import { callMessages } from './call.js';
import { countTokens } from './count-tokens.js';
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
    countTokens: async (request, call) => {
      try {
        return await countTokens(translateRequest(request, call.target, options), call, forwardedHeaders(request));
      } catch (err) {
        // Failures reach the caller as `ProviderError`s, like the chat stream's error events.
        throw toProviderError(err, 'anthropic');
      }
    },
  });
}

import { openAiProtocolProvider } from '../openai/adapter.js';
import type { Provider } from '../types.js';
import { azureEndpoints, azureMaxTokensField, azureTakesStreamOptions } from './api.js';
import { isAzureContentFilterError } from './content-filter.js';

export { azureChatUpstream, azureCompletionsUpstream } from './api.js';

/**
 * The `azure` provider: the OpenAI adapter at Azure's deployment URLs with an `api-key` header
 * (`apiKeyRef`, default `env:AZURE_OPENAI_API_KEY`), Azure's content-filter errors recognised, and for api-versions
 * before 2024-09-01-preview, which refuse what they do not know, no `stream_options` (their streams are counted
 * locally) and `max_tokens` for `max_completion_tokens`.
 */
export function azureProvider(): Provider {
  return openAiProtocolProvider({
    kind: 'azure',
    endpoints: azureEndpoints,
    request: (target) => ({ maxTokensField: azureMaxTokensField(target) }),
    contentPolicy: isAzureContentFilterError,
    takesStreamOptions: azureTakesStreamOptions,
  });
}

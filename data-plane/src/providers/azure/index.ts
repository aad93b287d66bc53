import { openAiProtocolProvider } from '../openai/adapter.js';
import type { Provider } from '../types.js';
import { azureEndpoints, azureTakesStreamOptions } from './api.js';
import { isAzureContentFilterError } from './content-filter.js';

export { azureChatUpstream, azureCompletionsUpstream } from './api.js';

/**
 * The `azure` provider: the OpenAI adapter at Azure's deployment URLs with an `api-key` header
 * (`apiKeyRef`, default `env:AZURE_OPENAI_API_KEY`), Azure's content-filter errors recognised, and no
 * `stream_options` for api-versions before 2024-09-01-preview, which refuse them (their streams are counted locally).
 */
export function azureProvider(): Provider {
  return openAiProtocolProvider({ kind: 'azure', endpoints: azureEndpoints, contentPolicy: isAzureContentFilterError, takesStreamOptions: azureTakesStreamOptions });
}

import { openAiProtocolProvider } from '../openai/adapter.js';
import type { Provider } from '../types.js';
import { azureEndpoints } from './api.js';
import { isAzureContentFilterError } from './content-filter.js';

export { azureChatUpstream, azureCompletionsUpstream } from './api.js';

/**
 * The `azure` provider: the OpenAI adapter at Azure's deployment URLs with an `api-key` header
 * (`apiKeyRef`, default `env:AZURE_OPENAI_API_KEY`), and Azure's content-filter errors recognised.
 */
export function azureProvider(): Provider {
  return openAiProtocolProvider({ kind: 'azure', endpoints: azureEndpoints, contentPolicy: isAzureContentFilterError });
}

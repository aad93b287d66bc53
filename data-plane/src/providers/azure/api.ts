import type { ProviderError } from '../../canonical/errors.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import type { OpenAiEndpoints, UpstreamEndpoint } from '../openai/api.js';
import { joinUrl } from '../openai/api.js';
import type { ProviderTarget } from '../types.js';

/**
 * Azure OpenAI: `{apiBase}/openai/deployments/{deployment}/{operation}?api-version={apiVersion}` with an
 * `api-key` header. `apiBase` is the resource endpoint (`https://{resource}.openai.azure.com`), `providerModel`
 * the deployment name.
 * @see https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference
 */
export const AZURE_API_KEY_REF = 'env:AZURE_OPENAI_API_KEY';

function azure(operation: string) {
  return (target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint => {
    if (!target.apiBase) throw misconfigured(target, 'apiBase (https://{resource}.openai.azure.com)');
    if (!target.apiVersion) throw misconfigured(target, 'apiVersion (e.g. 2024-10-21)');
    const deployment = encodeURIComponent(target.providerModel);
    return {
      url: `${joinUrl(target.apiBase, `/openai/deployments/${deployment}/${operation}`)}?api-version=${encodeURIComponent(target.apiVersion)}`,
      headers: { 'content-type': 'application/json', 'api-key': secrets.resolve(target.apiKeyRef ?? AZURE_API_KEY_REF) },
    };
  };
}

function misconfigured(target: ProviderTarget, what: string): ProviderError {
  return {
    status: 500,
    type: 'api_error',
    code: 'provider_misconfigured',
    message: `Azure OpenAI model '${target.name}' has no ${what} configured.`,
    provider: 'azure',
  };
}

/** URL and `api-key` header for forwarding a raw OpenAI chat completions body to an Azure deployment. */
export const azureChatUpstream = azure('chat/completions');
/** URL and `api-key` header for forwarding a raw legacy completions body to an Azure deployment. */
export const azureCompletionsUpstream = azure('completions');

/**
 * The Responses API, which Azure serves only in its v1 API: `{apiBase}/openai/v1/responses`, no deployment in the
 * path (the body's `model` is the deployment name, as the fast path sets it) and no api-version.
 */
function azureResponses(target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint {
  if (!target.apiBase) throw misconfigured(target, 'apiBase (https://{resource}.openai.azure.com)');
  return {
    url: joinUrl(target.apiBase, '/openai/v1/responses'),
    headers: { 'content-type': 'application/json', 'api-key': secrets.resolve(target.apiKeyRef ?? AZURE_API_KEY_REF) },
  };
}

export const azureEndpoints: OpenAiEndpoints = {
  chat: azureChatUpstream,
  completions: azureCompletionsUpstream,
  embeddings: azure('embeddings'),
  // For deployments marked `responsesApi`.
  responses: azureResponses,
};

import { withDeploymentHeaders } from '../deployment-headers.js';
import type { ProviderError } from '../../canonical/errors.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import type { OpenAiEndpoints, UpstreamEndpoint } from '../openai/api.js';
import { joinUrl } from '../openai/api.js';
import { azureAuth, entraTokens } from './entra.js';
import type { ProviderTarget } from '../types.js';

/**
 * Azure OpenAI: `{apiBase}/openai/deployments/{deployment}/{operation}?api-version={apiVersion}` with an
 * `api-key` header. `apiBase` is the resource endpoint (`https://{resource}.openai.azure.com`), `providerModel`
 * the deployment name.
 * @see https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference
 */
export const AZURE_API_KEY_REF = 'env:AZURE_OPENAI_API_KEY';

/**
 * `apiVersion: v1` is Azure's v1 API (GA since August 2025): `{apiBase}/openai/v1/{operation}`, the deployment name as
 * the body's `model` (which every request to Azure carries), no api-version.
 * @see https://learn.microsoft.com/en-us/azure/foundry/openai/api-version-lifecycle
 */
function azure(operation: string) {
  return (target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint => {
    if (!target.apiBase) throw misconfigured(target, 'apiBase (https://{resource}.openai.azure.com)');
    if (!target.apiVersion) throw misconfigured(target, 'apiVersion (e.g. 2024-10-21, or v1)');
    const deployment = encodeURIComponent(target.providerModel);
    return {
      url:
        target.apiVersion === 'v1'
          ? joinUrl(target.apiBase, `/openai/v1/${operation}`)
          : `${joinUrl(target.apiBase, `/openai/deployments/${deployment}/${operation}`)}?api-version=${encodeURIComponent(target.apiVersion)}`,
      headers: withDeploymentHeaders(target, secrets, azureHeaders(target, secrets)),
    };
  };
}

/**
 * `content-type` and the credential: an `api-key` (`apiKeyRef`, default `env:AZURE_OPENAI_API_KEY`), or with Microsoft
 * Entra ID a bearer token (`entra.ts`; callers have awaited `azureReady` first).
 */
function azureHeaders(target: ProviderTarget, secrets: SecretResolver): Record<string, string> {
  return azureAuth(target) === 'api-key'
    ? { 'content-type': 'application/json', 'api-key': secrets.resolve(target.apiKeyRef ?? AZURE_API_KEY_REF) }
    : { 'content-type': 'application/json', authorization: entraTokens.bearer(target, secrets) };
}

/** Undefined when a request to the deployment can be built now, else what to await first (an Entra ID token). */
export function azureReady(target: ProviderTarget, secrets: SecretResolver): Promise<void> | undefined {
  return entraTokens.ready(target, secrets);
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
    headers: withDeploymentHeaders(target, secrets, azureHeaders(target, secrets)),
  };
}

/**
 * Whether the deployment's api-version knows what Azure added in 2024-09-01-preview (GA in 2024-10-21):
 * `stream_options` (`include_usage`: the usage chunk a stream ends with) and `max_completion_tokens`. Earlier
 * versions, still common pins (2024-06-01, 2024-02-01), answer 400 "Unrecognized request argument supplied:
 * stream_options" (or `max_completion_tokens`) to any request carrying either. A version that is not a date is a
 * newer named one (`preview`, `latest`, `v1`).
 * @see https://learn.microsoft.com/en-us/azure/ai-services/openai/api-version-deprecation
 */
function fromSeptember2024(target: ProviderTarget): boolean {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(target.apiVersion ?? '')?.[0];
  return date === undefined || date >= '2024-09-01';
}

/** Whether the deployment's api-version takes `stream_options` (see `fromSeptember2024`). */
export const azureTakesStreamOptions: (target: ProviderTarget) => boolean = fromSeptember2024;

/**
 * The output limit's name for the deployment's api-version: `max_completion_tokens`, as OpenAI's (reasoning models
 * refuse `max_tokens`), but on versions from before it (see `fromSeptember2024`), which know only `max_tokens`.
 */
export function azureMaxTokensField(target: ProviderTarget): 'max_completion_tokens' | 'max_tokens' {
  return fromSeptember2024(target) ? 'max_completion_tokens' : 'max_tokens';
}

export const azureEndpoints: OpenAiEndpoints = {
  ready: azureReady,
  unauthorized: (target, headers) => entraTokens.rejected(target, headers),
  chat: azureChatUpstream,
  completions: azureCompletionsUpstream,
  embeddings: azure('embeddings'),
  // For deployments marked `responsesApi`.
  responses: azureResponses,
};

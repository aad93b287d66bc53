import { withDeploymentHeaders } from '../deployment-headers.js';
import type { ProviderError } from '../../canonical/errors.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import type { OpenAiEndpoints, UpstreamEndpoint } from '../openai/api.js';
import { bearerHeaders, joinUrl } from '../openai/api.js';
import type { ProviderTarget } from '../types.js';

/**
 * Any server speaking OpenAI's API at `apiBase` (vLLM `http://host:8000/v1`, Ollama `http://host:11434/v1`,
 * LM Studio, llama.cpp, Groq, Together…). The key is optional: local servers usually take none, and then no
 * `Authorization` header is sent at all.
 */
function compatible(path: string) {
  return (target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint => {
    if (!target.apiBase) {
      throw {
        status: 500,
        type: 'api_error',
        code: 'provider_misconfigured',
        message: `OpenAI-compatible model '${target.name}' has no apiBase configured.`,
        provider: 'openai_compatible',
      } satisfies ProviderError;
    }
    return { url: joinUrl(target.apiBase, path), headers: withDeploymentHeaders(target, secrets, bearerHeaders(secrets.optional(target.apiKeyRef))) };
  };
}

/** URL and (optional) bearer header for forwarding a raw OpenAI chat completions body. */
export const openAiCompatibleChatUpstream = compatible('/chat/completions');
/** URL and (optional) bearer header for forwarding a raw legacy completions body. */
export const openAiCompatibleCompletionsUpstream = compatible('/completions');

export const openAiCompatibleEndpoints: OpenAiEndpoints = {
  chat: openAiCompatibleChatUpstream,
  completions: openAiCompatibleCompletionsUpstream,
  embeddings: compatible('/embeddings'),
  // vLLM, LM Studio, Ollama and others serve it at the same base; used for deployments marked `responsesApi`.
  responses: compatible('/responses'),
};

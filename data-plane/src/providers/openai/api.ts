import { withDeploymentHeaders } from '../deployment-headers.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import type { ProviderTarget } from '../types.js';

/**
 * Where an OpenAI-protocol request goes and how it authenticates: the one place that knows OpenAI's URLs and
 * headers. Azure OpenAI and OpenAI-compatible servers speak the same bodies at other URLs with other headers,
 * so they provide their own `OpenAiEndpoints` and reuse everything else.
 */
export interface UpstreamEndpoint {
  readonly url: string;
  /** `content-type` plus the credentials; never log these. */
  readonly headers: Record<string, string>;
}

export interface OpenAiEndpoints {
  /**
   * What to await before building a request to the deployment, when there is something (Azure's Entra ID token:
   * see providers/azure/entra.ts); undefined, the usual answer, when the request can be built now.
   */
  ready?(target: ProviderTarget, secrets: SecretResolver): Promise<void> | undefined;
  /** The deployment refused the credential in `headers` (a token to drop: Azure's Entra ID one); true when one was dropped. */
  unauthorized?(target: ProviderTarget, headers: Readonly<Record<string, string>>): boolean;
  /** Chat completions (`/chat/completions`). */
  chat(target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint;
  /** Legacy text completions (`/completions`), for raw same-protocol forwarding. */
  completions(target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint;
  embeddings(target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint;
  /**
   * The Responses API, for raw same-protocol forwarding: OpenAI's `/responses`, Azure's v1 `/openai/v1/responses`,
   * an OpenAI-compatible server's `{apiBase}/responses`. Only OpenAI deployments always serve it; Azure and
   * compatible ones do when marked `responsesApi` (`openAiForward`), else Responses requests are translated.
   */
  responses?(target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint;
}

export const OPENAI_API_BASE = 'https://api.openai.com/v1';
export const OPENAI_API_KEY_REF = 'env:OPENAI_API_KEY';

/** `base` + `/path`, whether or not `base` ends with a slash. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

export function bearerHeaders(apiKey: string | undefined): Record<string, string> {
  return { 'content-type': 'application/json', ...(apiKey !== undefined && { authorization: `Bearer ${apiKey}` }) };
}

function openAi(path: string) {
  return (target: ProviderTarget, secrets: SecretResolver): UpstreamEndpoint => ({
    url: joinUrl(target.apiBase ?? OPENAI_API_BASE, path),
    headers: withDeploymentHeaders(target, secrets, bearerHeaders(secrets.resolve(target.apiKeyRef ?? OPENAI_API_KEY_REF))),
  });
}

/** URL and auth headers for forwarding a raw OpenAI chat completions body to an `openai` deployment. */
export const openAiChatUpstream = openAi('/chat/completions');
/** URL and auth headers for forwarding a raw OpenAI legacy completions body to an `openai` deployment. */
export const openAiCompletionsUpstream = openAi('/completions');
/** URL and auth headers for forwarding a raw Responses body to an `openai` deployment. */
export const openAiResponsesUpstream = openAi('/responses');

export const openAiEndpoints: OpenAiEndpoints = {
  chat: openAiChatUpstream,
  completions: openAiCompletionsUpstream,
  embeddings: openAi('/embeddings'),
  responses: openAiResponsesUpstream,
};

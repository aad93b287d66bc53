import type { ProviderKind } from '@tollgate/schema';

/**
 * LiteLLM's provider prefixes (`litellm_params.model: "<prefix>/<model id>"`) and the Tollgate provider each becomes,
 * as data. OpenAI-compatible services get their public base URL; `api_base` in the entry overrides it.
 * @see https://docs.litellm.ai/docs/providers
 */
export interface LiteLlmProvider {
  readonly provider: ProviderKind;
  /** The base URL when the entry gives no `api_base`; undefined: none (the provider's own default, or required). */
  readonly defaultApiBase?: string;
  /** Appended to the entry's `api_base` (Ollama serves its OpenAI-compatible API under /v1). */
  readonly apiBaseSuffix?: string;
  /** Path segments after the prefix that only choose LiteLLM's code path (`bedrock/converse/<id>`). */
  readonly routeSegments?: readonly string[];
}

export const LITELLM_PROVIDERS: Readonly<Record<string, LiteLlmProvider>> = {
  // `openai/` with an `api_base` that is not api.openai.com becomes openai_compatible (see litellm-format.ts).
  openai: { provider: 'openai' },
  azure: { provider: 'azure' },
  anthropic: { provider: 'anthropic' },
  gemini: { provider: 'gemini' },
  // Tollgate calls Bedrock's Converse API for every model; `invoke/` is accepted and served through Converse too.
  bedrock: { provider: 'bedrock', routeSegments: ['converse', 'invoke'] },
  hosted_vllm: { provider: 'openai_compatible' },
  ollama: { provider: 'openai_compatible', defaultApiBase: 'http://localhost:11434', apiBaseSuffix: '/v1' },
  ollama_chat: { provider: 'openai_compatible', defaultApiBase: 'http://localhost:11434', apiBaseSuffix: '/v1' },
  groq: { provider: 'openai_compatible', defaultApiBase: 'https://api.groq.com/openai/v1' },
  together_ai: { provider: 'openai_compatible', defaultApiBase: 'https://api.together.xyz/v1' },
  deepseek: { provider: 'openai_compatible', defaultApiBase: 'https://api.deepseek.com/v1' },
  mistral: { provider: 'openai_compatible', defaultApiBase: 'https://api.mistral.ai/v1' },
  fireworks_ai: { provider: 'openai_compatible', defaultApiBase: 'https://api.fireworks.ai/inference/v1' },
  openrouter: { provider: 'openai_compatible', defaultApiBase: 'https://openrouter.ai/api/v1' },
  xai: { provider: 'openai_compatible', defaultApiBase: 'https://api.x.ai/v1' },
  deepinfra: { provider: 'openai_compatible', defaultApiBase: 'https://api.deepinfra.com/v1/openai' },
  perplexity: { provider: 'openai_compatible', defaultApiBase: 'https://api.perplexity.ai' },
  cerebras: { provider: 'openai_compatible', defaultApiBase: 'https://api.cerebras.ai/v1' },
};

/** Prefixes people will try that Tollgate cannot serve yet, with what to do instead. */
export const UNSUPPORTED_HINTS: Readonly<Record<string, string>> = {
  vertex_ai: 'Vertex AI is not supported yet; use gemini/ with a Google AI Studio key',
  vertex_ai_beta: 'Vertex AI is not supported yet; use gemini/ with a Google AI Studio key',
  azure_ai: 'Azure AI Foundry model endpoints are not supported yet; an OpenAI-compatible endpoint can be declared as openai/ with its api_base',
  sagemaker: 'SageMaker is not supported',
  'text-completion-openai': 'use openai/ (legacy completions reach OpenAI models as they are)',
};

export const SUPPORTED_PREFIXES = Object.keys(LITELLM_PROVIDERS).map((p) => `${p}/`);

/** Hosts that mean "OpenAI itself" for an `openai/` entry with an `api_base`. */
export const OPENAI_HOSTS: ReadonlySet<string> = new Set(['api.openai.com']);

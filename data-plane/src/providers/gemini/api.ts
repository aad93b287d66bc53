import { withDeploymentHeaders } from '../deployment-headers.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import type { ProviderTarget } from '../types.js';

/**
 * Where a Gemini request goes and how it authenticates: the one place that knows Gemini's URLs and headers.
 * @see https://ai.google.dev/api/generate-content
 */
export const GEMINI_API_BASE = 'https://generativelanguage.googleapis.com';
export const GEMINI_API_KEY_REF = 'env:GEMINI_API_KEY';
export const GEMINI_API_VERSION = 'v1beta';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'countTokens';

export interface GeminiEndpoint {
  readonly url: string;
  /** `content-type` plus the API key; never log these. */
  readonly headers: Record<string, string>;
}

/**
 * `{apiBase}/{apiVersion}/models/{model}:{method}`; streaming asks for server-sent events (`alt=sse`), whose records
 * are whole `GenerateContentResponse`s. The model may be configured with or without Gemini's `models/` prefix.
 */
export function geminiEndpoint(target: ProviderTarget, secrets: SecretResolver, method: GeminiMethod): GeminiEndpoint {
  const base = (target.apiBase ?? GEMINI_API_BASE).replace(/\/+$/, '');
  const version = target.apiVersion ?? GEMINI_API_VERSION;
  const model = target.providerModel.replace(/^models\//, '');
  const query = method === 'streamGenerateContent' ? '?alt=sse' : '';
  return {
    url: `${base}/${version}/models/${encodeURIComponent(model)}:${method}${query}`,
    headers: withDeploymentHeaders(target, secrets, {
      'content-type': 'application/json',
      'x-goog-api-key': secrets.resolve(target.apiKeyRef ?? GEMINI_API_KEY_REF),
    }),
  };
}

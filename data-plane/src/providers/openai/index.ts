import type { Provider } from '../types.js';
import { openAiProtocolProvider } from './adapter.js';
import { openAiEndpoints } from './api.js';

export { openAiChatUpstream, openAiCompletionsUpstream, openAiResponsesUpstream, joinUrl, bearerHeaders } from './api.js';
export type { OpenAiEndpoints, UpstreamEndpoint } from './api.js';
export { openAiProtocolAdapter, openAiProtocolProvider } from './adapter.js';
export type { OpenAiFlavour } from './adapter.js';

/**
 * The `openai` provider: api.openai.com (or `apiBase`), `Authorization: Bearer` from `apiKeyRef`
 * (default `env:OPENAI_API_KEY`).
 */
export function openaiProvider(): Provider {
  return openAiProtocolProvider({ kind: 'openai', endpoints: openAiEndpoints });
}

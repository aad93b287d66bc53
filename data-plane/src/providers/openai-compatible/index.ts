import { openAiProtocolProvider } from '../openai/adapter.js';
import type { Provider } from '../types.js';
import { openAiCompatibleEndpoints } from './api.js';

export { openAiCompatibleChatUpstream, openAiCompatibleCompletionsUpstream } from './api.js';

/**
 * The `openai_compatible` provider: the OpenAI adapter at a required `apiBase`, key optional. Differences from
 * OpenAI that matter: `max_tokens` (what vLLM, Ollama and LM Studio all know) instead of
 * `max_completion_tokens`, and `top_k` passed on. Reasoning arrives as `reasoning_content` (vLLM, DeepSeek) or
 * `reasoning` (Ollama, OpenRouter), and goes back as `reasoning_content` on assistant turns that called tools
 * (DeepSeek's thinking mode requires it); servers that send no usage in streams are handled by the shared mapping.
 * `reasoning_effort` goes whenever the client asked for reasoning, whatever the model: unlike OpenAI's, a compatible
 * server's model names (`qwen3:8b`, `my-finetune`) do not say whether it reasons (`dropParams` leaves it out for a
 * server that refuses it).
 */
export function openAiCompatibleProvider(): Provider {
  return openAiProtocolProvider({
    kind: 'openai_compatible',
    endpoints: openAiCompatibleEndpoints,
    request: { maxTokensField: 'max_tokens', topK: true, reasoningContent: true, reasoningEffort: 'any' },
  });
}

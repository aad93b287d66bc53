import type { FinishReason } from '../types.js';

/**
 * OpenAI `finish_reason` → canonical finish reason, the raw value kept beside it. A compatible server that names
 * the stop string that ended the answer (vLLM's and SGLang's `stop_reason`) has it passed on as the stop sequence.
 *
 * - A turn that called tools is a tool-calls finish whatever the server named it, but for a cut-off (`length`,
 *   Mistral's `model_length`) or a filtered one: Ollama and some vLLM tool parsers end it with `stop`, mlx-lm's
 *   server with `tool_call` (ml-explore/mlx-lm#782); told `end_turn`, an Anthropic client's agent loop would stop
 *   with the calls unanswered.
 * - A failure is `error`, never a finish: vLLM ends a request its engine aborted with `abort` (vllm-project/vllm#57082),
 *   OpenRouter and Mistral a failed one with `error`. The stream mappers turn it into an error event
 *   (`finishError`), so a broken answer never reads as a complete one.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 * @see https://openrouter.ai/docs/api/reference/errors-and-debugging
 */
export function mapFinishReason(raw: string | null | undefined, stopReason?: string | number | null, hasToolCalls = false): FinishReason {
  const value = raw ?? undefined;
  switch (value) {
    case 'length':
    case 'model_length':
      return { unified: 'length', raw: value };
    case 'content_filter':
      return { unified: 'content-filter', raw: value };
    case 'abort':
    case 'error':
      return { unified: 'error', raw: value };
  }
  if (hasToolCalls) return { unified: 'tool-calls', raw: value };
  switch (value) {
    case 'stop':
      return { unified: 'stop', raw: value, ...(typeof stopReason === 'string' && stopReason !== '' && { stopSequence: stopReason }) };
    case 'tool_calls':
    case 'tool_call':
    case 'function_call':
      return { unified: 'tool-calls', raw: value };
    default:
      return { unified: 'other', raw: value };
  }
}

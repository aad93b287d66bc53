import { z } from 'zod';

/**
 * OpenAI's chat completions wire format, typed only as far as the gateway acts on it (pass-through parsing):
 * every schema is loose, so fields OpenAI adds tomorrow (and the extras of Azure, vLLM, Ollama, DeepSeek) pass
 * without failing the parse.
 * @see https://platform.openai.com/docs/api-reference/chat
 */

// ---- request (what the adapter builds; only the fields it sets are named) ----

export type OpenAiContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'file'; file: { file_data: string; filename: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } };

export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAiMessage =
  | { role: 'system'; content: string | OpenAiContentPart[]; name?: string }
  | { role: 'user'; content: string | OpenAiContentPart[]; name?: string }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAiToolCall[]; reasoning_content?: string; name?: string }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAiChatBody {
  model: string;
  messages: OpenAiMessage[];
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  [field: string]: unknown;
}

// ---- responses ----

const Usage = z.looseObject({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  // `cache_write_tokens`: GPT-5.6 and later bill prompt-cache writes (1.25× input); a part of `prompt_tokens`.
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish(), cache_write_tokens: z.number().nullish() }).nullish(),
  /** DeepSeek's cached input (its `prompt_tokens_details` is null). */
  prompt_cache_hit_tokens: z.number().nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
  /** Read to tell xAI's reasoning tokens, which it counts beside `completion_tokens`, not in them (`convertUsage`). */
  total_tokens: z.number().nullish(),
});
export type OpenAiUsage = z.infer<typeof Usage>;

/** The `{"error": …}` object of an error body or a mid-stream error event. */
export const OpenAiErrorObject = z.looseObject({
  message: z.string().nullish(),
  type: z.string().nullish(),
  param: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});
export type OpenAiErrorObject = z.infer<typeof OpenAiErrorObject>;

/** An error as servers write it: OpenAI's object, or only its text (Xinference and other sse-starlette servers). */
const ErrorField = z.union([OpenAiErrorObject, z.string()]);

/**
 * The error a choice that ended with `finish_reason: "error"` carries (OpenRouter's `choices[].error`). Only read, so
 * a shape it does not know is no error at all rather than an unreadable chunk.
 */
const ChoiceError = ErrorField.nullish().catch(undefined);

/**
 * A body that is only an error: OpenRouter answers a request that failed after the model began with a 200 and
 * `{"error": {"code": 502, "message": …}}`, which no completion schema fits.
 * @see https://openrouter.ai/docs/api/reference/errors-and-debugging
 */
export const OpenAiFailure = z.looseObject({ error: ErrorField });

const ToolCallDelta = z.looseObject({
  index: z.number().int().nonnegative().nullish(),
  id: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

const Delta = z.looseObject({
  content: z.string().nullish(),
  /** vLLM, DeepSeek */
  reasoning_content: z.string().nullish(),
  /** Ollama, OpenRouter, newer vLLM */
  reasoning: z.string().nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(ToolCallDelta).nullish(),
  /** Legacy single function call. */
  function_call: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

/** vLLM's (and SGLang's) `stop_reason`: the stop string that ended the answer, or the stop token's id. */
const StopReason = z.union([z.string(), z.number()]).nullish().catch(undefined);

export const OpenAiChunk = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  // vLLM has sent the usage-only last chunk with `choices: null`.
  choices: z
    .array(z.looseObject({ index: z.number().nullish(), delta: Delta.nullish(), finish_reason: z.string().nullish(), stop_reason: StopReason, error: ChoiceError }))
    .nullish(),
  usage: Usage.nullish(),
  // The processing tier OpenAI served the request at (`default`, `flex`, `priority`, `scale`): billed apart.
  service_tier: z.string().nullish().catch(undefined),
  // Xinference (and other sse-starlette servers) say a mid-stream failure as `{"error": "<text>"}`.
  error: ErrorField.nullish(),
});
export type OpenAiChunk = z.infer<typeof OpenAiChunk>;

export const OpenAiCompletion = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  service_tier: z.string().nullish().catch(undefined),
  choices: z.array(
    z.looseObject({
      index: z.number().nullish(),
      finish_reason: z.string().nullish(),
      stop_reason: StopReason,
      error: ChoiceError,
      message: z.looseObject({
        content: z.string().nullish(),
        reasoning_content: z.string().nullish(),
        reasoning: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z
          .array(z.looseObject({ id: z.string().nullish(), function: z.looseObject({ name: z.string(), arguments: z.string().nullish() }) }))
          .nullish(),
        function_call: z.looseObject({ name: z.string(), arguments: z.string().nullish() }).nullish(),
      }),
    }),
  ),
  usage: Usage.nullish(),
});
export type OpenAiCompletion = z.infer<typeof OpenAiCompletion>;

export const OpenAiEmbeddings = z.looseObject({
  // `index` is OpenAI's; some compatible servers leave it out and list the vectors in input order.
  data: z.array(z.looseObject({ index: z.number().int().nonnegative().nullish(), embedding: z.array(z.number()) })),
  usage: z.looseObject({ prompt_tokens: z.number().nullish() }).nullish(),
});

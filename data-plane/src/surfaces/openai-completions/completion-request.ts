import { z } from 'zod';
import type { CanonicalRequest } from '../../canonical/request.js';
import { errors, HttpError } from '../../http/errors.js';
import { parseJsonObject, validate } from '../openai-chat/chat-request.js';
import { list } from '../zod-list.js';

/**
 * OpenAI's legacy completions request, typed only as far as the gateway acts on it; unknown fields (`logit_bias`,
 * new parameters) travel in `passthrough`.
 *
 * A provider that serves the completions endpoint itself (OpenAI, Azure, OpenAI-compatible servers such as vLLM)
 * gets the body as sent, every parameter its own to answer (`echo` and `logprobs`, as evaluation harnesses send them,
 * several prompts or choices, token-id prompts). For any other provider the prompt becomes ONE user message, so
 * chat-only models answer it too, as a chat turn (an instruction), not as text to continue; what they cannot do is
 * refused with a 400 rather than silently ignored: `suffix` (insertion), `echo`, `logprobs`, several prompts or
 * choices (`n`, `best_of`), and token-id prompts (their tokenizer is the model's, unknown here).
 * @see https://platform.openai.com/docs/api-reference/completions/create
 */
const CompletionRequest = z.looseObject({
  model: z.string().min(1, 'must be a non-empty string'),
  prompt: z.union([z.string(), z.array(z.unknown())], { error: 'must be a string or an array of strings' }),
  suffix: z.string().nullish(),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  stop: z.union([z.string(), list(z.string())]).nullish(),
  n: z.number().int().positive().nullish(),
  best_of: z.number().int().positive().nullish(),
  echo: z.boolean().nullish(),
  logprobs: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  seed: z.number().int().nullish(),
  frequency_penalty: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  user: z.string().nullish(),
});
type CompletionRequest = z.infer<typeof CompletionRequest>;

/** Fields modelled above; everything else a client sends goes to `passthrough`. */
const MODELLED = new Set(Object.keys(CompletionRequest.shape));

/** OpenAI's default when `max_tokens` is absent: legacy completions are short unless asked otherwise. */
export const DEFAULT_MAX_TOKENS = 16;

export interface ParsedCompletionRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly user: string | null;
  /**
   * The request as one user message, made on first access, when the request is translated; throws the 400
   * `HttpError` for what a translated model cannot do (see above). The fast path never needs it.
   */
  readonly canonical: CanonicalRequest;
  /** The JSON body as the client sent it (for same-protocol forwarding). */
  readonly body: Record<string, unknown>;
}

class ParsedCompletion implements ParsedCompletionRequest {
  private translated: CanonicalRequest | undefined;
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly user: string | null;

  constructor(
    private readonly request: CompletionRequest,
    readonly body: Record<string, unknown>,
  ) {
    this.model = request.model;
    this.stream = request.stream === true;
    this.includeUsage = this.stream && request.stream_options?.include_usage === true;
    this.user = request.user ?? null;
  }

  get canonical(): CanonicalRequest {
    if (this.translated === undefined) {
      const prompt = singlePrompt(this.request.prompt);
      refuseUnsupported(this.request);
      this.translated = toCanonical(this.request, prompt, this.stream, this.body);
    }
    return this.translated;
  }
}

/** Parses and validates a legacy completions body; throws a 400 `HttpError` saying what is wrong. */
export function parseCompletionRequest(body: Buffer, model?: string): ParsedCompletionRequest {
  const json = parseJsonObject(body);
  // Azure's deployment URLs name the model (`/openai/deployments/{deployment}/completions`).
  if (model !== undefined) json.model = model;
  const request = validate(CompletionRequest, json, ['model', 'prompt']);
  checkPrompt(request.prompt);
  return new ParsedCompletion(request, json);
}

/**
 * A prompt any provider could take: a string, or an array of strings, of token ids, or of token-id arrays. (Whether
 * the target takes several, or tokens, is for the target, or `singlePrompt` when translated.)
 */
function checkPrompt(prompt: string | unknown[]): void {
  if (typeof prompt === 'string') return;
  const index = prompt.findIndex((p) => typeof p !== 'string' && typeof p !== 'number' && !Array.isArray(p));
  if (index !== -1) throw errors.invalidParameter(`prompt.${index}`, 'must be a string.');
}

/** The one text prompt of a translated request: a string, or an array holding exactly one string. */
function singlePrompt(prompt: string | unknown[]): string {
  if (typeof prompt === 'string') return prompt;
  if (prompt.some((p) => typeof p === 'number' || Array.isArray(p))) {
    throw unsupportedValue('prompt', 'token arrays are not supported for this model (they are the tokens of a model served with the completions endpoint); send the prompt as text.');
  }
  if (prompt.length !== 1) {
    throw unsupportedValue('prompt', `this model takes one prompt per request (got ${prompt.length}); send a string or an array of one string.`);
  }
  return prompt[0] as string;
}

/** What a model answering the prompt as a chat turn cannot do (see above). */
function refuseUnsupported(request: CompletionRequest): void {
  if (request.suffix != null && request.suffix !== '') throw unsupportedParameter('suffix', "'suffix' (text insertion) is not supported for this model.");
  if (request.echo === true) throw unsupportedValue('echo', "'echo' is not supported for this model; send false or leave it out.");
  if (request.logprobs != null) throw unsupportedParameter('logprobs', "'logprobs' is not supported for this model.");
  if (request.n != null && request.n > 1) throw unsupportedValue('n', 'this model gives one choice per request: send n=1 (or n requests).');
  if (request.best_of != null && request.best_of > 1) throw unsupportedValue('best_of', 'this model gives one choice per request: send best_of=1.');
}

function toCanonical(request: CompletionRequest, prompt: string, stream: boolean, json: Record<string, unknown>): CanonicalRequest {
  const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  const passthrough: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) if (!MODELLED.has(k)) passthrough[k] = v;
  return {
    messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
    stream,
    maxOutputTokens: request.max_tokens ?? DEFAULT_MAX_TOKENS,
    ...(request.temperature != null && { temperature: request.temperature }),
    ...(request.top_p != null && { topP: request.top_p }),
    ...(stop != null && { stop }),
    ...(request.seed != null && { seed: request.seed }),
    ...(request.frequency_penalty != null && { frequencyPenalty: request.frequency_penalty }),
    ...(request.presence_penalty != null && { presencePenalty: request.presence_penalty }),
    ...(request.user != null && { user: request.user }),
    ...(Object.keys(passthrough).length > 0 && { passthrough: { protocol: 'openai-completions' as const, fields: passthrough } }),
  };
}

/** OpenAI's own codes for a parameter, or a value of one, that the target does not support. */
function unsupportedParameter(param: string, message: string): HttpError {
  return new HttpError(400, 'invalid_request_error', 'unsupported_parameter', message, param);
}

function unsupportedValue(param: string, message: string): HttpError {
  return new HttpError(400, 'invalid_request_error', 'unsupported_value', message, param);
}

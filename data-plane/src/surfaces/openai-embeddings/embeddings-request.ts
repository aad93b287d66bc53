import { z } from 'zod';
import { errors } from '../../http/errors.js';
import type { EmbeddingInput } from '../../providers/types.js';
import { parseJsonObject, validate } from '../openai-chat/chat-request.js';

/** OpenAI's limit on the number of inputs in one request. */
export const MAX_INPUTS = 2048;

/**
 * OpenAI's embeddings request. Inputs are text or token ids (an array of them, or an array of such arrays), as
 * OpenAI takes them: LangChain's `OpenAIEmbeddings` sends token ids by default (it splits long texts with tiktoken).
 * Token ids are in the model's own tokenizer, so they go to the provider as sent; a provider whose embeddings API
 * takes only text answers them itself.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
const EmbeddingsRequest = z.looseObject({
  model: z.string().min(1, 'must be a non-empty string'),
  input: z.union([z.string(), z.array(z.unknown())], { error: 'must be a string, an array of strings or token ids' }),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().nullish(),
});

export type EncodingFormat = 'float' | 'base64';

export interface ParsedEmbeddingsRequest {
  /** Public model name as the client sent it. */
  readonly model: string;
  /** At least one, none empty. */
  readonly input: readonly EmbeddingInput[];
  readonly encodingFormat: EncodingFormat;
  readonly dimensions: number | undefined;
  readonly user: string | null;
  /** The parsed JSON body, for governance (required parameters, tags and metadata). */
  readonly body: Record<string, unknown>;
  /** The body's fields the gateway does not read, for the provider as sent (`EmbeddingRequest.extra`). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/**
 * Fields read here, and `metadata`: the gateway's own attribution (tags, spend-log metadata), recorded, never sent on
 * (OpenAI's embeddings API takes no `metadata` and answers 400 for a field it does not know).
 */
const READ_FIELDS = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user', 'metadata']);

/**
 * Parses and validates an embeddings body (`model`: the one the URL names, if it does); throws a 400 `HttpError` saying
 * what is wrong. `named` hears the model the body names before the rest is validated, so a refusal is recorded under it.
 */
export function parseEmbeddingsRequest(body: Buffer, model?: string, named?: (model: string) => void): ParsedEmbeddingsRequest {
  const json = parseJsonObject(body);
  // Azure's deployment URLs name the model (`/openai/deployments/{deployment}/embeddings`).
  if (model !== undefined) json.model = model;
  if (named !== undefined && typeof json.model === 'string') named(json.model);
  const request = validate(EmbeddingsRequest, json, ['model', 'input']);
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(json)) if (!READ_FIELDS.has(name)) extra[name] = value;
  return {
    body: json,
    extra,
    model: request.model,
    input: inputs(request.input),
    encodingFormat: request.encoding_format ?? 'float',
    dimensions: request.dimensions ?? undefined,
    user: request.user ?? null,
  };
}

function inputs(input: string | unknown[]): EmbeddingInput[] {
  if (typeof input === 'string') {
    if (input === '') throw errors.invalidParameter('input', 'must not be an empty string.');
    return [input];
  }
  if (input.length === 0) throw errors.invalidParameter('input', 'must contain at least one string.');
  // One input as token ids.
  if (input.every((i) => typeof i === 'number')) return [tokenIds(input, 'input')];
  if (input.length > MAX_INPUTS) throw errors.invalidParameter('input', `must contain at most ${MAX_INPUTS} inputs (got ${input.length}).`);
  const tokens = Array.isArray(input[0]);
  return input.map((item, i) => {
    if (tokens) {
      if (!Array.isArray(item)) throw errors.invalidParameter(`input.${i}`, 'must be an array of token ids, as the inputs before it are.');
      return tokenIds(item, `input.${i}`);
    }
    if (typeof item !== 'string') throw errors.invalidParameter(`input.${i}`, 'must be a string.');
    if (item === '') throw errors.invalidParameter(`input.${i}`, 'must not be an empty string.');
    return item;
  });
}

function tokenIds(ids: unknown[], param: string): number[] {
  if (ids.length === 0) throw errors.invalidParameter(param, 'must contain at least one token id.');
  if (!ids.every((id) => Number.isSafeInteger(id) && (id as number) >= 0)) throw errors.invalidParameter(param, 'token ids must be non-negative integers.');
  return ids as number[];
}

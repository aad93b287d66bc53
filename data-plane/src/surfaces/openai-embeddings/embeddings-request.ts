import { z } from 'zod';
import { errors, HttpError } from '../../http/errors.js';
import { parseJsonObject, validate } from '../openai-chat/chat-request.js';

/** OpenAI's limit on the number of inputs in one request. */
export const MAX_INPUTS = 2048;

/**
 * OpenAI's embeddings request. Inputs are text: token-id arrays are refused (their tokenizer is the model's,
 * unknown to the gateway and to most providers behind it).
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
const EmbeddingsRequest = z.looseObject({
  model: z.string().min(1, 'must be a non-empty string'),
  input: z.union([z.string(), z.array(z.unknown())], { error: 'must be a string or an array of strings' }),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().nullish(),
});

export type EncodingFormat = 'float' | 'base64';

export interface ParsedEmbeddingsRequest {
  /** Public model name as the client sent it. */
  readonly model: string;
  /** At least one, none empty. */
  readonly input: readonly string[];
  readonly encodingFormat: EncodingFormat;
  readonly dimensions: number | undefined;
  readonly user: string | null;
  /** The parsed JSON body, for governance (required parameters, tags and metadata). */
  readonly body: Record<string, unknown>;
}

/** Parses and validates an embeddings body; throws a 400 `HttpError` saying what is wrong. */
export function parseEmbeddingsRequest(body: Buffer): ParsedEmbeddingsRequest {
  const json = parseJsonObject(body);
  const request = validate(EmbeddingsRequest, json, ['model', 'input']);
  return {
    body: json,
    model: request.model,
    input: textInputs(request.input),
    encodingFormat: request.encoding_format ?? 'float',
    dimensions: request.dimensions ?? undefined,
    user: request.user ?? null,
  };
}

function textInputs(input: string | unknown[]): string[] {
  if (typeof input === 'string') {
    if (input === '') throw errors.invalidParameter('input', 'must not be an empty string.');
    return [input];
  }
  if (input.length === 0) throw errors.invalidParameter('input', 'must contain at least one string.');
  if (input.some((i) => typeof i === 'number' || Array.isArray(i))) {
    throw new HttpError(400, 'invalid_request_error', 'unsupported_value', 'Token arrays are not supported by Tollgate; send the input as text.', 'input');
  }
  if (input.length > MAX_INPUTS) throw errors.invalidParameter('input', `must contain at most ${MAX_INPUTS} strings (got ${input.length}).`);
  input.forEach((item, i) => {
    if (typeof item !== 'string') throw errors.invalidParameter(`input.${i}`, 'must be a string.');
    if (item === '') throw errors.invalidParameter(`input.${i}`, 'must not be an empty string.');
  });
  return input as string[];
}

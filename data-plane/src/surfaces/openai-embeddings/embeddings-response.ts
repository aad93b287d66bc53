import type { EncodingFormat } from './embeddings-request.js';
import { encodeEmbedding } from './encode.js';

/**
 * OpenAI's embeddings response: one `embedding` object per input, in input order.
 * @see https://platform.openai.com/docs/api-reference/embeddings/object
 */
export interface EmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export function embeddingsResponse(args: {
  model: string;
  vectors: readonly (readonly number[])[];
  format: EncodingFormat;
  inputTokens: number;
}): EmbeddingsResponse {
  return {
    object: 'list',
    data: args.vectors.map((vector, index) => ({ object: 'embedding', index, embedding: encodeEmbedding(vector, args.format) })),
    model: args.model,
    usage: { prompt_tokens: args.inputTokens, total_tokens: args.inputTokens },
  };
}

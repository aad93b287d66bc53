import { createHash } from 'node:crypto';
import type { EmbeddingRequest, EmbeddingResult, ProviderError } from '../types.js';

/** Dimensions of a mock embedding when the request names none. */
export const MOCK_EMBEDDING_DIMENSIONS = 8;
/** A bound, so a typo in `dimensions` cannot make the mock allocate gigabytes. */
export const MOCK_MAX_EMBEDDING_DIMENSIONS = 8192;

/**
 * The mock's embeddings: no network, one deterministic unit-length vector per input, derived from a hash of the
 * text (or of the token ids), so equal inputs embed equally and different inputs (almost surely) differently. Input
 * tokens are the local estimate, about four characters per token per text, or the token ids' count.
 */
export async function mockEmbed(request: EmbeddingRequest): Promise<EmbeddingResult> {
  const dimensions = request.dimensions ?? MOCK_EMBEDDING_DIMENSIONS;
  if (dimensions > MOCK_MAX_EMBEDDING_DIMENSIONS) {
    const error: ProviderError = {
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_value',
      message: `mock: dimensions must be at most ${MOCK_MAX_EMBEDDING_DIMENSIONS} (got ${dimensions})`,
      provider: 'mock',
    };
    throw error;
  }
  return {
    vectors: request.input.map((input) => mockEmbedding(typeof input === 'string' ? input : `tokens:${input.join(',')}`, dimensions)),
    inputTokens: request.input.reduce((n, input) => n + (typeof input === 'string' ? Math.ceil(input.length / 4) : input.length), 0),
  };
}

/**
 * SHA-256 in counter mode (block i hashes i then the text) gives 8 uint32 per block, each mapped to [-1, 1); the
 * vector is then scaled to length 1. Components are rounded to float32, the precision embeddings travel in, so a
 * vector sent as JSON floats and one sent as base64 float32 bytes decode to exactly the same numbers. A shorter
 * vector of the same text is a prefix of a longer one before normalisation.
 */
export function mockEmbedding(text: string, dimensions: number): number[] {
  const raw: number[] = [];
  for (let block = 0; raw.length < dimensions; block++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(block);
    const digest = createHash('sha256').update(counter).update(text, 'utf8').digest();
    for (let offset = 0; offset < digest.length && raw.length < dimensions; offset += 4) {
      raw.push(digest.readUInt32BE(offset) / 2 ** 31 - 1);
    }
  }
  const norm = Math.sqrt(raw.reduce((sum, x) => sum + x * x, 0));
  // A zero vector has no direction; 2^-256 odds, but the output must be unit length whatever the text.
  if (norm === 0) return raw.map((_, i) => (i === 0 ? 1 : 0));
  return raw.map((x) => Math.fround(x / norm));
}

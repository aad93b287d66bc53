import type { EncodingFormat } from './embeddings-request.js';

/**
 * One vector as the client asked for it: a JSON array of numbers, or base64 of its little-endian float32 bytes
 * (OpenAI's `base64` format, which the official SDKs request by default and decode back to floats).
 */
export function encodeEmbedding(vector: readonly number[], format: EncodingFormat): number[] | string {
  return format === 'base64' ? float32Base64(vector) : [...vector];
}

/** Little-endian whatever the host's byte order (a `Float32Array` would use the host's). */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString('base64');
}

import { describe, expect, it } from 'vitest';
import { encodeEmbedding, float32Base64 } from './encode.js';

describe('encodeEmbedding', () => {
  it('returns floats as a plain array', () => {
    expect(encodeEmbedding([0.5, -1, 0], 'float')).toEqual([0.5, -1, 0]);
  });

  it('encodes base64 as little-endian float32 bytes', () => {
    // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0 (little-endian)
    expect(Buffer.from(float32Base64([1, -2]), 'base64')).toEqual(Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]));
    expect(encodeEmbedding([], 'base64')).toBe('');
  });

  it('round-trips float32 values exactly and rounds others to float32', () => {
    const values = [Math.fround(0.1), Math.fround(-0.333), 1e-8, 0.1];
    const bytes = Buffer.from(float32Base64(values), 'base64');
    const decoded = Array.from({ length: values.length }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(values.map(Math.fround));
  });
});

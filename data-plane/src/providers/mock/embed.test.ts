import { describe, expect, it } from 'vitest';
import { ModelConfig } from '@tollgate/schema';
import { secretResolver } from '../../upstream/secrets.js';
import { MOCK_EMBEDDING_DIMENSIONS, MOCK_MAX_EMBEDDING_DIMENSIONS, mockEmbed, mockEmbedding } from './embed.js';
import { mockProvider } from './index.js';

const length = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('mock embeddings', () => {
  it('gives every input a deterministic unit-length vector of 8 dimensions by default', async () => {
    const first = await mockEmbed({ input: ['hello', 'world', 'hello'] });
    const again = await mockEmbed({ input: ['hello'] });
    expect(first.vectors).toHaveLength(3);
    for (const v of first.vectors) {
      expect(v).toHaveLength(MOCK_EMBEDDING_DIMENSIONS);
      expect(length(v)).toBeCloseTo(1, 6);
    }
    expect(first.vectors[0]).toEqual(first.vectors[2]);
    expect(first.vectors[0]).toEqual(again.vectors[0]);
    expect(first.vectors[0]).not.toEqual(first.vectors[1]);
  });

  it('honours dimensions, including more than one hash block', async () => {
    for (const dimensions of [1, 3, 8, 9, 1536]) {
      const [v] = (await mockEmbed({ input: ['text'], dimensions })).vectors;
      expect(v).toHaveLength(dimensions);
      expect(length(v!)).toBeCloseTo(1, 5);
    }
  });

  it('keeps components float32-exact, so JSON floats and base64 float32 decode alike', () => {
    expect(mockEmbedding('precision', 64).every((x) => Math.fround(x) === x)).toBe(true);
  });

  it('reports the local estimate as input tokens: about four characters per token, per input', async () => {
    expect((await mockEmbed({ input: ['abcd', 'abcde', 'a'] })).inputTokens).toBe(1 + 2 + 1);
  });

  it('refuses absurd dimensions with a provider error instead of allocating them', async () => {
    await expect(mockEmbed({ input: ['x'], dimensions: MOCK_MAX_EMBEDDING_DIMENSIONS + 1 })).rejects.toMatchObject({
      status: 400, type: 'invalid_request_error', provider: 'mock',
    });
  });

  it('is the mock provider’s embed capability', async () => {
    const provider = mockProvider();
    const target = ModelConfig.parse({ id: 'm', name: 'mock', provider: 'mock', providerModel: 'mock', inputCostPerMillion: 1, outputCostPerMillion: 2 });
    const call = { target, secrets: secretResolver({}), signal: new AbortController().signal };
    expect(await provider.embed!({ input: ['hi'], dimensions: 4 }, call)).toEqual(await mockEmbed({ input: ['hi'], dimensions: 4 }));
  });
});

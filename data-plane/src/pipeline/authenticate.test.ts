import { hashKey } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { bearerToken, keyHash, openAiCredential } from './authenticate.js';

describe('bearerToken', () => {
  const reference = (header: string): string | null => /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;

  it('reads the token like /^Bearer\\s+(\\S+)\\s*$/i', () => {
    const cases = [
      'Bearer sk-1', 'bearer sk-1', 'BEARER sk-1', 'Bearer  sk-1  ', 'Bearer\tsk-1', 'Bearer\u00a0sk-1', 'Bearer sk-1 x', 'Bearer', 'Bearer ',
      'Bearersk-1', 'Basic sk-1', '', ' Bearer sk-1', 'Bearer sk-1\n', 'Bearer \u2003sk\u00e9', 'Bearer s', 'B\u0065arer k', 'Bea\u017fer sk', 'Token sk-1',
    ];
    for (const header of cases) expect(bearerToken(header), JSON.stringify(header)).toBe(reference(header));
    const alphabet = ['B', 'b', 'e', 'a', 'r', 'R', ' ', '\t', '\u00a0', 'x', '-', '\n', '\u2028'];
    for (let n = 0; n < 5_000; n++) {
      let header = n % 2 === 0 ? 'Bearer' : '';
      const length = (n * 7919) % 14;
      for (let i = 0; i < length; i++) header += alphabet[(n * 31 + i * 17) % alphabet.length];
      expect(bearerToken(header), JSON.stringify(header)).toBe(reference(header));
    }
  });
});

describe('keyHash', () => {
  it('is the hash the config carries (hashKey)', () => {
    for (const key of ['sk-tg-abc', 'ünïcødé-key', '']) expect(keyHash(key)).toBe(hashKey(key));
  });
});

describe('openAiCredential', () => {
  const head = (over: Partial<{ authorization: string; apiKey: string; xApiKey: string }>) => ({ authorization: '', apiKey: '', xApiKey: '', ...over });
  it("takes a bearer token, Azure's api-key, or Anthropic's x-api-key (an Anthropic SDK listing models), in that order", () => {
    expect(openAiCredential(head({ authorization: 'Bearer sk-a', apiKey: 'sk-b', xApiKey: 'sk-c' }))).toBe('sk-a');
    expect(openAiCredential(head({ apiKey: 'sk-b', xApiKey: 'sk-c' }))).toBe('sk-b');
    expect(openAiCredential(head({ xApiKey: ' sk-c ' }))).toBe('sk-c');
    expect(openAiCredential(head({}))).toBeNull();
  });
});


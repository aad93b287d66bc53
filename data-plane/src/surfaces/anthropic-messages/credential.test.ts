import { describe, expect, it } from 'vitest';
import { anthropicCredential } from './credential.js';

describe('anthropicCredential', () => {
  const head = (xApiKey: string, authorization = '') => ({ xApiKey, authorization });

  it('takes x-api-key, else the bearer token, and x-api-key when both carry a gateway key', () => {
    expect(anthropicCredential(head('sk-tg-abc'))).toBe('sk-tg-abc');
    expect(anthropicCredential(head('', 'Bearer sk-tg-abc'))).toBe('sk-tg-abc');
    expect(anthropicCredential(head('sk-tg-one', 'Bearer sk-tg-two'))).toBe('sk-tg-one');
    expect(anthropicCredential(head(''))).toBeNull();
  });

  it("takes the bearer token over an x-api-key that is Anthropic's own key (ANTHROPIC_API_KEY left exported beside ANTHROPIC_AUTH_TOKEN)", () => {
    expect(anthropicCredential(head('sk-ant-api03-real', 'Bearer sk-tg-gateway'))).toBe('sk-tg-gateway');
    // Only an Anthropic key: it is what was sent, and is refused as any unknown key is.
    expect(anthropicCredential(head('sk-ant-api03-real'))).toBe('sk-ant-api03-real');
    expect(anthropicCredential(head('sk-ant-api03-real', 'Bearer sk-ant-oat01-token'))).toBe('sk-ant-api03-real');
  });
});

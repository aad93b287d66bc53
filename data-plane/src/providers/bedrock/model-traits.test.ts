import { describe, expect, it } from 'vitest';
import { bedrockModelTraits, foundationModelId } from './model-traits.js';

describe('Bedrock model traits', () => {
  it('should read the foundation model behind profile ids and ARNs', () => {
    expect(foundationModelId('us.meta.llama4-scout-17b-instruct-v1:0')).toBe('meta.llama4-scout-17b-instruct-v1:0');
    expect(foundationModelId('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(foundationModelId('us-gov.anthropic.claude-3-haiku-20240307-v1:0')).toBe('anthropic.claude-3-haiku-20240307-v1:0');
    expect(foundationModelId('arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.mistral.pixtral-large-2502-v1:0')).toBe('mistral.pixtral-large-2502-v1:0');
    expect(foundationModelId('arn:aws:bedrock:us-east-1::foundation-model/cohere.command-r-plus-v1:0')).toBe('cohere.command-r-plus-v1:0');
    expect(foundationModelId('amazon.nova-pro-v1:0')).toBe('amazon.nova-pro-v1:0');
  });

  it('should know which families stream tool use and which tool choices they take', () => {
    const of = (id: string) => {
      const t = bedrockModelTraits(id);
      return { streams: t.streamsToolUse, choice: [...t.toolChoice].sort().join(',') };
    };
    expect(of('us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toEqual({ streams: true, choice: 'any,auto,tool' });
    expect(of('us.amazon.nova-lite-v1:0')).toEqual({ streams: true, choice: 'any,auto,tool' });
    expect(of('us.meta.llama3-1-70b-instruct-v1:0')).toEqual({ streams: false, choice: '' });
    expect(of('meta.llama4-maverick-17b-instruct-v1:0')).toEqual({ streams: false, choice: '' });
    expect(of('mistral.mistral-large-2407-v1:0')).toEqual({ streams: false, choice: 'any,auto' });
    expect(of('mistral.mistral-small-2402-v1:0')).toEqual({ streams: false, choice: '' });
    expect(of('cohere.command-r-plus-v1:0')).toEqual({ streams: false, choice: '' });
    expect(of('ai21.jamba-1-5-large-v1:0')).toEqual({ streams: true, choice: '' });
    // Unknown families and application inference profiles (which name no model): everything as asked.
    expect(of('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3')).toEqual({ streams: true, choice: 'any,auto,tool' });
    expect(of('qwen.qwen3-32b-v1:0')).toEqual({ streams: true, choice: 'any,auto,tool' });
  });
});

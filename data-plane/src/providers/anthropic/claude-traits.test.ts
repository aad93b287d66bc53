import { describe, expect, it } from 'vitest';
import { claudeTraits } from './claude-traits.js';

describe('Claude model traits, read from the id', () => {
  it('should read the version wherever the id puts the model name', () => {
    expect(claudeTraits('claude-opus-4-7')).toEqual({ thinking: true, adaptiveThinking: true, adaptiveOnly: true, sampling: 'none', structuredOutputs: true });
    expect(claudeTraits('us.anthropic.claude-opus-4-6-v1')).toEqual({ thinking: true, adaptiveThinking: true, adaptiveOnly: false, sampling: 'one', structuredOutputs: true });
    expect(claudeTraits('claude-opus-4-6@20260205')).toEqual({ thinking: true, adaptiveThinking: true, adaptiveOnly: false, sampling: 'one', structuredOutputs: true });
    expect(claudeTraits('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({ thinking: true, adaptiveThinking: false, adaptiveOnly: false, sampling: 'one', structuredOutputs: true });
    expect(claudeTraits('anthropic.claude-haiku-4-5-20251001-v1:0').sampling).toBe('one');
    expect(claudeTraits('claude-opus-4-1-20250805').sampling).toBe('one');
  });

  it('should not take a date for a minor version', () => {
    expect(claudeTraits('claude-opus-4-20250514')).toEqual({ thinking: true, adaptiveThinking: false, adaptiveOnly: false, sampling: 'all', structuredOutputs: false });
    expect(claudeTraits('claude-sonnet-4-20250514').sampling).toBe('all');
  });

  it('should give the newest models adaptive thinking only, and the oldest rules to ids that name no version', () => {
    for (const model of ['claude-opus-5', 'claude-sonnet-5', 'anthropic.claude-mythos-preview', 'anthropic.claude-fable-5', 'claude-opus-4-8', 'claude-haiku-5-5']) {
      expect(claudeTraits(model), model).toEqual({ thinking: true, adaptiveThinking: true, adaptiveOnly: true, sampling: 'none', structuredOutputs: true });
    }
    for (const model of ['claude-3-7-sonnet-20250219', 'arn:aws:bedrock:us-east-1:123:application-inference-profile/abc', 'my-claude']) {
      expect(claudeTraits(model), model).toEqual({ thinking: true, adaptiveThinking: false, adaptiveOnly: false, sampling: 'all', structuredOutputs: false });
    }
  });

  it('should give extended thinking to Claude 3.7 Sonnet and every later model, not to 3.5, 3 or older (they answer it with a 400)', () => {
    for (const model of ['claude-3-5-haiku-20241022', 'claude-3-5-sonnet-latest', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'claude-3-opus-20240229', 'anthropic.claude-v2:1', 'anthropic.claude-instant-v1', 'claude-2.1']) {
      expect(claudeTraits(model), model).toEqual({ thinking: false, adaptiveThinking: false, adaptiveOnly: false, sampling: 'all', structuredOutputs: false });
    }
    for (const model of ['claude-3-7-sonnet-20250219', 'us.anthropic.claude-3-7-sonnet-20250219-v1:0', 'claude-sonnet-4-20250514', 'claude-opus-4-7', 'my-claude']) {
      expect(claudeTraits(model).thinking, model).toBe(true);
    }
  });

  // Structured outputs came with the 4.5 models: Opus 4.1 takes one sampling parameter like them, but not this.
  it('should give structured outputs to Haiku, Sonnet and Opus from 4.5 on, and to no earlier model', () => {
    for (const model of ['claude-haiku-4-5-20251001', 'claude-sonnet-4-5', 'claude-opus-4-5-20251101', 'claude-sonnet-4-6', 'claude-opus-4-6', 'claude-opus-4-7', 'claude-mythos-5']) {
      expect(claudeTraits(model).structuredOutputs, model).toBe(true);
    }
    for (const model of ['claude-3-5-haiku-20241022', 'claude-3-7-sonnet-20250219', 'claude-sonnet-4-20250514', 'claude-opus-4-1-20250805', 'claude-opus-4-20250514']) {
      expect(claudeTraits(model).structuredOutputs, model).toBe(false);
    }
  });
});

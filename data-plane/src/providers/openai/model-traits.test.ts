import { describe, expect, it } from 'vitest';
import { takesReasoningEffort } from './model-traits.js';

describe('which OpenAI models take reasoning_effort, read from the id', () => {
  it('should say yes for the o-series from o1, GPT-5 and later, codex-mini and gpt-oss, dated or not', () => {
    for (const model of [
      'o1', 'o1-2024-12-17', 'o1-pro', 'o3', 'o3-2025-04-16', 'o3-mini', 'o3-pro', 'o4-mini', 'o4-mini-2025-04-16', 'o3-deep-research',
      'gpt-5', 'gpt-5-2025-08-07', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-codex', 'gpt-5.1', 'gpt-5.1-codex-max', 'gpt-5.2', 'gpt-5.6-sol', 'gpt-6', 'GPT-5-Mini',
      'codex-mini-latest', 'gpt-oss-120b',
    ]) {
      expect(takesReasoningEffort(model), model).toBe(true);
    }
  });

  it('should say no for models that do not reason, and for the o1 previews and GPT-5 chat models that refuse it', () => {
    for (const model of [
      'gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'chatgpt-4o-latest', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano-2025-04-14',
      'gpt-4', 'gpt-4-turbo', 'gpt-4.5-preview', 'gpt-3.5-turbo', 'gpt-3.5-turbo-0125',
      'o1-mini', 'o1-mini-2024-09-12', 'o1-preview', 'gpt-5-chat-latest', 'gpt-5.1-chat-latest',
    ]) {
      expect(takesReasoningEffort(model), model).toBe(false);
    }
  });

  it("should read Azure deployments named after their model, and take any other name for one that does not reason", () => {
    expect(takesReasoningEffort('prod-o4-mini')).toBe(true);
    expect(takesReasoningEffort('team_gpt-5-mini_eu')).toBe(true);
    expect(takesReasoningEffort('gpt-4o-prod')).toBe(false);
    for (const model of ['chat-prod', 'o365-assistant', 'my-deployment', 'gpt-realtime']) expect(takesReasoningEffort(model), model).toBe(false);
  });
});

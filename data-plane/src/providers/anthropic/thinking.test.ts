import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../../test-support/fixtures.js';
import { startTranslatedRig, type TranslatedRig } from '../../test-support/translated-rig.js';
import { claudeTraits } from './claude-traits.js';
import { planOutput } from './thinking.js';

/**
 * A client's output limit is an upper bound on everything the model generates, thinking included: OpenAI's
 * `max_completion_tokens` / `max_output_tokens` ("an upper bound for the number of tokens that can be generated for a
 * completion, including visible output tokens and reasoning tokens") and Anthropic's `max_tokens`, which thinking
 * tokens count toward. Claude bills what it generates up to `max_tokens`, so a gateway that raises the limit to make
 * room for a thinking budget bills the caller for up to that much more than it capped.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_completion_tokens
 * @see https://platform.claude.com/docs/en/build-with-claude/thinking
 */

describe('planOutput', () => {
  const sonnet45 = 'claude-sonnet-4-5';
  const plan = (maxOutputTokens: number | undefined, reasoning: Parameters<typeof planOutput>[0]['reasoning'], model = sonnet45) =>
    planOutput({ maxOutputTokens, reasoning, model, traits: claudeTraits(model) });

  it("should never send more than the client's limit, fitting the effort's budget into three quarters of it", () => {
    expect(plan(40_000, { effort: 'high' })).toEqual({ maxTokens: 40_000, thinking: { type: 'enabled', budget_tokens: 16_384 } });
    expect(plan(8000, { effort: 'high' })).toEqual({ maxTokens: 8000, thinking: { type: 'enabled', budget_tokens: 6000 } });
    expect(plan(2000, { effort: 'low' })).toEqual({ maxTokens: 2000, thinking: { type: 'enabled', budget_tokens: 1500 } });
    // 1366 is the smallest limit whose three quarters hold Anthropic's smallest budget, 1024.
    expect(plan(1366, { effort: 'minimal' })).toEqual({ maxTokens: 1366, thinking: { type: 'enabled', budget_tokens: 1024 } });
  });

  it('should send no thinking when the limit cannot hold the smallest budget and an answer', () => {
    expect(plan(1365, { effort: 'minimal' })).toEqual({ maxTokens: 1365 });
    expect(plan(1000, { effort: 'high' })).toEqual({ maxTokens: 1000 });
    expect(plan(500, { budgetTokens: 2000 })).toEqual({ maxTokens: 500 });
  });

  it("should keep a client's own budget below its limit, as Anthropic does (Claude Code: 31999 of 32000)", () => {
    expect(plan(32_000, { budgetTokens: 31_999 })).toEqual({ maxTokens: 32_000, thinking: { type: 'enabled', budget_tokens: 31_999 } });
  });

  it('should keep the budget and add the default answer room when the client gave no limit', () => {
    expect(plan(undefined, { effort: 'high' })).toEqual({ maxTokens: 16_384 + 8192, thinking: { type: 'enabled', budget_tokens: 16_384 } });
    expect(planOutput({ maxOutputTokens: undefined, reasoning: { effort: 'low' }, model: sonnet45, traits: claudeTraits(sonnet45), defaultMaxTokens: 1000 })).toEqual({
      maxTokens: 2048 + 1000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
  });

  // Adaptive thinking has no smallest budget: Claude thinks within max_tokens, or not at all at a low effort.
  it("should think adaptively within the client's limit however small, where the model thinks adaptively", () => {
    expect(plan(500, { effort: 'high' }, 'claude-opus-4-7')).toEqual({ maxTokens: 500, thinking: { type: 'adaptive' }, effort: 'high' });
    expect(plan(500, { effort: 'high' }, 'claude-sonnet-4-6')).toEqual({ maxTokens: 500, thinking: { type: 'adaptive' }, effort: 'high' });
  });

  it('should not think when reasoning is off, whatever effort came beside it', () => {
    expect(plan(4000, { off: true })).toEqual({ maxTokens: 4000 });
    expect(plan(4000, { off: true, effort: 'low' })).toEqual({ maxTokens: 4000 });
  });
});

describe('Claude through the gateway, with a client output limit and thinking', () => {
  let rig: TranslatedRig;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(async () => {
    rig = await startTranslatedRig('lim');
    openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${rig.t.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: rig.t.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await rig?.close();
  });

  const lastAnthropicBody = () => rig.anthropic.inferenceRequests().at(-1)?.body as Record<string, unknown>;
  const lastBedrockBody = () => rig.bedrock.requests.at(-1)?.body as { inferenceConfig?: { maxTokens?: number }; additionalModelRequestFields?: Record<string, unknown> };
  const messages = [{ role: 'user' as const, content: 'hi' }];

  it('chat completions: max_completion_tokens with reasoning_effort high is the limit Anthropic and Bedrock get', async () => {
    await openai.chat.completions.create({ model: 'lim-anthropic', messages, reasoning_effort: 'high', max_completion_tokens: 1000 });
    expect(lastAnthropicBody().max_tokens).toBe(1000);
    expect(lastAnthropicBody()).not.toHaveProperty('thinking');

    await openai.chat.completions.create({ model: 'lim-bedrock', messages, reasoning_effort: 'high', max_completion_tokens: 1000 });
    expect(lastBedrockBody().inferenceConfig?.maxTokens).toBe(1000);
    expect(lastBedrockBody().additionalModelRequestFields?.thinking).toBeUndefined();

    // Room for thinking: the budget fits under the limit.
    await openai.chat.completions.create({ model: 'lim-anthropic', messages, reasoning_effort: 'high', max_completion_tokens: 8000 });
    expect(lastAnthropicBody()).toMatchObject({ max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 6000 } });
  });

  it('responses: max_output_tokens with reasoning effort high is the limit Anthropic and Bedrock get', async () => {
    await openai.responses.create({ model: 'lim-bedrock', input: 'hi', max_output_tokens: 500, reasoning: { effort: 'high' } });
    expect(lastBedrockBody().inferenceConfig?.maxTokens).toBe(500);
    expect(lastBedrockBody().additionalModelRequestFields?.thinking).toBeUndefined();

    await openai.responses.create({ model: 'lim-anthropic', input: 'hi', max_output_tokens: 500, reasoning: { effort: 'high' } });
    expect(lastAnthropicBody().max_tokens).toBe(500);
    expect(lastAnthropicBody()).not.toHaveProperty('thinking');
  });

  // Claude Sonnet 4.5 on Bedrock takes no adaptive thinking: the gateway turns it into a budget, which must fit.
  it("messages: adaptive thinking with an effort, to a Claude that takes budgets only, stays within the client's max_tokens", async () => {
    await anthropic.messages.create({ model: 'lim-bedrock', max_tokens: 2000, thinking: { type: 'adaptive' }, output_config: { effort: 'low' }, messages });
    expect(lastBedrockBody().inferenceConfig?.maxTokens).toBe(2000);
    expect(lastBedrockBody().additionalModelRequestFields?.thinking).toEqual({ type: 'enabled', budget_tokens: 1500 });
  });

  it('chat completions: without a limit, the answer gets its default room on top of the budget', async () => {
    await openai.chat.completions.create({ model: 'lim-bedrock', messages, reasoning_effort: 'high' });
    expect(lastBedrockBody().inferenceConfig?.maxTokens).toBe(16_384 + 8192);
    expect(lastBedrockBody().additionalModelRequestFields?.thinking).toEqual({ type: 'enabled', budget_tokens: 16_384 });
  });
});

import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, model } from '../../test-support/fixtures.js';
import { startTranslatedRig, type TranslatedRig } from '../../test-support/translated-rig.js';

/**
 * An Anthropic client's `thinking: {type: "disabled"}` asks for no thinking. Claude does not think unless asked, but
 * Gemini 2.5 and later think by default and bill the thinking as output, so a translation that sends nothing leaves
 * the caller paying for thinking it declined. Gemini 2.5 Flash and Flash-Lite stop with `thinkingBudget: 0`; 2.5 Pro
 * and Gemini 3 cannot stop, and get the least they take (the Gemini stand-in refuses what Google refuses: a budget
 * out of range, `thinkingLevel` on 2.5, `MINIMAL` on a Pro model).
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
describe('thinking disabled by an Anthropic client, on each provider', () => {
  let rig: TranslatedRig;
  let anthropic: Anthropic;
  beforeAll(async () => {
    rig = await startTranslatedRig('off', {
      models: ({ gemini, compat }) => [
        ...[
          ['off-gemini-pro', 'gemini-2.5-pro'],
          ['off-gemini-lite', 'gemini-2.5-flash-lite'],
          ['off-gemini-3-pro', 'gemini-3-pro-preview'],
          ['off-gemini-3-flash', 'gemini-3-flash-preview'],
        ].map(([name, providerModel], i) => model({ id: `off-g${i}`, name: name!, provider: 'gemini', providerModel: providerModel!, apiBase: gemini.url, apiKeyRef: 'env:TG_RIG_GEMINI_KEY' })),
        model({ id: 'off-o', name: 'off-openai-reasoning', provider: 'openai', providerModel: 'o4-mini', apiBase: compat.url, apiKeyRef: 'env:TG_RIG_OPENAI_KEY' }),
      ],
    });
    anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: rig.t.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await rig?.close();
  });

  const disabled = (name: string) => anthropic.messages.create({ model: name, max_tokens: 50, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'hi' }] });
  const lastGeminiConfig = () => (rig.gemini.requests.at(-1)?.body as { generationConfig?: Record<string, unknown> }).generationConfig;

  it('should turn Gemini 2.5 Flash and Flash-Lite thinking off with a budget of 0', async () => {
    await disabled('off-gemini');
    expect(lastGeminiConfig()).toEqual({ maxOutputTokens: 50, thinkingConfig: { thinkingBudget: 0 } });
    await disabled('off-gemini-lite');
    expect(lastGeminiConfig()).toEqual({ maxOutputTokens: 50, thinkingConfig: { thinkingBudget: 0 } });
  });

  it('should keep Gemini 2.5 Pro to its smallest budget and Gemini 3 to its lowest level, which they cannot go below', async () => {
    await disabled('off-gemini-pro');
    expect(lastGeminiConfig()).toEqual({ maxOutputTokens: 50, thinkingConfig: { thinkingBudget: 128 } });
    await disabled('off-gemini-3-pro');
    expect(lastGeminiConfig()).toEqual({ maxOutputTokens: 50, thinkingConfig: { thinkingLevel: 'LOW' } });
    await disabled('off-gemini-3-flash');
    expect(lastGeminiConfig()).toEqual({ maxOutputTokens: 50, thinkingConfig: { thinkingLevel: 'MINIMAL' } });
  });

  it('should still send Claude no thinking, and an OpenAI reasoning model no reasoning_effort', async () => {
    await disabled('off-bedrock');
    const bedrock = rig.bedrock.requests.at(-1)?.body as { inferenceConfig?: unknown; additionalModelRequestFields?: Record<string, unknown> };
    expect(bedrock.inferenceConfig).toEqual({ maxTokens: 50 });
    expect(bedrock.additionalModelRequestFields?.thinking).toBeUndefined();

    await disabled('off-openai-reasoning');
    const openai = rig.compat.inferenceRequests().at(-1)?.body as Record<string, unknown>;
    expect(openai.model).toBe('o4-mini');
    expect(openai).not.toHaveProperty('reasoning_effort');
  });
});

import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool, type ModelMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { directive } from '../../../../test/stand-ins/script.js';
import { KEYS } from '../../test-support/fixtures.js';
import { startTranslatedRig, type TranslatedRig } from '../../test-support/translated-rig.js';

/**
 * The Vercel AI SDK's OpenAI provider as its users call it by default (`openai(model)`: the Responses API, `store`
 * left at OpenAI's default), with models of other providers behind Tollgate. From the second turn on it sends earlier
 * answers as `item_reference`s (`item-store.ts`); a reasoning tool loop does so within one `generateText`.
 */
describe('the AI SDK (OpenAI provider, default Responses mode) with translated models', () => {
  let rig: TranslatedRig;
  let openai: ReturnType<typeof createOpenAI>;

  beforeAll(async () => {
    rig = await startTranslatedRig('sdk');
    openai = createOpenAI({ baseURL: `${rig.t.baseUrl}/v1`, apiKey: KEYS.full });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it.each(['sdk-anthropic', 'sdk-gemini', 'sdk-bedrock', 'sdk-compat'])('holds a conversation with %s', async (model) => {
    const first = await generateText({ model: openai(model), prompt: `Hello, my name is Ada. ${directive({ text: 'Hi Ada.' })}`, maxRetries: 0 });
    const messages: ModelMessage[] = [{ role: 'user', content: 'Hello, my name is Ada.' }, ...first.response.messages, { role: 'user', content: `What is my name? ${directive({ text: 'Ada.' })}` }];
    const second = await generateText({ model: openai(model), messages, maxRetries: 0 });
    expect(second.text).toBe('Ada.');
  });

  it.each([false, true])('runs a reasoning tool loop with Claude (streamed: %s)', async (streamed) => {
    const weather = tool({ description: 'weather', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, tempC: 21 }) });
    const options = {
      model: openai('sdk-anthropic'),
      prompt: `Weather in Paris? ${directive({ reasoning: 'I should call the weather tool.', toolCalls: [{ name: 'weather', arguments: '{"city":"Paris"}' }] })}`,
      tools: { weather },
      providerOptions: { openai: { forceReasoning: true, reasoningEffort: 'low', reasoningSummary: 'auto' } },
      maxRetries: 0,
      stopWhen: stepCountIs(3),
      prepareStep: ({ stepNumber, messages }: { stepNumber: number; messages: ModelMessage[] }) =>
        stepNumber === 1 ? { messages: [...messages, { role: 'user' as const, content: `Now answer ${directive({ reasoning: 'done', text: 'Sunny, 21C.' })}` }] } : undefined,
    };
    let text: string;
    let steps: number;
    if (streamed) {
      const errors: unknown[] = [];
      const result = streamText({ ...options, onError: ({ error }) => void errors.push(error) });
      await result.consumeStream();
      [text, steps] = [await result.text, (await result.steps).length];
      expect(errors).toEqual([]);
    } else {
      const result = await generateText(options);
      [text, steps] = [result.text, result.steps.length];
    }
    expect({ text, steps }).toEqual({ text: 'Sunny, 21C.', steps: 2 });
    // The second step sent the first step's reasoning and call back to Claude, by reference.
    const claude = rig.anthropic.requests.at(-1)!.body as { messages: Array<{ role: string; content: Array<{ type: string }> }> };
    expect(claude.messages[1]!.content.map((block) => block.type)).toEqual(['thinking', 'tool_use']);
  });
});

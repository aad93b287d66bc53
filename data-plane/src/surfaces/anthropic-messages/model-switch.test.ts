import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thinkingSignature } from '../../../../test/stand-ins/anthropic/render.js';
import { directive } from '../../../../test/stand-ins/script.js';
import { KEYS, model } from '../../test-support/fixtures.js';
import { startTranslatedRig, type TranslatedRig } from '../../test-support/translated-rig.js';

/**
 * Switching models mid-conversation on `/v1/messages` (Claude Code's `/model`): the client sends the whole history,
 * thinking blocks and their signatures included, to the new model. Each provider verifies the signatures it gets and
 * refuses the request for one it did not write: Anthropic and Claude on Bedrock with "Invalid `signature` in
 * `thinking` block", Gemini 3 with "Corrupted thought signature." (the stand-ins verify as they do). So each
 * provider must get back only its own, and its own exactly as it wrote them; Claude's are good on Anthropic's API
 * and Bedrock alike (as Anthropic documents, and the stand-ins sign alike).
 *
 * The rig: ms-anthropic (forwarded as sent), ms-gemini (Gemini 2.5 Flash), ms-bedrock (Claude on Converse), and
 * ms-gemini3 (Gemini 3 Flash, which verifies its thought signatures).
 */

let rig: TranslatedRig;
let client: Anthropic;
beforeAll(async () => {
  rig = await startTranslatedRig('ms', {
    models: ({ gemini }) => [model({ id: 'ms-5', name: 'ms-gemini3', provider: 'gemini', providerModel: 'gemini-3-flash-preview', apiBase: gemini.url, apiKeyRef: 'env:TG_RIG_GEMINI_KEY' })],
  });
  client = new Anthropic({ apiKey: KEYS.full, baseURL: rig.t.baseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await rig?.close();
});

const THOUGHT = 'I need the weather.';
const tools: Anthropic.Tool[] = [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
const ask: Anthropic.MessageParam = { role: 'user', content: `Weather in Paris? ${directive({ reasoning: THOUGHT, text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] })}` };
const thinking = { type: 'enabled' as const, budget_tokens: 1024 };

/** The first turn on `model`, streamed as Claude Code asks: thinking, a preamble and a tool call. */
async function firstTurn(model: string, stream = true): Promise<Anthropic.ContentBlock[]> {
  const request = { model, max_tokens: 4096, thinking, tools, messages: [ask] };
  const message = stream ? await client.messages.stream(request).finalMessage() : await client.messages.create(request);
  expect(message.stop_reason).toBe('tool_use');
  return message.content;
}

/** The next turn on `model`: the first turn's content as the assistant turn, then the tool's result. */
function nextTurn(model: string, content: Anthropic.ContentBlock[]): Promise<Anthropic.Message> {
  const call = content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
  return client.messages.create({
    model,
    max_tokens: 4096,
    thinking,
    tools,
    messages: [
      ask,
      { role: 'assistant', content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny' }, { type: 'text', text: directive({ text: 'Sunny in Paris.' }) }] },
    ],
  });
}

const signatures = (content: Anthropic.ContentBlock[]) => content.flatMap((b) => (b.type === 'thinking' ? [b.signature] : []));
const answer = (message: Anthropic.Message) => message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');

/** The thinking blocks of the Messages body the Anthropic stand-in got last. */
function thinkingSentToAnthropic(): unknown[] {
  const body = rig.anthropic.requests.at(-1)!.body as { messages: { content: string | { type: string }[] }[] };
  return body.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((b) => b.type === 'thinking' || b.type === 'redacted_thinking')));
}

/** The reasoning blocks of the Converse request the Bedrock stand-in got last. */
function reasoningSentToBedrock(): unknown[] {
  const body = rig.bedrock.requests.at(-1)!.body as { messages: { content: { reasoningContent?: unknown }[] }[] };
  return body.messages.flatMap((m) => m.content.flatMap((b) => (b.reasoningContent ? [b.reasoningContent] : [])));
}

/** The thought signatures of the request the Gemini stand-in got last. */
function thoughtSignaturesSentToGemini(): string[] {
  const body = rig.gemini.requests.at(-1)!.body as { contents: { parts: { thoughtSignature?: string }[] }[] };
  return body.contents.flatMap((c) => c.parts.flatMap((p) => (p.thoughtSignature ? [p.thoughtSignature] : [])));
}

describe('switching models mid-conversation on /v1/messages', () => {
  it("from Gemini to Claude (Anthropic's API and Bedrock): Gemini's thought signature goes to neither, and the turn is answered", async () => {
    const content = await firstTurn('ms-gemini');

    expect(answer(await nextTurn('ms-anthropic', content))).toBe('Sunny in Paris.');
    // Neither Gemini's signature nor the unsigned thinking went to Anthropic, which would refuse both; with no
    // thinking left in front of the tool call, the request went without thinking, as Anthropic requires.
    expect(thinkingSentToAnthropic()).toEqual([]);
    expect(rig.anthropic.requests.at(-1)!.body).not.toHaveProperty('thinking');

    expect(answer(await nextTurn('ms-bedrock', content))).toBe('Sunny in Paris.');
    expect(reasoningSentToBedrock()).toEqual([]);
    // Gemini's signature reached the client tagged as Gemini's (the unsigned thought summary has none).
    expect(signatures(content)).toEqual(['', expect.stringMatching(/^tollgate:gemini:.+/)]);
  });

  it("from Claude on Anthropic's API to Gemini 3 and to Claude on Bedrock: Anthropic's signature goes to Claude only", async () => {
    const content = await firstTurn('ms-anthropic');

    expect(answer(await nextTurn('ms-gemini3', content))).toBe('Sunny in Paris.');
    // Only Google's sentinel for a call without a signature of Gemini's own.
    expect(thoughtSignaturesSentToGemini()).toEqual(['skip_thought_signature_validator']);

    expect(answer(await nextTurn('ms-bedrock', content))).toBe('Sunny in Paris.');
    expect(reasoningSentToBedrock()).toEqual([{ reasoningText: { text: THOUGHT, signature: thinkingSignature(THOUGHT) } }]);
    // Anthropic's signature reached the client as Anthropic wrote it.
    expect(signatures(content)).toEqual([thinkingSignature(THOUGHT)]);
  });

  it("from Claude on Bedrock to Claude on Anthropic's API: the thinking goes with it, as Claude signed it", async () => {
    const content = await firstTurn('ms-bedrock', false);

    expect(answer(await nextTurn('ms-anthropic', content))).toBe('Sunny in Paris.');
    expect(signatures(content)).toEqual([thinkingSignature(THOUGHT)]);
    expect(thinkingSentToAnthropic()).toEqual([content[0]]);
    expect(rig.anthropic.requests.at(-1)!.body).toMatchObject({ thinking });
  });

  it('to Claude with thinking after a model that answered a tool call without any: the turn goes without thinking, not refused', async () => {
    // An OpenAI-style model's tool turn has no thinking block; Anthropic refuses a thinking request whose last tool
    // turn does not start with one, so every later turn of the tool loop would fail.
    const plain = directive({ text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const { content } = await client.messages.create({ model: 'ms-compat', max_tokens: 4096, tools, messages: [{ role: 'user', content: `Weather in Paris? ${plain}` }] });
    expect(content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(answer(await nextTurn('ms-anthropic', content))).toBe('Sunny in Paris.');
    expect(rig.anthropic.requests.at(-1)!.body).not.toHaveProperty('thinking');
    // Token counts follow the same rule.
    const call = content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    const counted = await client.messages.countTokens({
      model: 'ms-anthropic',
      thinking,
      tools,
      messages: [ask, { role: 'assistant', content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny' }] }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it('back to the same provider: each gets its own signatures back exactly as it wrote them', async () => {
    const anthropic = await firstTurn('ms-anthropic');
    expect(answer(await nextTurn('ms-anthropic', anthropic))).toBe('Sunny in Paris.');
    expect(thinkingSentToAnthropic()).toEqual([anthropic[0]]);
    expect(rig.anthropic.requests.at(-1)!.body).toMatchObject({ thinking });

    const bedrock = await firstTurn('ms-bedrock');
    expect(answer(await nextTurn('ms-bedrock', bedrock))).toBe('Sunny in Paris.');
    expect(reasoningSentToBedrock()).toEqual([{ reasoningText: { text: THOUGHT, signature: signatures(bedrock)[0] } }]);

    const gemini = await firstTurn('ms-gemini3');
    expect(answer(await nextTurn('ms-gemini3', gemini))).toBe('Sunny in Paris.');
    expect(thoughtSignaturesSentToGemini()).toEqual([signatures(gemini).at(-1)!.slice('tollgate:gemini:'.length)]);
  });
});

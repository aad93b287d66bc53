import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive } from '../../../../test/stand-ins/script.js';
import { key, KEYS } from '../../test-support/fixtures.js';
import { startTranslatedRig, type TranslatedRig } from '../../test-support/translated-rig.js';
import { postResponses } from '../../test-support/sse-events.js';

type Body = Record<string, unknown>;

/** Another key of the same team. */
const OTHER_KEY = 'sk-tg-irother-00000000000000000000000000000000';

/**
 * The Vercel AI SDK's OpenAI provider (Responses, `store` left at its default) sends the earlier turns' assistant
 * messages and reasoning items back as `item_reference`s to the ids the answers gave them. A translated model's
 * answers are kept for a while, so those references reach the model as the items themselves.
 */
describe('item references to the answers of translated models', () => {
  let rig: TranslatedRig;
  let client: OpenAI;

  beforeAll(async () => {
    rig = await startTranslatedRig('ir', { keys: [key(OTHER_KEY, { id: 'k-ir-other', teamId: 't1' })] });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${rig.t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await rig?.close();
  });

  const lastClaudeMessages = () => (rig.anthropic.requests.at(-1)!.body as { messages: Array<{ role: string; content: Body[] | string }> }).messages;

  it('sends the referenced assistant message of an earlier answer to the model, whole or streamed', async () => {
    const first = await client.responses.create({ model: 'ir-anthropic', input: `Hello, my name is Ada. ${directive({ text: 'Nice to meet you, Ada.' })}` });
    const streamed = await client.responses.stream({ model: 'ir-gemini', input: `Where do I live? ${directive({ text: 'In London.' })}` }).finalResponse();
    for (const [answer, said] of [[first, 'Nice to meet you, Ada.'], [streamed, 'In London.']] as const) {
      const message = answer.output.find((item) => item.type === 'message')!;
      const second = await client.responses.create({
        model: 'ir-anthropic',
        input: [
          { role: 'user', content: 'Hello.' },
          { type: 'item_reference', id: message.id! },
          { role: 'user', content: `What did you say? ${directive({ text: 'That.' })}` },
        ],
      });
      expect(second.status).toBe('completed');
      const messages = lastClaudeMessages();
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(JSON.stringify(messages[1]!.content)).toContain(said);
    }
  });

  it("takes the bare {id} form, and references to a tool loop's calls", async () => {
    const tools = [{ type: 'function' as const, name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const first = await client.responses.create({ model: 'ir-compat', tools, input: `Weather in Paris? ${directive({ toolCalls: [{ name: 'weather', arguments: JSON.stringify({ city: 'Paris' }) }] })}` });
    const call = first.output.find((item) => item.type === 'function_call')!;
    expect(call).toBeDefined();
    const res = await postResponses(rig.t.baseUrl, KEYS.full, {
      model: 'ir-anthropic',
      tools,
      input: [{ role: 'user', content: 'Weather in Paris?' }, { id: call.id }, { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
    });
    expect(res.status).toBe(200);
    const messages = lastClaudeMessages();
    expect(messages[1]).toMatchObject({ role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: 'weather', input: { city: 'Paris' } }] });
    expect(messages[2]).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id }] });
  });

  it("refuses a reference to another key's answer, or to one asked with store: false, as unknown, saying what to do", async () => {
    const mine = await client.responses.create({ model: 'ir-anthropic', input: `hi ${directive({ text: 'Hello!' })}` });
    const unstored = await client.responses.create({ model: 'ir-anthropic', store: false, input: `hi ${directive({ text: 'Hello!' })}` });
    const cases = [
      [OTHER_KEY, mine.output[0]!.id],
      [KEYS.full, unstored.output[0]!.id],
      [KEYS.full, 'msg_never_made'],
    ] as const;
    for (const [key, id] of cases) {
      const res = await postResponses(rig.t.baseUrl, key, { model: 'ir-anthropic', input: [{ role: 'user', content: 'hi' }, { type: 'item_reference', id }] });
      expect(res.status, id).toBe(400);
      const { error } = (await res.json()) as { error: { param: string; message: string } };
      expect(error.param).toBe('input[1]');
      expect(error.message).toMatch(new RegExp(`item '${id}' is not known.*store = false`));
    }
  });
});

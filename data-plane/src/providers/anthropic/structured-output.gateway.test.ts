import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive } from '../../../../test/stand-ins/script.js';
import { startAnthropicStandIn, STAND_IN_API_KEY, type AnthropicStandIn } from '../../../../test/stand-ins/anthropic/server.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';

/**
 * An OpenAI client's strict `json_schema` response format reaches Claude 4.5 and later as Anthropic's structured
 * outputs (`output_config.format`), so the answer is decoded to the schema instead of asked for in the prompt; older
 * Claude models, and every request Anthropic would refuse it with, keep the prompt instruction. Driven with the
 * official `openai` client against the Anthropic stand-in, which refuses `output_config.format` as Anthropic does (an
 * older model, an open object, a `minimum`), so a schema sent unmade to Anthropic's rules fails the request.
 */

let t: TestDataPlane;
let anthropic: AnthropicStandIn;
let openai: OpenAI;

beforeAll(async () => {
  process.env.TG_STRUCTURED_ANTHROPIC_KEY = STAND_IN_API_KEY;
  anthropic = await startAnthropicStandIn();
  const snapshot = fixtureSnapshot();
  const claude = (id: string, providerModel: string) =>
    model({ id, name: providerModel, provider: 'anthropic', providerModel, apiBase: anthropic.url, apiKeyRef: 'env:TG_STRUCTURED_ANTHROPIC_KEY' });
  snapshot.models.push(claude('so-1', 'claude-sonnet-4-5'), claude('so-2', 'claude-3-5-haiku-20241022'), claude('so-3', 'claude-sonnet-4-6'));
  t = await startTestDataPlane({ snapshot });
  openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await t?.close();
  await anthropic?.close();
});

/** A strict schema as OpenAI takes it: every object closed, every property required, bounds and formats included. */
const schema = {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'The city.' },
    population: { type: 'integer', minimum: 0 },
    founded: { type: 'string', format: 'date' },
    mayor: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
  },
  required: ['city', 'population', 'founded', 'mayor'],
  additionalProperties: false,
};
/** The same schema made to Anthropic's rules: the bound Anthropic refuses moved into the description. */
const anthropicSchema = {
  ...schema,
  properties: { ...schema.properties, population: { type: 'integer', description: 'JSON Schema constraints: {"minimum":0}' } },
};
const answer = { city: 'Paris', population: 2_100_000, founded: '0250-01-01', mayor: { name: 'Anne' } };
const system = { role: 'system' as const, content: 'Be exact.' };
const ask = { role: 'user' as const, content: `Tell me about Paris. ${directive({ text: JSON.stringify(answer) })}` };
const strict = { type: 'json_schema' as const, json_schema: { name: 'city', schema, strict: true } };

const sent = () => anthropic.inferenceRequests().at(-1)!.body as Record<string, any>;
const systemText = () => ((sent().system ?? []) as { text: string }[]).map((b) => b.text).join('\n');

async function streamedContent(params: Omit<OpenAI.ChatCompletionCreateParamsStreaming, 'stream'>): Promise<string> {
  const stream = await openai.chat.completions.create({ ...params, stream: true });
  let content = '';
  for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
  return content;
}

describe('strict json_schema on Claude through chat completions', () => {
  it("should send Claude 4.5 the schema as output_config.format, made to Anthropic's rules, and no instruction", async () => {
    const completion = await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [system, ask], response_format: strict });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual(answer);
    expect(sent().output_config).toEqual({ format: { type: 'json_schema', schema: anthropicSchema } });
    expect(sent().system).toEqual([{ type: 'text', text: 'Be exact.' }]);

    expect(JSON.parse(await streamedContent({ model: 'claude-sonnet-4-5', messages: [system, ask], response_format: strict }))).toEqual(answer);
    expect(sent()).toMatchObject({ stream: true, output_config: { format: { type: 'json_schema', schema: anthropicSchema } }, system: [{ type: 'text', text: 'Be exact.' }] });
  });

  it('should send one output_config with both the effort and the format when the client also asks for reasoning', async () => {
    const completion = await openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [ask], response_format: strict, reasoning_effort: 'low' });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual(answer);
    expect(sent()).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low', format: { type: 'json_schema', schema: anthropicSchema } } });
    expect(sent()).not.toHaveProperty('system');

    expect(JSON.parse(await streamedContent({ model: 'claude-sonnet-4-6', messages: [ask], response_format: strict, reasoning_effort: 'low' }))).toEqual(answer);
    expect(sent().output_config).toEqual({ effort: 'low', format: { type: 'json_schema', schema: anthropicSchema } });
  });

  it('should ask a Claude older than 4.5 in the system prompt, which Anthropic would refuse output_config.format for', async () => {
    const completion = await openai.chat.completions.create({ model: 'claude-3-5-haiku-20241022', messages: [system, ask], response_format: strict });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual(answer);
    expect(sent()).not.toHaveProperty('output_config');
    expect(systemText()).toMatch(/^Be exact\.\nRespond with a single JSON value that conforms to the JSON Schema "city"/);

    expect(JSON.parse(await streamedContent({ model: 'claude-3-5-haiku-20241022', messages: [ask], response_format: strict }))).toEqual(answer);
    expect(sent()).not.toHaveProperty('output_config');
    expect(systemText()).toContain(JSON.stringify(schema));
  });

  // A loose schema may hold what Anthropic refuses (an open object, here), which OpenAI takes without strict.
  it('should ask in the system prompt for a schema that is not strict, and for a JSON object', async () => {
    const loose = { type: 'object', properties: { city: { type: 'string' } } };
    await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [ask], response_format: { type: 'json_schema', json_schema: { name: 'city', schema: loose } } });
    expect(sent()).not.toHaveProperty('output_config');
    expect(systemText()).toContain(JSON.stringify(loose));

    await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [ask], response_format: { type: 'json_object' } });
    expect(sent()).not.toHaveProperty('output_config');
    expect(systemText()).toMatch(/JSON object/);
  });

  it('should ask in the system prompt when the schema is recursive, which Anthropic does not decode', async () => {
    const tree = { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['name', 'children'], additionalProperties: false };
    await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [ask], response_format: { type: 'json_schema', json_schema: { name: 'tree', schema: tree, strict: true } } });
    expect(sent()).not.toHaveProperty('output_config');
    expect(systemText()).toContain(JSON.stringify(tree));
  });

  // Anthropic takes structured outputs with no prefill: the answer could not both continue it and be the JSON.
  it('should ask in the system prompt when the conversation ends with an assistant prefill', async () => {
    await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [ask, { role: 'assistant', content: '{"city":' }], response_format: strict });
    expect(sent()).not.toHaveProperty('output_config');
    expect(systemText()).toContain('"city"');
  });
});

describe('strict json_schema on Claude through responses', () => {
  it('should send text.format as output_config.format and give the JSON back as output_text', async () => {
    const response = await openai.responses.create({
      model: 'claude-sonnet-4-5',
      input: ask.content,
      text: { format: { type: 'json_schema', name: 'city', schema, strict: true } },
    });
    expect(JSON.parse(response.output_text)).toEqual(answer);
    expect(sent().output_config).toEqual({ format: { type: 'json_schema', schema: anthropicSchema } });
    expect(sent()).not.toHaveProperty('system');
  });
});

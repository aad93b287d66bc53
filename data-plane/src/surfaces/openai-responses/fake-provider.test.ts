import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../canonical/events.js';
import type { CanonicalRequest } from '../../canonical/request.js';
import { defineProvider } from '../../providers/define-provider.js';
import { ProviderRegistry } from '../../providers/registry.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { KEYS } from '../../test-support/fixtures.js';
import { waitFor } from '../../test-support/wait.js';
import { parseEvents, postResponses, type SseEvent } from '../../test-support/sse-events.js';

const USAGE = { inputTokens: 120, outputTokens: 45, cacheReadTokens: 100, reasoningTokens: 30 };

/**
 * What the fake provider answers, chosen by the last user text: a whole agent turn (reasoning, text, two function
 * calls with argument deltas, usage with cached and reasoning tokens), a truncated answer, or failures.
 */
const SCRIPTS: Record<string, StreamEvent[]> = {
  turn: [
    { type: 'response-metadata', id: 'up-1', model: 'fake-1' },
    { type: 'reasoning-delta', text: 'Two cities, ' },
    { type: 'reasoning-delta', text: 'two calls.' },
    { type: 'reasoning-signature', signature: 'c2lnbmF0dXJl' },
    { type: 'text-delta', text: 'Checking ' },
    { type: 'text-delta', text: 'both.' },
    { type: 'tool-call-start', index: 0, id: 'call_paris', name: 'weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
    { type: 'tool-call-end', index: 0 },
    { type: 'tool-call-start', index: 1, id: 'call_rome', name: 'weather' },
    { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":"Ro' },
    { type: 'tool-call-delta', index: 1, argumentsDelta: 'me"}' },
    { type: 'tool-call-end', index: 1 },
    { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: USAGE },
  ],
  truncated: [
    { type: 'text-delta', text: 'Once upon' },
    { type: 'finish', finishReason: { unified: 'length', raw: 'length' }, usage: { inputTokens: 5, outputTokens: 2 } },
  ],
  // A call cut by the output limit: adapters close the call (Anthropic's content_block_stop) before the finish.
  'cut call': [
    { type: 'tool-call-start', index: 0, id: 'call_cut', name: 'weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Pa' },
    { type: 'tool-call-end', index: 0 },
    { type: 'finish', finishReason: { unified: 'length', raw: 'max_tokens' }, usage: { inputTokens: 5, outputTokens: 16 } },
  ],
  'cut custom call': [
    { type: 'tool-call-start', index: 0, id: 'call_patch', name: 'apply_patch' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"input":"*** Begin' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: ' Patch\\n*** Ad' },
    { type: 'tool-call-end', index: 0 },
    { type: 'finish', finishReason: { unified: 'length', raw: 'max_tokens' }, usage: { inputTokens: 5, outputTokens: 16 } },
  ],
  'fail late': [
    { type: 'text-delta', text: 'Hello' },
    { type: 'text-delta', text: ' there' },
    { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: 'upstream broke mid-way' } },
  ],
  'fail early': [
    { type: 'error', error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'slow down', retryAfterSeconds: 7 } },
  ],
};

/** Registered as the `mock` kind, so the fixture models route to it; keeps every request it receives. */
function fakeProvider(received: CanonicalRequest[]) {
  return defineProvider<CanonicalRequest>({
    kind: 'mock',
    translateRequest: (request) => {
      received.push(request);
      return request;
    },
    call: async function* (request) {
      const last = request.messages.filter((m) => m.role === 'user').at(-1)?.content[0];
      const script = SCRIPTS[last?.type === 'text' ? last.text : ''] ?? SCRIPTS.turn!;
      for (const event of script) yield event;
    },
  });
}

const tools = [
  {
    type: 'function' as const,
    name: 'weather',
    description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    strict: true,
  },
];

describe('POST /v1/responses with a provider that reasons, talks and calls tools', () => {
  let t: TestDataPlane;
  let client: OpenAI;
  const received: CanonicalRequest[] = [];

  beforeAll(async () => {
    t = await startTestDataPlane({ providers: new ProviderRegistry([fakeProvider(received)]) });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    received.length = 0;
  });

  describe('a whole turn, streamed', () => {
    let events: SseEvent[];
    let hex: string;

    beforeAll(async () => {
      const res = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'turn', tools, reasoning: { summary: 'auto' }, stream: true });
      expect(res.status).toBe(200);
      hex = res.headers.get('x-request-id')!.replaceAll('-', '');
      events = parseEvents(await res.text());
    });

    it('sends reasoning, message and both function calls as items in the exact event order, numbered from 0', () => {
      expect(events.map((e) => [e.data.sequence_number, e.event, e.data.output_index ?? null])).toEqual([
        [0, 'response.created', null],
        [1, 'response.in_progress', null],
        [2, 'response.output_item.added', 0],
        [3, 'response.reasoning_summary_part.added', 0],
        [4, 'response.reasoning_summary_text.delta', 0],
        [5, 'response.reasoning_summary_text.delta', 0],
        [6, 'response.reasoning_summary_text.done', 0],
        [7, 'response.reasoning_summary_part.done', 0],
        [8, 'response.output_item.done', 0],
        [9, 'response.output_item.added', 1],
        [10, 'response.content_part.added', 1],
        [11, 'response.output_text.delta', 1],
        [12, 'response.output_text.delta', 1],
        [13, 'response.output_text.done', 1],
        [14, 'response.content_part.done', 1],
        [15, 'response.output_item.done', 1],
        [16, 'response.output_item.added', 2],
        [17, 'response.function_call_arguments.delta', 2],
        [18, 'response.function_call_arguments.delta', 2],
        [19, 'response.function_call_arguments.done', 2],
        [20, 'response.output_item.done', 2],
        [21, 'response.output_item.added', 3],
        [22, 'response.function_call_arguments.delta', 3],
        [23, 'response.function_call_arguments.delta', 3],
        [24, 'response.function_call_arguments.done', 3],
        [25, 'response.output_item.done', 3],
        [26, 'response.completed', null],
      ]);
    });

    it('carries item ids, summary and content indexes, and the deltas on every event', () => {
      const data = events.map((e) => e.data);
      const [rs, msg, fc1, fc2] = [`rs_${hex}_0`, `msg_${hex}_1`, `fc_${hex}_2`, `fc_${hex}_3`];
      expect(data[2]).toEqual({ type: 'response.output_item.added', sequence_number: 2, output_index: 0, item: { id: rs, type: 'reasoning', summary: [] } });
      expect(data[3]).toEqual({
        type: 'response.reasoning_summary_part.added', sequence_number: 3, item_id: rs, output_index: 0, summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
      expect(data[4]).toEqual({ type: 'response.reasoning_summary_text.delta', sequence_number: 4, item_id: rs, output_index: 0, summary_index: 0, delta: 'Two cities, ' });
      expect(data[6]).toMatchObject({ item_id: rs, summary_index: 0, text: 'Two cities, two calls.' });
      expect(data[7]).toMatchObject({ item_id: rs, summary_index: 0, part: { type: 'summary_text', text: 'Two cities, two calls.' } });
      expect(data[8]!.item).toEqual({ id: rs, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Two cities, two calls.' }], encrypted_content: 'tollgate:mock:c2lnbmF0dXJl' });

      expect(data[11]).toEqual({
        type: 'response.output_text.delta', sequence_number: 11, item_id: msg, output_index: 1, content_index: 0, delta: 'Checking ', logprobs: [],
      });
      expect(data[13]).toMatchObject({ item_id: msg, content_index: 0, text: 'Checking both.' });

      expect(data[16]).toEqual({
        type: 'response.output_item.added', sequence_number: 16, output_index: 2,
        item: { id: fc1, type: 'function_call', status: 'in_progress', arguments: '', call_id: 'call_paris', name: 'weather' },
      });
      expect(data[17]).toEqual({ type: 'response.function_call_arguments.delta', sequence_number: 17, item_id: fc1, output_index: 2, delta: '{"city":' });
      expect(data[19]).toEqual({ type: 'response.function_call_arguments.done', sequence_number: 19, item_id: fc1, output_index: 2, name: 'weather', arguments: '{"city":"Paris"}' });
      expect(data[20]!.item).toEqual({ id: fc1, type: 'function_call', status: 'completed', arguments: '{"city":"Paris"}', call_id: 'call_paris', name: 'weather' });
      expect(data[24]).toMatchObject({ item_id: fc2, output_index: 3, arguments: '{"city":"Rome"}' });
    });

    it('ends with response.completed holding every item and the usage with cached and reasoning tokens', () => {
      const response = events.at(-1)!.data.response as Record<string, unknown>;
      expect(response).toMatchObject({
        id: `resp_${hex}`,
        status: 'completed',
        tools: [{ type: 'function', name: 'weather', description: 'Current weather', parameters: tools[0]!.parameters, strict: true }],
        usage: {
          input_tokens: 120,
          input_tokens_details: { cached_tokens: 100 },
          output_tokens: 45,
          output_tokens_details: { reasoning_tokens: 30 },
          total_tokens: 165,
        },
      });
      const output = response.output as Array<Record<string, unknown>>;
      expect(output.map((o) => [o.type, o.id])).toEqual([
        ['reasoning', `rs_${hex}_0`],
        ['message', `msg_${hex}_1`],
        ['function_call', `fc_${hex}_2`],
        ['function_call', `fc_${hex}_3`],
      ]);
      // Each item as its output_item.done event said.
      expect(output).toEqual(events.filter((e) => e.event === 'response.output_item.done').map((e) => e.data.item));
    });
  });

  it('answers the same turn non-streamed with the same items', async () => {
    const response = await client.responses.create({ model: 'mock-gpt', input: 'turn', tools, reasoning: { summary: 'auto' } });
    const hex = response.id.slice('resp_'.length);
    expect(response.output).toEqual([
      { id: `rs_${hex}_0`, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Two cities, two calls.' }], encrypted_content: 'tollgate:mock:c2lnbmF0dXJl' },
      {
        id: `msg_${hex}_1`, type: 'message', status: 'completed', role: 'assistant',
        content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Checking both.' }],
      },
      { id: `fc_${hex}_2`, type: 'function_call', status: 'completed', arguments: '{"city":"Paris"}', call_id: 'call_paris', name: 'weather' },
      { id: `fc_${hex}_3`, type: 'function_call', status: 'completed', arguments: '{"city":"Rome"}', call_id: 'call_rome', name: 'weather' },
    ]);
    expect(response.output_text).toBe('Checking both.');
    expect(response.usage).toEqual({
      input_tokens: 120, input_tokens_details: { cached_tokens: 100 }, output_tokens: 45, output_tokens_details: { reasoning_tokens: 30 }, total_tokens: 165,
    });
  });

  it('assembles the turn with client.responses.stream() and finalResponse()', async () => {
    const stream = client.responses.stream({ model: 'mock-gpt', input: 'turn', tools, reasoning: { summary: 'auto' } });
    const argumentDeltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (e) => argumentDeltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Checking both.');
    const calls = final.output.flatMap((o) => (o.type === 'function_call' ? [o] : []));
    expect(calls.map((c) => [c.call_id, c.name, JSON.parse(c.arguments)])).toEqual([
      ['call_paris', 'weather', { city: 'Paris' }],
      ['call_rome', 'weather', { city: 'Rome' }],
    ]);
    expect(argumentDeltas).toEqual(['{"city":', '"Paris"}', '{"city":"Ro', 'me"}']);
    const reasoning = final.output[0];
    expect(reasoning?.type === 'reasoning' && reasoning.summary[0]?.text).toBe('Two cities, two calls.');
    expect(final.usage?.input_tokens_details.cached_tokens).toBe(100);
    expect(final.usage?.output_tokens_details.reasoning_tokens).toBe(30);
  });

  // OpenAI shows a reasoning summary only when `reasoning.summary` asks for one: its items are `summary: []` else.
  describe('reasoning without reasoning.summary', () => {
    it('streams the reasoning item with no summary events and no summary, its reasoning carried in encrypted_content', async () => {
      const res = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'turn', tools, reasoning: { effort: 'high' }, stream: true });
      const events = parseEvents(await res.text());
      expect(events.map((e) => e.event).slice(0, 5)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.output_item.done',
        'response.output_item.added',
      ]);
      expect(events.some((e) => e.event.startsWith('response.reasoning_summary'))).toBe(false);
      const item = events[3]!.data.item as { summary: unknown[]; encrypted_content: string };
      expect(item).toMatchObject({ type: 'reasoning', summary: [] });
      expect(JSON.stringify(item)).not.toContain('Two cities');
      const completed = events.at(-1)!.data.response as { output: Array<{ type: string }> };
      expect(completed.output[0]).toEqual(item);
    });

    it('answers non-streamed with summary: [] too, and the same request with summary "none" likewise', async () => {
      for (const reasoning of [undefined, { summary: 'none' }]) {
        const body = { model: 'mock-gpt', input: 'turn', tools, ...(reasoning && { reasoning }) };
        const response = (await (await postResponses(t.baseUrl, KEYS.full, body)).json()) as { output: Array<Record<string, unknown>> };
        expect(response.output[0], JSON.stringify(reasoning)).toMatchObject({ type: 'reasoning', summary: [], encrypted_content: expect.any(String) });
        expect(JSON.stringify(response.output[0])).not.toContain('Two cities');
      }
    });

    it('hands the reasoning back with its text and signature on the next turn, so multi-turn reasoning still works', async () => {
      const first = await client.responses.create({ model: 'mock-gpt', input: 'turn', tools });
      received.length = 0;
      await client.responses.create({ model: 'mock-gpt', tools, input: [{ role: 'user', content: 'turn' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'truncated' }] });
      expect(received[0]!.messages[1]!.content[0]).toEqual({ type: 'reasoning', text: 'Two cities, two calls.', signature: 'c2lnbmF0dXJl', origin: 'mock' });
    });
  });

  it('hands a multi-turn input with function calls and their outputs to the provider as canonical tool calls and results', async () => {
    // The first turn's output, sent back as input with the results: the stateless way to continue.
    const first = await client.responses.create({ model: 'mock-gpt', input: 'turn', tools, store: false });
    received.length = 0;
    await client.responses.create({
      model: 'mock-gpt',
      instructions: 'You are a weather bot.',
      tools,
      tool_choice: 'auto',
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'call_paris', output: '18C, sunny' },
        { type: 'function_call_output', call_id: 'call_rome', output: '21C, clouds' },
        { role: 'user', content: 'truncated' },
      ],
      max_output_tokens: 64,
      temperature: 0.3,
      include: ['reasoning.encrypted_content'],
    });
    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'You are a weather bot.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Two cities, two calls.', signature: 'c2lnbmF0dXJl', origin: 'mock' },
          { type: 'text', text: 'Checking both.' },
          { type: 'tool-call', id: 'call_paris', name: 'weather', arguments: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'call_rome', name: 'weather', arguments: '{"city":"Rome"}' },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'call_paris', name: 'weather', content: [{ type: 'text', text: '18C, sunny' }] },
          { type: 'tool-result', toolCallId: 'call_rome', name: 'weather', content: [{ type: 'text', text: '21C, clouds' }] },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'truncated' }] },
    ]);
    expect(request).toMatchObject({
      stream: false,
      tools: [{ name: 'weather', description: 'Current weather', parameters: tools[0]!.parameters, strict: true }],
      toolChoice: { type: 'auto' },
      maxOutputTokens: 64,
      temperature: 0.3,
      passthrough: { protocol: 'openai-responses', fields: { include: ['reasoning.encrypted_content'] } },
    });
  });

  it('reports a length stop as response.incomplete with an incomplete last item', async () => {
    const res = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'truncated', stream: true });
    const events = parseEvents(await res.text());
    const last = events.at(-1)!;
    expect(last.event).toBe('response.incomplete');
    expect(last.data.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(events.at(-2)!.data.item).toMatchObject({ type: 'message', status: 'incomplete' });

    const plain = await client.responses.create({ model: 'mock-gpt', input: 'truncated' });
    expect(plain).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output_text: 'Once upon' });
    const final = await client.responses.stream({ model: 'mock-gpt', input: 'truncated' }).finalResponse();
    expect(final.status).toBe('incomplete');
  });

  it('marks a function call cut by max_output_tokens incomplete, streamed as in the plain answer', async () => {
    const body = { model: 'mock-gpt', input: 'cut call', max_output_tokens: 16, tools };
    const plain = (await (await postResponses(t.baseUrl, KEYS.full, body)).json()) as { status: string; output: { status: string }[] };
    expect(plain.status).toBe('incomplete');
    expect(plain.output[0]!.status).toBe('incomplete');

    const events = parseEvents(await (await postResponses(t.baseUrl, KEYS.full, { ...body, stream: true })).text());
    expect(events.map((e) => e.event).slice(-4)).toEqual([
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    expect(events.at(-2)!.data.item).toMatchObject({ type: 'function_call', status: 'incomplete', arguments: '{"city":"Pa' });
    expect(events.at(-1)!.data.response).toMatchObject({ status: 'incomplete', output: [{ type: 'function_call', status: 'incomplete' }] });

    // A call the model finished is still completed, whatever follows it.
    const turn = parseEvents(await (await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'turn', tools, stream: true })).text());
    const calls = turn.filter((e) => e.event === 'response.output_item.done' && (e.data.item as { type: string }).type === 'function_call');
    expect(calls.map((e) => (e.data.item as { status: string }).status)).toEqual(['completed', 'completed']);
  });

  it('marks a custom tool call cut by max_output_tokens incomplete, with the input written so far', async () => {
    const custom = [{ type: 'custom', name: 'apply_patch', description: 'Edit files with a patch.' }];
    const body = { model: 'mock-gpt', input: 'cut custom call', max_output_tokens: 16, tools: custom };
    const plain = (await (await postResponses(t.baseUrl, KEYS.full, body)).json()) as { status: string; output: unknown[] };
    expect(plain.status).toBe('incomplete');
    expect(plain.output).toEqual([{ id: expect.stringMatching(/^ctc_/), type: 'custom_tool_call', status: 'incomplete', call_id: 'call_patch', name: 'apply_patch', input: '*** Begin Patch\n*** Ad' }]);

    const events = parseEvents(await (await postResponses(t.baseUrl, KEYS.full, { ...body, stream: true })).text());
    expect(events.map((e) => e.event).slice(-6)).toEqual([
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    expect(events.filter((e) => e.event === 'response.custom_tool_call_input.delta').map((e) => e.data.delta)).toEqual(['*** Begin', ' Patch\n*** Ad']);
    expect(events.at(-2)!.data.item).toMatchObject({ type: 'custom_tool_call', status: 'incomplete', input: '*** Begin Patch\n*** Ad' });
  });

  describe('provider failures', () => {
    it('turns a failure after output into response.failed and an error event, which the SDK raises', async () => {
      const res = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'fail late', stream: true });
      expect(res.status).toBe(200);
      const events = parseEvents(await res.text());
      expect(events.map((e) => e.event)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.failed',
        'error',
      ]);
      expect(events.map((e) => e.data.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(events[6]!.data.response).toMatchObject({
        status: 'failed',
        error: { code: 'upstream_error', message: 'upstream broke mid-way' },
        output: [{ type: 'message', status: 'incomplete', content: [{ text: 'Hello there' }] }],
        usage: null,
      });
      expect(events[7]!.data).toEqual({
        type: 'error',
        sequence_number: 7,
        code: 'upstream_error',
        message: 'upstream broke mid-way',
        param: null,
        error: { type: 'api_error', code: 'upstream_error', message: 'upstream broke mid-way', param: null },
      });
      const usage = await waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');
      expect(usage).toMatchObject({ status: 'error', httpStatus: 200, errorType: 'upstream_error', completionTokens: 2 });

      const stream = await client.responses.create({ model: 'mock-gpt', input: 'fail late', stream: true });
      const seen: string[] = [];
      const err = await (async () => {
        for await (const event of stream) seen.push(event.type);
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).message).toBe('upstream broke mid-way');
      expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_error');
      expect(seen.at(-1)).toBe('response.failed');

      await expect(client.responses.stream({ model: 'mock-gpt', input: 'fail late' }).finalResponse()).rejects.toThrow('upstream broke mid-way');
    });

    it('answers a failure before any output with its HTTP status and retry-after, streamed or not', async () => {
      for (const stream of [false, true]) {
        const res = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'fail early', stream });
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe('7');
        expect(res.headers.get('content-type')).toBe('application/json');
        expect(await res.json()).toEqual({ error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
      }
      const err = await client.responses.create({ model: 'mock-gpt', input: 'fail early', stream: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const limited = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect(limited.status).toBe(429);
      expect(limited.code).toBe('rate_limit_exceeded');
      expect(limited.headers?.get('retry-after')).toBe('7');
    });
  });
});

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_REPLY_PREFIX } from '../../providers/mock/reply.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { KEYS } from '../../test-support/fixtures.js';
import { waitFor } from '../../test-support/wait.js';
import { parseEvents, postResponses } from '../../test-support/sse-events.js';

const REPLY = `${MOCK_REPLY_PREFIX}hello gateway`;
const WORDS = REPLY.split(' ');
// The mock's prompt estimate: ceil(8/4)+3 for the instructions + ceil(13/4)+3 for the input.
const INPUT_TOKENS = 5 + 7;

describe('POST /v1/responses on the real uWS server (mock provider)', () => {
  let t: TestDataPlane;
  let client: OpenAI;

  beforeAll(async () => {
    t = await startTestDataPlane();
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(() => t.close());

  describe('non-streamed', () => {
    it('answers with an exact Response object whose ids derive from the request id', async () => {
      const res = await postResponses(t.baseUrl, KEYS.full, {
        model: 'mock-gpt',
        instructions: 'be brief',
        input: 'hello gateway',
        metadata: { ticket: 'T-1' },
        store: true,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const hex = res.headers.get('x-request-id')!.replaceAll('-', '');
      expect(await res.json()).toEqual({
        id: `resp_${hex}`,
        object: 'response',
        created_at: expect.any(Number),
        status: 'completed',
        background: false,
        completed_at: expect.any(Number),
        error: null,
        incomplete_details: null,
        instructions: 'be brief',
        max_output_tokens: null,
        model: 'mock-gpt',
        output: [
          {
            id: `msg_${hex}_0`,
            type: 'message',
            status: 'completed',
            content: [{ type: 'output_text', annotations: [], logprobs: [], text: REPLY }],
            role: 'assistant',
          },
        ],
        parallel_tool_calls: true,
        previous_response_id: null,
        reasoning: { effort: null, summary: null },
        store: false,
        temperature: null,
        text: { format: { type: 'text' } },
        tool_choice: 'auto',
        tools: [],
        top_p: null,
        truncation: 'disabled',
        usage: {
          input_tokens: INPUT_TOKENS,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: WORDS.length,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: INPUT_TOKENS + WORDS.length,
        },
        user: null,
        metadata: { ticket: 'T-1' },
      });
    });

    it('works through the official SDK, output_text included, with and without the /v1 prefix', async () => {
      const response = await client.responses.create({ model: 'mock-gpt', input: [{ role: 'user', content: 'sdk' }] });
      expect(response.output_text).toBe(`${MOCK_REPLY_PREFIX}sdk`);
      expect(response.status).toBe('completed');
      const bare = new OpenAI({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
      const again = await bare.responses.create({ model: 'mock-gpt', input: 'sdk' });
      expect(again.output_text).toBe(response.output_text);
    });

    it('ships one usage event for the request, on the responses route', async () => {
      const res = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'hello gateway', instructions: 'be brief', user: 'end-user-3' });
      await res.text();
      const event = await waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');
      expect(event).toMatchObject({
        route: '/v1/responses',
        model: 'mock-gpt',
        stream: false,
        status: 'success',
        httpStatus: 200,
        promptTokens: INPUT_TOKENS,
        completionTokens: WORDS.length,
        endUser: 'end-user-3',
      });
    });
  });

  describe('streamed', () => {
    it('sends the exact event sequence, numbered from 0, and ends with the same Response as a plain call', async () => {
      const body = { model: 'mock-gpt', instructions: 'be brief', input: 'hello gateway' };
      const res = await postResponses(t.baseUrl, KEYS.full, { ...body, stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const hex = res.headers.get('x-request-id')!.replaceAll('-', '');
      const events = parseEvents(await res.text());

      expect(events.map((e) => e.event)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...WORDS.map(() => 'response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));

      const [created, inProgress, added, partAdded] = events.map((e) => e.data);
      expect(created!.response).toMatchObject({ id: `resp_${hex}`, object: 'response', status: 'in_progress', output: [], usage: null, model: 'mock-gpt' });
      expect(inProgress!.response).toEqual(created!.response);
      const msgId = `msg_${hex}_0`;
      expect(added).toEqual({
        type: 'response.output_item.added',
        sequence_number: 2,
        output_index: 0,
        item: { id: msgId, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
      });
      expect(partAdded).toEqual({
        type: 'response.content_part.added',
        sequence_number: 3,
        item_id: msgId,
        output_index: 0,
        content_index: 0,
        part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
      });
      const deltas = events.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data);
      expect(deltas.every((d) => d.item_id === msgId && d.output_index === 0 && d.content_index === 0)).toBe(true);
      expect(deltas.map((d) => d.delta).join('')).toBe(REPLY);
      const done = events.slice(-4).map((e) => e.data);
      expect(done[0]).toMatchObject({ item_id: msgId, output_index: 0, content_index: 0, text: REPLY });
      expect(done[1]).toMatchObject({ item_id: msgId, output_index: 0, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: REPLY } });
      expect(done[2]).toMatchObject({ output_index: 0, item: { id: msgId, type: 'message', status: 'completed', content: [{ type: 'output_text', text: REPLY }] } });

      // The final Response is what a non-streamed call answers (but for ids and times).
      const plain = (await (await postResponses(t.baseUrl, KEYS.full, body)).json()) as Record<string, unknown>;
      const final = done[3]!.response as Record<string, unknown>;
      const normalise = (r: Record<string, unknown>) => JSON.parse(JSON.stringify(r).replace(/(resp|msg)_[0-9a-f]{32}/g, '$1_X').replace(/"(created|completed)_at":\d+/g, '"$1_at":0')) as unknown;
      expect(normalise(final)).toEqual(normalise(plain));
    });

    it('streams through the SDK (stream: true) with typed events', async () => {
      const stream = await client.responses.create({ model: 'mock-gpt', input: 'stream me', stream: true });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      expect(events[0]!.type).toBe('response.created');
      const last = events.at(-1)!;
      expect(last.type).toBe('response.completed');
      const text = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
      expect(text).toBe(`${MOCK_REPLY_PREFIX}stream me`);
      if (last.type === 'response.completed') expect(last.response.usage?.output_tokens).toBe(text.split(' ').length);
    });

    it('assembles the final Response with client.responses.stream(), with and without the /v1 prefix', async () => {
      for (const baseURL of [`${t.baseUrl}/v1`, t.baseUrl]) {
        const sdk = new OpenAI({ apiKey: KEYS.full, baseURL, maxRetries: 0 });
        const deltas: string[] = [];
        const stream = sdk.responses.stream({ model: 'mock-gpt', input: 'helper' });
        stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
        const final = await stream.finalResponse();
        expect(final.output_text).toBe(`${MOCK_REPLY_PREFIX}helper`);
        expect(deltas.join('')).toBe(final.output_text);
        expect(final.status).toBe('completed');
        expect(final.output).toHaveLength(1);
      }
    });
  });

  describe('refusals', () => {
    it('answers previous_response_id for a translated model with a 400 saying where stored responses work', async () => {
      const err = await client.responses.create({ model: 'mock-gpt', input: 'x', previous_response_id: 'resp_123' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
      expect(bad.status).toBe(400);
      expect(bad.param).toBe('previous_response_id');
      expect(bad.message).toMatch(/keeps no stored responses.*where stored responses work/);
    });

    it('answers a built-in tool with a 400 naming it, streamed or not', async () => {
      for (const stream of [false, true]) {
        const res = await postResponses(t.baseUrl, KEYS.full, { model: 'mock-gpt', input: 'x', stream, tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          error: {
            message: "Invalid value for 'tools[0].type': built-in tool 'code_interpreter' is not supported for this model: Tollgate translates function and custom tools only.",
            type: 'invalid_request_error',
            param: 'tools[0].type',
            code: 'invalid_value',
          },
        });
      }
      const err = await client.responses.create({ model: 'mock-gpt', input: 'x', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    });

    it('answers an unknown model and a missing key as the chat routes do', async () => {
      expect((await postResponses(t.baseUrl, KEYS.full, { model: 'nope', input: 'x' })).status).toBe(404);
      const res = await fetch(`${t.baseUrl}/responses`, { method: 'POST', body: JSON.stringify({ model: 'mock-gpt', input: 'x' }) });
      expect(res.status).toBe(401);
    });
  });
});

import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argumentChunks, directive, wordChunks } from '../script.js';
import { STAND_IN_API_KEY, startOpenAiStandIn, type OpenAiStandIn } from './server.js';

// The Responses API of the OpenAI stand-in, judged by the official SDK: its stream accumulator
// (`responses.stream().finalResponse()`), `output_text`, error classes and its raising on in-stream error events.

const WEATHER = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const tools = [
  { type: 'function' as const, name: 'get_weather', parameters: WEATHER, strict: false },
  { type: 'function' as const, name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false },
];
const twoCalls = directive({
  toolCalls: [
    { name: 'get_weather', arguments: '{"city":"Paris"}' },
    { name: 'get_time', arguments: '{}' },
  ],
});

describe('OpenAI stand-in Responses API, judged by the openai SDK', () => {
  let standIn: OpenAiStandIn;
  let client: OpenAI;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn();
    client = new OpenAI({ baseURL: standIn.url, apiKey: STAND_IN_API_KEY, maxRetries: 0 });
  });
  afterAll(() => standIn.close());

  it('answers a plain response with an echo as one message item, with usage', async () => {
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'hello there', instructions: 'be brief' });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4o-mini-2024-07-18', instructions: 'be brief', error: null, incomplete_details: null, store: true });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toBe('Echo: hello there');
    expect(response.output).toEqual([
      { id: expect.stringMatching(/^msg_/), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Echo: hello there' }] },
    ]);
    // ceil((8 + 11) / 4) input tokens; one output token per word.
    expect(response.usage).toEqual({ input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 8 });
    expect(standIn.requests.at(-1)).toMatchObject({ path: '/v1/responses', headers: { authorization: `Bearer ${STAND_IN_API_KEY}` } });
  });

  it("streams text that the SDK's stream helper assembles into the same response, numbering events from 0", async () => {
    const input = `Tell me. ${directive({ text: 'Several words of text.', usage: { inputTokens: 40, outputTokens: 12, cacheReadTokens: 8 } })}`;
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input });
    const types: string[] = [];
    const sequence: number[] = [];
    stream.on('event', (e) => {
      types.push(e.type);
      sequence.push(e.sequence_number);
    });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Several words of text.');
    expect(final.usage).toMatchObject({ input_tokens: 40, output_tokens: 12, input_tokens_details: { cached_tokens: 8 }, total_tokens: 52 });
    expect(sequence).toEqual(types.map((_, i) => i));
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...wordChunks('Several words of text.').map(() => 'response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    // The stream ends with the same response a plain request gets (ids aside).
    const plain = await client.responses.create({ model: 'gpt-4o-mini', input });
    const comparable = (r: OpenAI.Responses.Response) => ({ ...r, id: '', created_at: 0, output_parsed: undefined, output: r.output.map((item) => ({ ...item, id: '', content: item.type === 'message' ? item.content.map((c) => ({ ...c, parsed: undefined })) : undefined })) });
    expect(comparable(final)).toEqual(comparable(plain));
  });

  it('streams parallel function calls, one item each, arguments in pieces, plain and streamed alike', async () => {
    const plain = await client.responses.create({ model: 'gpt-4o-mini', input: twoCalls, tools });
    const calls = (r: OpenAI.Responses.Response) => r.output.flatMap((item) => (item.type === 'function_call' ? [[item.call_id, item.name, JSON.parse(item.arguments)]] : []));
    expect(calls(plain)).toEqual([
      ['call_00standin', 'get_weather', { city: 'Paris' }],
      ['call_01standin', 'get_time', {}],
    ]);
    expect(plain.usage?.output_tokens).toBe(argumentChunks('{"city":"Paris"}').length + 1 + argumentChunks('{}').length + 1);

    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: twoCalls, tools, stream: true });
    for await (const event of stream) events.push(event);
    const deltas = events.flatMap((e) => (e.type === 'response.function_call_arguments.delta' ? [[e.output_index, e.delta]] : []));
    expect(deltas.filter(([index]) => index === 0).map(([, d]) => d).join('')).toBe('{"city":"Paris"}');
    const done = events.flatMap((e) => (e.type === 'response.function_call_arguments.done' ? [[e.name, e.arguments]] : []));
    expect(done).toEqual([['get_weather', '{"city":"Paris"}'], ['get_time', '{}']]);
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.type).toBe('response.completed');
    expect(calls(completed.response)).toEqual(calls(plain));
    expect(completed.response.tools).toEqual(tools.map((t) => expect.objectContaining({ type: 'function', name: t.name })));
  });

  it('streams reasoning as a summary and counts it in reasoning_tokens', async () => {
    const final = await client.responses.stream({ model: 'o4-mini', input: directive({ text: 'Answer.', reasoning: 'Let me think.' }) }).finalResponse();
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(final.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Let me think.' }] });
    expect(final.output_text).toBe('Answer.');
    expect(final.usage?.output_tokens_details.reasoning_tokens).toBe(3);
  });

  it('runs a web search when the built-in tool is offered, as a web_search_call item before the answer', async () => {
    const final = await client.responses.stream({ model: 'gpt-4o-mini', input: 'news?', tools: [{ type: 'web_search' }] }).finalResponse();
    expect(final.output.map((item) => [item.type, 'status' in item ? item.status : undefined])).toEqual([
      ['web_search_call', 'completed'],
      ['message', 'completed'],
    ]);
    expect(final.tools).toEqual([{ type: 'web_search' }]);
  });

  it('continues a stored response by previous_response_id, and refuses an unknown one as OpenAI does', async () => {
    const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'remember me' });
    const second = await client.responses.create({ model: 'gpt-4o-mini', input: 'and now?', previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
    const error = await client.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
    const unstored = await client.responses.create({ model: 'gpt-4o-mini', input: 'forget me', store: false });
    expect(unstored).toMatchObject({ store: false });
    expect(await client.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: unstored.id }).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('retrieves and deletes a stored response as OpenAI does, and answers 404 for one it does not hold', async () => {
    const created = await client.responses.create({ model: 'gpt-4o-mini', input: 'keep this' });
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved).toEqual(created);
    expect(retrieved.output_text).toBe('Echo: keep this');
    const streamed = await client.responses.stream({ model: 'gpt-4o-mini', input: 'and this' }).finalResponse();
    expect((await client.responses.retrieve(streamed.id)).output_text).toBe('Echo: and this');
    await client.responses.delete(created.id);
    const gone = await client.responses.retrieve(created.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect((gone as Error).message).toContain(`Response with id '${created.id}' not found.`);
    const unstored = await client.responses.create({ model: 'gpt-4o-mini', input: 'forget this', store: false });
    expect(await client.responses.retrieve(unstored.id).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('ends a truncated answer as an incomplete response (response.incomplete when streamed)', async () => {
    const input = directive({ text: 'cut short here', truncated: true });
    const plain = await client.responses.create({ model: 'gpt-4o-mini', input });
    expect(plain).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    const types: string[] = [];
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input });
    stream.on('event', (e) => types.push(e.type));
    expect((await stream.finalResponse()).status).toBe('incomplete');
    expect(types.at(-1)).toBe('response.incomplete');
  });

  it('answers a 429 fault that the SDK raises as RateLimitError with retry-after', async () => {
    const error = await client.responses.create({ model: 'gpt-4o-mini', input: directive({ fault: { kind: 'http', status: 429, retryAfter: '7' } }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as APIError).code).toBe('rate_limit_exceeded');
    expect((error as APIError).headers?.get('retry-after')).toBe('7');
  });

  it('sends a mid-stream error event that the SDK raises as APIError, after the deltas before it', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: directive({ text: 'one two three four', fault: { kind: 'midstream', afterChunks: 2, message: 'boom' } }) });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const error = await stream.finalResponse().catch((e: unknown) => e);
    expect(deltas.join('')).toBe('one two');
    expect(error).toBeInstanceOf(APIError);
    expect((error as Error).message).toContain('boom');
    const last = standIn.requests.at(-1)!;
    expect(last.path).toBe('/v1/responses');
  });

  it('drops the connection mid-stream, which the SDK raises as an error', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: directive({ text: 'one two three four', fault: { kind: 'drop', afterChunks: 2 } }), stream: true });
    const types: string[] = [];
    const error = await (async () => {
      for await (const event of stream) types.push(event.type);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(2);
    expect(types).not.toContain('response.completed');
  });
});

describe("Azure stand-in's v1 Responses API, judged by the openai SDK", () => {
  let standIn: OpenAiStandIn;
  let client: OpenAI;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ azure: true });
    // Azure's v1 API is OpenAI's at {resource}/openai/v1, authenticated by the api-key header.
    client = new OpenAI({ baseURL: `${standIn.url}/openai/v1`, apiKey: 'unused', defaultHeaders: { 'api-key': STAND_IN_API_KEY }, maxRetries: 0 });
  });
  afterAll(() => standIn.close());

  it('answers /openai/v1/responses for the deployment named in the body, plain and streamed, without an api-version', async () => {
    const plain = await client.responses.create({ model: 'my-gpt-deployment', input: 'hello there' });
    expect(plain.output_text).toBe('Echo: hello there');
    expect(standIn.requests.at(-1)).toMatchObject({ path: '/openai/v1/responses', query: {}, headers: { 'api-key': STAND_IN_API_KEY } });
    const streamed = await client.responses.stream({ model: 'my-gpt-deployment', input: 'hello there' }).finalResponse();
    expect(streamed.output_text).toBe('Echo: hello there');
  });

  it('refuses a wrong api-key with 401', async () => {
    const wrong = new OpenAI({ baseURL: `${standIn.url}/openai/v1`, apiKey: 'unused', defaultHeaders: { 'api-key': 'wrong' }, maxRetries: 0 });
    const err = await wrong.responses.create({ model: 'my-gpt-deployment', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(401);
  });
});

import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thoughtSignature } from '../gemini/thought-signatures.js';
import { pdfBase64 } from '../pdf.js';
import { directive } from '../script.js';
import { startAnthropicStandIn, type AnthropicStandIn } from './server.js';

/**
 * The stand-in is only useful if it is faithful: the official SDK, which knows Anthropic's wire format, must read
 * everything it sends (whole messages, every stream event, errors) exactly as it reads Anthropic's.
 */
describe('Anthropic stand-in, driven by the official @anthropic-ai/sdk', () => {
  let standIn: AnthropicStandIn;
  let client: Anthropic;

  beforeAll(async () => {
    standIn = await startAnthropicStandIn();
    client = new Anthropic({ apiKey: standIn.apiKey, baseURL: standIn.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await standIn.close();
  });

  it('should answer messages.create with a whole message that echoes the last user text', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.id).toMatch(/^msg_01/);
    expect(message.model).toBe('claude-sonnet-4-6');
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: Hello there' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.stop_sequence).toBeNull();
    // ceil(("Be brief." + "Hello there").length / 4)
    expect(message.usage.input_tokens).toBe(5);
    expect(message.usage.output_tokens).toBe(3);
    const recorded = standIn.requests.at(-1)!;
    expect(recorded.path).toBe('/v1/messages');
    // This SDK sends the API key as a bearer token; the gateway's adapter uses `x-api-key`. Both are accepted.
    expect(recorded.headers.authorization ?? recorded.headers['x-api-key']).toContain(standIn.apiKey);
    expect(recorded.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('should stream thinking, text and parallel tool calls that messages.stream assembles into the final message', async () => {
    const prompt = directive({
      reasoning: 'The user wants weather for two cities.',
      text: 'Let me check both.',
      toolCalls: [
        { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
        { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
      ],
      usage: { cacheReadTokens: 3, cacheWriteTokens: 2, cacheWrite1hTokens: 1, inputTokens: 20 },
    });
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [{ role: 'user', content: prompt }],
    });
    const eventTypes: string[] = [];
    const textDeltas: string[] = [];
    const thinkingDeltas: string[] = [];
    const jsonDeltas: string[] = [];
    stream.on('streamEvent', (event) => {
      eventTypes.push(event.type);
    });
    stream.on('text', (delta) => textDeltas.push(delta));
    stream.on('thinking', (delta) => thinkingDeltas.push(delta));
    stream.on('inputJson', (delta) => jsonDeltas.push(delta));
    const message = await stream.finalMessage();

    expect(eventTypes[0]).toBe('message_start');
    expect(eventTypes.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(thinkingDeltas.join('')).toBe('The user wants weather for two cities.');
    expect(textDeltas).toEqual(['Let', ' me', ' check', ' both.']);
    expect(jsonDeltas.join('')).toBe('{"city":"Paris","unit":"celsius"}{"city":"Tokyo"}');
    expect(message.content).toMatchObject([
      { type: 'thinking', thinking: 'The user wants weather for two cities.', signature: expect.stringMatching(/.+/) },
      { type: 'text', text: 'Let me check both.' },
      { type: 'tool_use', id: 'toolu_00standin', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      { type: 'tool_use', id: 'toolu_01standin', name: 'get_weather', input: { city: 'Tokyo' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({
      input_tokens: 15,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 2,
      cache_creation: { ephemeral_5m_input_tokens: 1, ephemeral_1h_input_tokens: 1 },
    });
    expect(message.usage.output_tokens).toBeGreaterThan(1);
  });

  it('should take back the thinking it signed, and refuse a signature it did not write with Anthropic\'s 400', async () => {
    const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const } }];
    const ask = directive({ reasoning: 'Weather needs the tool.', toolCalls: [{ name: 'get_weather', arguments: '{}' }] });
    const first = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, tools, messages: [{ role: 'user', content: ask }] });
    const replay = (content: Anthropic.ContentBlockParam[]) =>
      client.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tools,
        messages: [
          { role: 'user', content: ask },
          { role: 'assistant', content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_00standin', content: 'sunny' }, { type: 'text', text: 'Thanks.' }] },
        ],
      });
    expect((await replay(first.content)).content).toEqual([{ type: 'text', text: 'Echo: Thanks.' }]);

    const [thinking, call] = first.content as [Anthropic.ThinkingBlock, Anthropic.ToolUseBlock];
    // An empty signature, Gemini's, and its own on thinking that was changed.
    for (const signature of ['', thoughtSignature('response-1'), thinking.signature]) {
      const changed = signature === thinking.signature ? { ...thinking, thinking: 'Edited.' } : { ...thinking, signature };
      const error = await replay([changed, call]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block' },
      });
    }
  });

  it('should frame every stream event as `event:` and `data:` lines with a ping', async () => {
    const response = await fetch(`${standIn.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': standIn.apiKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = text.split('\n\n').filter((e) => e !== '');
    const names = events.map((e) => /^event: (\w+)\ndata: (\{.*\})$/.exec(e)?.[1]);
    expect(names).toEqual([
      'message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    for (const e of events) {
      const [, name, data] = /^event: (\w+)\ndata: (\{.*\})$/.exec(e)!;
      expect(JSON.parse(data!).type).toBe(name);
    }
  });

  it('should stop at a requested stop sequence with stop_reason stop_sequence', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      stop_sequences: ['STOP'],
      messages: [{ role: 'user', content: directive({ text: 'one two STOP three' }) }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'one two ' }]);
    expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'STOP' });
  });

  it('should report a content-filter fault as stop_reason refusal', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: directive({ text: 'I cannot help with that.', fault: { kind: 'content-filter' } }) }],
    });
    expect(message.stop_reason).toBe('refusal');
  });

  it('should count tokens like the usage it reports', async () => {
    const params = { model: 'claude-sonnet-4-6', system: 'Be brief.', messages: [{ role: 'user' as const, content: 'Hello there' }] };
    const counted = await client.messages.countTokens(params);
    const message = await client.messages.create({ ...params, max_tokens: 10 });
    expect(counted).toEqual({ input_tokens: 5 });
    expect(message.usage.input_tokens).toBe(counted.input_tokens);
  });

  it('should answer an http fault with the SDK\'s RateLimitError carrying retry-after', async () => {
    const err = await client.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: directive({ fault: { kind: 'http', status: 429, retryAfter: '7' } }) }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const rateLimit = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers?.get('retry-after')).toBe('7');
    expect(rateLimit.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(rateLimit.requestID).toMatch(/^req_01/);
  });

  it('should answer "prompt is too long" faults with a 400 invalid_request_error', async () => {
    const err = await client.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: directive({ fault: { kind: 'http', status: 400, message: 'prompt is too long: 250000 tokens > 200000 maximum' } }) }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ error: { type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' } });
  });

  it('should end a stream with an overloaded_error event on a midstream fault', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: directive({ text: 'a b c d e', fault: { kind: 'midstream', afterChunks: 2 } }) }],
    });
    const deltas: string[] = [];
    stream.on('text', (d) => deltas.push(d));
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(deltas).toEqual(['a', ' b']);
  });

  it('should answer max_tokens 0 as Anthropic does: the prompt cached, nothing generated', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 0,
      system: [{ type: 'text', text: 'A long system prompt.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: directive({ text: 'never said', usage: { inputTokens: 2000, cacheWriteTokens: 1900 } }) }],
    });
    expect(message.content).toEqual([]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toMatchObject({ input_tokens: 100, cache_creation_input_tokens: 1900, cache_read_input_tokens: 0, output_tokens: 0 });
  });

  it('should reject a wrong key with the SDK\'s AuthenticationError', async () => {
    const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: standIn.url, maxRetries: 0 });
    const err = await wrong.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
  });

  it('should take the document blocks the SDK sends (base64 PDF with title, context, citations and cache_control; plain text; URL), in user turns and tool results', async () => {
    const before = standIn.requests.length;
    const pdf: Anthropic.DocumentBlockParam = {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: pdfBase64() },
      title: 'Q3 report',
      context: 'Quarterly figures',
      citations: { enabled: true },
      cache_control: { type: 'ephemeral' },
    };
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            pdf,
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes.' } },
            { type: 'document', source: { type: 'url', url: 'https://example.com/paper.pdf' } },
            { type: 'text', text: 'Summarise these.' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.pdf' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [pdf] }, { type: 'text', text: 'And this one.' }] },
      ],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: And this one.' }]);
    const sent = standIn.requests[before]!.body as { messages: Array<{ content: unknown[] }> };
    expect(sent.messages[0]!.content[0]).toEqual(pdf);
  });

  it('should reject malformed documents as Anthropic does', async () => {
    const send = (source: unknown, role: 'user' | 'assistant' = 'user') =>
      client.messages
        .create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }, { role, content: [{ type: 'document', source } as Anthropic.DocumentBlockParam] }] })
        .then(() => { throw new Error('expected a 400'); }, (e: unknown) => e as InstanceType<typeof Anthropic.BadRequestError>);
    const png = await send({ type: 'base64', media_type: 'image/png', data: pdfBase64() });
    expect(png).toBeInstanceOf(Anthropic.BadRequestError);
    expect(png.error).toMatchObject({ error: { type: 'invalid_request_error', message: "messages.1.content.0.document.source.base64.media_type: Input should be 'application/pdf'" } });
    expect((await send({ type: 'base64', media_type: 'application/pdf', data: 'data:application/pdf;base64,JVBE' })).message).toContain('The PDF specified was not valid.');
    expect((await send({ type: 'text', media_type: 'text/plain' })).message).toContain('messages.1.content.0.document.source.text.data: Field required');
    expect((await send({ type: 'pdf', data: 'x' })).message).toContain("Input tag 'pdf' found using 'type' does not match");
    expect((await send({ type: 'text', media_type: 'text/plain', data: 'x' }, 'assistant')).message).toContain('`document` blocks are only allowed in user messages');
  });

  it('should answer structured outputs where Anthropic takes them, beside an effort, with the text the script gives', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, on: { type: 'string', format: 'date' } }, required: ['city', 'on'], additionalProperties: false };
    const json = '{"city":"Paris","on":"2025-06-01"}';
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      output_config: { format: { type: 'json_schema', schema } },
      messages: [{ role: 'user', content: directive({ text: json }) }],
    });
    expect(message.content).toEqual([{ type: 'text', text: json }]);
    const streamed = await client.messages
      .stream({ model: 'claude-opus-4-6', max_tokens: 100, output_config: { effort: 'low', format: { type: 'json_schema', schema } }, messages: [{ role: 'user', content: directive({ text: json }) }] })
      .finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: json }]);
  });

  it("should refuse structured outputs as Anthropic does: on an older model, with an open object, with a bound it cannot decode", async () => {
    const send = (model: string, schema: Record<string, unknown>) =>
      client.messages
        .create({ model, max_tokens: 100, output_config: { format: { type: 'json_schema', schema } }, messages: [{ role: 'user', content: 'hi' }] })
        .then(() => { throw new Error('expected a 400'); }, (e: unknown) => e as InstanceType<typeof Anthropic.BadRequestError>);
    const closed = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false };
    const old = await send('claude-3-5-haiku-20241022', closed);
    expect(old).toBeInstanceOf(Anthropic.BadRequestError);
    expect(old.error).toMatchObject({ error: { type: 'invalid_request_error', message: "'claude-3-5-haiku-20241022' does not support output format." } });
    const nested = { ...closed, properties: { inner: { type: 'object', properties: {} } }, required: ['inner'] };
    expect((await send('claude-opus-4-7', nested)).error).toMatchObject({
      error: { type: 'invalid_request_error', message: "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false" },
    });
    const bounded = { ...closed, properties: { n: { type: 'integer', minimum: 1 } } };
    expect((await send('claude-haiku-4-5', bounded)).error).toMatchObject({
      error: { type: 'invalid_request_error', message: "output_config.format.schema: For 'integer' type, property 'minimum' is not supported" },
    });
  });

  it('should reject requests Anthropic rejects: no max_tokens, a thinking budget not below max_tokens, orphan tool results', async () => {
    const send = (body: unknown): Promise<InstanceType<typeof Anthropic.BadRequestError>> =>
      client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming).then(
        () => { throw new Error('expected a 400'); },
        (e: unknown) => e as InstanceType<typeof Anthropic.BadRequestError>,
      );
    expect((await send({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).error).toMatchObject({ error: { message: 'max_tokens: Field required' } });
    expect((await send({ model: 'm', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 }, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(400);
    const orphan = await send({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }] });
    expect(orphan.status).toBe(400);
    expect(orphan.message).toContain('unexpected `tool_use_id`');
  });
});

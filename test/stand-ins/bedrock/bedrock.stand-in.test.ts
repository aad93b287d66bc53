import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  type ConverseStreamOutput,
  type Message,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thinkingSignature } from '../anthropic/render.js';
import { pdfBase64 } from '../pdf.js';
import { directive } from '../script.js';
import { bedrockDirective, type StreamExceptionType } from './model-rules.js';
import { BEDROCK_STAND_IN_CREDENTIALS, BEDROCK_STAND_IN_REGION, BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS, startBedrockStandIn, type BedrockStandIn } from './server.js';

/**
 * The stand-in is only worth something if it is Bedrock as far as a real client can tell: the official AWS SDK
 * signs requests the stand-in verifies, and parses its JSON, binary event stream and error responses.
 */

const MODEL = 'anthropic.claude-3-7-sonnet-20250219-v1:0';
const PROFILE = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';

let standIn: BedrockStandIn;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  standIn = await startBedrockStandIn();
  client = sdkClient(BEDROCK_STAND_IN_CREDENTIALS);
});

afterAll(async () => {
  client.destroy();
  await standIn.close();
});

function sdkClient(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ region: BEDROCK_STAND_IN_REGION, endpoint: standIn.url, credentials, maxAttempts: 1 });
}

const user = (text: string): Message => ({ role: 'user', content: [{ text }] });

async function streamEvents(modelId: string, messages: Message[]): Promise<ConverseStreamOutput[]> {
  const response = await client.send(new ConverseStreamCommand({ modelId, messages }));
  const events: ConverseStreamOutput[] = [];
  for await (const event of response.stream!) events.push(event);
  return events;
}

describe('Bedrock stand-in, seen through @aws-sdk/client-bedrock-runtime', () => {
  it('should answer Converse with the echo, end_turn and usage, for a request the SDK signed', async () => {
    const response = await client.send(new ConverseCommand({ modelId: MODEL, system: [{ text: 'Be brief.' }], messages: [user('hello there')] }));
    expect(response.output?.message).toEqual({ role: 'assistant', content: [{ text: 'Echo: hello there' }] });
    expect(response.stopReason).toBe('end_turn');
    // ceil((9 + 11) / 4) = 5 input tokens; "Echo:", " hello", " there" = 3 output tokens.
    expect(response.usage).toEqual({ inputTokens: 5, outputTokens: 3, totalTokens: 8 });
    expect(standIn.requests.at(-1)).toMatchObject({ operation: 'converse', modelId: MODEL, region: BEDROCK_STAND_IN_REGION });
  });

  it('should count tokens with CountTokens as the same prompt reports them when answered', async () => {
    const input = { converse: { system: [{ text: 'Be brief.' }], messages: [user('hello there')] } };
    const counted = await client.send(new CountTokensCommand({ modelId: MODEL, input }));
    expect(counted.inputTokens).toBe(5);
    expect(standIn.requests.at(-1)).toMatchObject({ operation: 'count-tokens', modelId: MODEL, body: { input } });
    // The foundation model's ARN names the same model.
    const arn = `arn:aws:bedrock:us-east-1::foundation-model/${MODEL}`;
    expect((await client.send(new CountTokensCommand({ modelId: arn, input }))).inputTokens).toBe(5);
    // A malformed conversation is Bedrock's ValidationException, as for Converse.
    await expect(client.send(new CountTokensCommand({ modelId: MODEL, input: { converse: { messages: [{ role: 'assistant', content: [{ text: 'x' }] }] } } })))
      .rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('should refuse to count for inference profiles and models CountTokens does not serve, as Bedrock does', async () => {
    const input = { converse: { messages: [user('hello there')] } };
    const refused = [
      PROFILE,
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${PROFILE}`,
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6',
      'amazon.nova-pro-v1:0',
    ];
    for (const modelId of refused) {
      await expect(client.send(new CountTokensCommand({ modelId, input }))).rejects.toMatchObject({
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
        message: "The provided model doesn't support counting tokens.",
      });
    }
  });

  it('should stop at a requested stop sequence, saying which where asked: at the top for Converse, under delta for ConverseStream', async () => {
    const request = {
      modelId: PROFILE,
      messages: [user(directive({ text: 'one two END three' }))],
      inferenceConfig: { stopSequences: ['STOP', 'END'] },
      additionalModelResponseFieldPaths: ['/stop_sequence', '/delta/stop_sequence'],
    };
    const whole = await client.send(new ConverseCommand(request));
    expect(whole.output?.message?.content).toEqual([{ text: 'one two ' }]);
    expect(whole.stopReason).toBe('stop_sequence');
    expect(whole.additionalModelResponseFields).toEqual({ stop_sequence: 'END' });

    const response = await client.send(new ConverseStreamCommand(request));
    const events: ConverseStreamOutput[] = [];
    for await (const event of response.stream!) events.push(event);
    expect(events.find((e) => e.messageStop)?.messageStop).toEqual({ stopReason: 'stop_sequence', additionalModelResponseFields: { delta: { stop_sequence: 'END' } } });

    // No sequence matched: Claude's stop_sequence is null, and Bedrock returns it so; not asked for, no field at all.
    const ended = await client.send(new ConverseCommand({ ...request, messages: [user('no stop here')] }));
    expect(ended).toMatchObject({ stopReason: 'end_turn', additionalModelResponseFields: { stop_sequence: null } });
    expect((await client.send(new ConverseCommand({ modelId: PROFILE, messages: [user('plain')] }))).additionalModelResponseFields).toBeUndefined();
  });

  it("should take back the reasoning Claude signed, on Bedrock or Anthropic's API, and refuse a signature Claude did not write with Converse's ValidationException", async () => {
    const ask = user(directive({ reasoning: 'Think it over.', text: 'Done.' }));
    const answer = (await client.send(new ConverseCommand({ modelId: MODEL, messages: [ask] }))).output!.message!;
    const replay = (content: Message['content']) => client.send(new ConverseCommand({ modelId: MODEL, messages: [ask, { role: 'assistant', content }, user('Again.')] }));
    expect((await replay(answer.content)).output?.message?.content).toEqual([{ text: 'Echo: Again.' }]);
    // Claude's signatures are good on every platform: the one Anthropic's API wrote for the same thinking is Bedrock's.
    expect(answer.content![0]).toEqual({ reasoningContent: { reasoningText: { text: 'Think it over.', signature: thinkingSignature('Think it over.') } } });

    // A signature for other thinking (Gemini's, or Claude's for something else).
    const foreign = { reasoningContent: { reasoningText: { text: 'Think it over.', signature: thinkingSignature('Something else.') } } };
    await expect(replay([foreign, answer.content![1]!])).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
      message: 'The model returned the following errors: messages.1.content.0: Invalid signature in thinking block',
    });
  });

  it('should keep the stop sequence at the end of a Nova answer, as Nova does, and name it nowhere', async () => {
    const request = { modelId: 'us.amazon.nova-pro-v1:0', messages: [user(directive({ text: 'one two END three' }))], inferenceConfig: { stopSequences: ['END'] } };
    const whole = await client.send(new ConverseCommand(request));
    expect(whole.output?.message?.content).toEqual([{ text: 'one two END' }]);
    expect(whole.stopReason).toBe('stop_sequence');
    expect(whole.additionalModelResponseFields).toBeUndefined();
  });

  it('should refuse a tool name Converse does not take, anywhere in the request, with the ValidationException Bedrock sends', async () => {
    const long = `mcp__server__${'x'.repeat(60)}`;
    await expect(
      client.send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [user('weather?'), { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: 'get.weather', input: {} } }] }, { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'sunny' }] } }] }],
          toolConfig: { tools: [{ toolSpec: { name: long, inputSchema: { json: { type: 'object' } } } }], toolChoice: { tool: { name: long } } },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
      message:
        `3 validation errors detected: Value '${long}' at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy constraint: Member must have length less than or equal to 64; ` +
        `Value '${long}' at 'toolConfig.toolChoice.tool.name' failed to satisfy constraint: Member must have length less than or equal to 64; ` +
        "Value 'get.weather' at 'messages.2.member.content.1.member.toolUse.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
    });
  });

  it("should end a tool use cut off by the output limit with max_tokens: Converse with the input's complete members, ConverseStream with the partial input", async () => {
    const cut = directive({ toolCalls: [{ name: 'set_alarm', arguments: '{"at":"07:00","label":"Wake u' }], truncated: true });
    const whole = await client.send(new ConverseCommand({ modelId: MODEL, messages: [user(cut)] }));
    expect(whole.stopReason).toBe('max_tokens');
    expect(whole.output?.message?.content).toEqual([{ toolUse: { toolUseId: 'tooluse_00standin', name: 'set_alarm', input: { at: '07:00' } } }]);

    const events = await streamEvents(MODEL, [user(cut)]);
    const input = events.flatMap((e) => (e.contentBlockDelta?.delta?.toolUse ? [e.contentBlockDelta.delta.toolUse.input] : []));
    expect(input.join('')).toBe('{"at":"07:00","label":"Wake u');
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe('max_tokens');
  });

  it("should pass Claude's tool_choice on from additionalModelRequestFields: one call with disable_parallel_tool_use, a type only without toolChoice", async () => {
    const calls = directive({ toolCalls: [{ name: 'a', arguments: '{}' }, { name: 'b', arguments: '{}' }] });
    const tools = [{ toolSpec: { name: 'a', inputSchema: { json: { type: 'object' } } } }, { toolSpec: { name: 'b', inputSchema: { json: { type: 'object' } } } }];
    const send = (toolChoice: { auto: object } | undefined, tool_choice: { type?: string; disable_parallel_tool_use: boolean }) =>
      client.send(new ConverseCommand({ modelId: MODEL, messages: [user(calls)], toolConfig: { tools, ...(toolChoice && { toolChoice }) }, additionalModelRequestFields: { tool_choice } }));
    const names = (response: { output?: { message?: Message } }) => response.output?.message?.content?.map((b) => b.toolUse?.name);
    expect(names(await send({ auto: {} }, { disable_parallel_tool_use: true }))).toEqual(['a']);
    expect(names(await send(undefined, { type: 'auto', disable_parallel_tool_use: true }))).toEqual(['a']);
    await expect(send({ auto: {} }, { type: 'auto', disable_parallel_tool_use: true })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The additional field tool_choice/type conflicts with the existing field toolConfig.toolChoice.auto. Remove tool_choice/type and try again.',
    });
    await expect(send(undefined, { disable_parallel_tool_use: true })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The model returned the following errors: tool_choice.type: Field required',
    });
  });

  it('should answer Converse with reasoning and its signature, text and tool uses with parsed input', async () => {
    const text = directive({
      reasoning: 'Think first.',
      text: 'Checking.',
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }, { name: 'get_time', arguments: '{"tz":"CET"}', id: 'tooluse_custom' }],
    });
    const response = await client.send(new ConverseCommand({ modelId: MODEL, messages: [user(text)] }));
    const content = response.output?.message?.content ?? [];
    expect(content[0]?.reasoningContent?.reasoningText?.text).toBe('Think first.');
    expect(content[0]?.reasoningContent?.reasoningText?.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(content[1]).toEqual({ text: 'Checking.' });
    expect(content[2]).toEqual({ toolUse: { toolUseId: 'tooluse_00standin', name: 'get_weather', input: { city: 'Paris' } } });
    expect(content[3]).toEqual({ toolUse: { toolUseId: 'tooluse_custom', name: 'get_time', input: { tz: 'CET' } } });
    expect(response.stopReason).toBe('tool_use');
  });

  it('should stream ConverseStream as event-stream frames the SDK decodes: reasoning, text, tool use, stop, metadata', async () => {
    const text = directive({ reasoning: 'Let me see.', text: 'Hi there', toolCalls: [{ name: 'lookup', arguments: '{"query":"weather in Paris"}' }] });
    const events = await streamEvents(MODEL, [user(text)]);
    const kinds = events.map((e) => Object.keys(e).find((k) => k !== '$unknown'));
    expect(kinds[0]).toBe('messageStart');
    expect(kinds.slice(-2)).toEqual(['messageStop', 'metadata']);

    const reasoning = events.flatMap((e) => (e.contentBlockDelta?.delta?.reasoningContent?.text ? [e.contentBlockDelta.delta.reasoningContent.text] : []));
    expect(reasoning.join('')).toBe('Let me see.');
    expect(events.some((e) => e.contentBlockDelta?.delta?.reasoningContent?.signature)).toBe(true);
    const textDeltas = events.flatMap((e) => (e.contentBlockDelta?.delta?.text !== undefined ? [e.contentBlockDelta.delta.text] : []));
    expect(textDeltas).toEqual(['Hi', ' there']);
    const start = events.find((e) => e.contentBlockStart)?.contentBlockStart;
    expect(start).toEqual({ contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_00standin', name: 'lookup' } } });
    const input = events.flatMap((e) => (e.contentBlockDelta?.delta?.toolUse ? [e.contentBlockDelta.delta.toolUse.input] : []));
    expect(input.length).toBeGreaterThan(1);
    expect(JSON.parse(input.join(''))).toEqual({ query: 'weather in Paris' });
    expect(events.filter((e) => e.contentBlockStop).map((e) => e.contentBlockStop?.contentBlockIndex)).toEqual([0, 1, 2]);
    expect(events.at(-2)?.messageStop?.stopReason).toBe('tool_use');
    expect(events.at(-1)?.metadata?.usage).toMatchObject({ outputTokens: expect.any(Number), inputTokens: expect.any(Number) });
  });

  it('should report cache reads and writes apart from inputTokens, which excludes them, and the writes by lifetime', async () => {
    const text = directive({ text: 'ok', usage: { inputTokens: 1000, cacheReadTokens: 600, cacheWriteTokens: 300, outputTokens: 1 } });
    const events = await streamEvents(MODEL, [user(text)]);
    expect(events.at(-1)?.metadata?.usage).toEqual({
      inputTokens: 100,
      outputTokens: 1,
      totalTokens: 1001,
      cacheReadInputTokens: 600,
      cacheWriteInputTokens: 300,
      cacheDetails: [{ ttl: '5m', inputTokens: 300 }],
    });
    const oneHour = directive({ text: 'ok', usage: { inputTokens: 1000, cacheReadTokens: 600, cacheWriteTokens: 300, cacheWrite1hTokens: 200, outputTokens: 1 } });
    const split = await streamEvents(MODEL, [user(oneHour)]);
    expect(split.at(-1)?.metadata?.usage?.cacheDetails).toEqual([{ ttl: '1h', inputTokens: 200 }, { ttl: '5m', inputTokens: 100 }]);
  });

  it('should take inference profile ids and ARNs as the model id (":" and "/" in the signed path)', async () => {
    await client.send(new ConverseCommand({ modelId: PROFILE, messages: [user('profile')] }));
    expect(standIn.requests.at(-1)).toMatchObject({ modelId: PROFILE, rawPath: `/model/${encodeURIComponent(PROFILE)}/converse` });
    const arn = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${PROFILE}`;
    await client.send(new ConverseCommand({ modelId: arn, messages: [user('arn')] }));
    expect(standIn.requests.at(-1)?.modelId).toBe(arn);
  });

  it('should accept temporary credentials with their session token signed', async () => {
    const temporary = sdkClient(BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS as Required<typeof BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS>);
    try {
      const response = await temporary.send(new ConverseCommand({ modelId: MODEL, messages: [user('temp')] }));
      expect(response.stopReason).toBe('end_turn');
      expect(standIn.requests.at(-1)?.headers['x-amz-security-token']).toBe(BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS.sessionToken);
    } finally {
      temporary.destroy();
    }
  });

  it('should reject a wrong secret with a 403 InvalidSignatureException, and an unknown key with UnrecognizedClientException', async () => {
    const wrongSecret = sdkClient({ accessKeyId: BEDROCK_STAND_IN_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    const unknownKey = sdkClient({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: BEDROCK_STAND_IN_CREDENTIALS.secretAccessKey });
    try {
      await expect(wrongSecret.send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] }))).rejects.toMatchObject({
        name: 'InvalidSignatureException',
        $metadata: { httpStatusCode: 403 },
        message: expect.stringContaining('does not match the signature you provided'),
      });
      await expect(unknownKey.send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] }))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      wrongSecret.destroy();
      unknownKey.destroy();
    }
  });

  it('should fail with ThrottlingException (429) for an http 429 fault, on both operations', async () => {
    const text = directive({ fault: { kind: 'http', status: 429 } });
    await expect(client.send(new ConverseCommand({ modelId: MODEL, messages: [user(text)] }))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
      message: 'Too many requests, please wait before trying again.',
    });
    await expect(client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user(text)] }))).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('should fail with ValidationException for a context-length fault and for broken role alternation', async () => {
    const tooLong = directive({ fault: { kind: 'http', status: 400, message: 'Input is too long for requested model.' } });
    await expect(client.send(new ConverseCommand({ modelId: MODEL, messages: [user(tooLong)] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Input is too long for requested model.',
    });
    await expect(client.send(new ConverseCommand({ modelId: MODEL, messages: [user('a'), user('b')] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('must alternate between user and assistant'),
    });
  });

  it('should send a modelStreamErrorException the SDK throws after the chunks before it', async () => {
    const response = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user(directive({ text: 'one two three four', fault: { kind: 'midstream', afterChunks: 2, message: 'boom' } }))] }));
    const texts: string[] = [];
    await expect(
      (async () => {
        for await (const event of response.stream!) if (event.contentBlockDelta?.delta?.text) texts.push(event.contentBlockDelta.delta.text);
      })(),
    ).rejects.toMatchObject({ name: 'ModelStreamErrorException', message: 'boom', originalStatusCode: 500 });
    expect(texts).toEqual(['one', ' two']);
  });

  it('should stop with guardrail_intervened for a content-filter fault', async () => {
    const response = await client.send(new ConverseCommand({ modelId: MODEL, messages: [user(directive({ text: 'Sorry, I cannot help with that.', fault: { kind: 'content-filter' } }))] }));
    expect(response.stopReason).toBe('guardrail_intervened');
    const events = await streamEvents(MODEL, [user(directive({ fault: { kind: 'content-filter' } }))]);
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe('guardrail_intervened');
  });

  it('should take the document blocks the SDK sends (bytes it base64-encodes), beside text, in messages and tool results', async () => {
    const bytes = Buffer.from(pdfBase64(), 'base64');
    const response = await client.send(
      new ConverseCommand({
        modelId: MODEL,
        messages: [
          { role: 'user', content: [{ document: { format: 'pdf', name: 'Q3 report (final)', source: { bytes } } }, { document: { format: 'txt', name: 'notes', source: { bytes: Buffer.from('Plain notes.') } } }, { text: 'Summarise.' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: 'read', input: {} } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ document: { format: 'pdf', name: 'attachment', source: { bytes } } }] } }, { text: 'thanks' }] },
        ],
        toolConfig: { tools: [{ toolSpec: { name: 'read', inputSchema: { json: { type: 'object' } } } }] },
      }),
    );
    expect(response.output?.message?.content).toEqual([{ text: 'Echo: thanks' }]);
    const sent = standIn.requests.at(-1)!.body as { messages: Array<{ content: unknown[] }> };
    expect(sent.messages[0]!.content[0]).toEqual({ document: { format: 'pdf', name: 'Q3 report (final)', source: { bytes: pdfBase64() } } });
  });

  it('should reject documents Bedrock rejects: a bad or duplicate name, a document without text, bytes that are not a PDF', async () => {
    const bytes = Buffer.from(pdfBase64(), 'base64');
    const send = (content: NonNullable<Message['content']>) => client.send(new ConverseCommand({ modelId: MODEL, messages: [{ role: 'user', content }] }));
    await expect(send([{ document: { format: 'pdf', name: 'report.pdf', source: { bytes } } }, { text: 'x' }])).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('The document file name can only contain alphanumeric characters'),
    });
    await expect(send([{ document: { format: 'pdf', name: 'a  b', source: { bytes } } }, { text: 'x' }])).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(send([{ document: { format: 'pdf', name: 'Report', source: { bytes } } }, { document: { format: 'pdf', name: 'report', source: { bytes } } }, { text: 'x' }])).rejects.toMatchObject({
      message: "Messages can't contain duplicate document names. Rename the document and retry your request.",
    });
    await expect(send([{ document: { format: 'pdf', name: 'report', source: { bytes } } }])).rejects.toMatchObject({
      message: 'A text block must be included when using documents. Add a text block and retry your request.',
    });
    await expect(send([{ document: { format: 'pdf', name: 'report', source: { bytes: Buffer.from('not a pdf') } } }, { text: 'x' }])).rejects.toMatchObject({
      message: expect.stringContaining('The PDF specified was not valid.'),
    });
  });

  it('should take a tool result turn answering the tool use before it', async () => {
    const response = await client.send(
      new ConverseCommand({
        modelId: MODEL,
        messages: [
          user('weather?'),
          { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'sunny' }] } }, { text: 'thanks' }] },
        ],
        toolConfig: { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }] },
      }),
    );
    expect(response.output?.message?.content).toEqual([{ text: 'Echo: thanks' }]);
  });

  describe('what Bedrock refuses for the model named', () => {
    const LLAMA = 'us.meta.llama4-maverick-17b-instruct-v1:0';
    const tools = [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }];

    it('should refuse tools in ConverseStream for a model without streaming tool use, and take them in Converse', async () => {
      await expect(client.send(new ConverseStreamCommand({ modelId: LLAMA, messages: [user('hi')], toolConfig: { tools } }))).rejects.toMatchObject({
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
        message: "This model doesn't support tool use in streaming mode.",
      });
      const whole = await client.send(new ConverseCommand({ modelId: LLAMA, messages: [user(directive({ toolCalls: [{ name: 'get_weather', arguments: '{}' }] }))], toolConfig: { tools } }));
      expect(whole.stopReason).toBe('tool_use');
      // Streaming without tools, and Claude streaming with them, are fine.
      expect((await streamEvents(LLAMA, [user('hi')])).at(-1)?.metadata).toBeDefined();
      await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user('hi')], toolConfig: { tools } }));
    });

    it('should refuse the toolChoice members a model does not take', async () => {
      const send = (modelId: string, toolChoice: { any: object } | { tool: { name: string } } | { auto: object }) =>
        client.send(new ConverseCommand({ modelId, messages: [user('hi')], toolConfig: { tools, toolChoice } }));
      await expect(send(LLAMA, { any: {} })).rejects.toMatchObject({
        name: 'ValidationException',
        message: "This model doesn't support the toolConfig.toolChoice.any field. Remove toolConfig.toolChoice.any and try again.",
      });
      await expect(send('mistral.mistral-large-2407-v1:0', { tool: { name: 'get_weather' } })).rejects.toMatchObject({
        message: "This model doesn't support the toolConfig.toolChoice.tool field. Remove toolConfig.toolChoice.tool and try again.",
      });
      expect((await send('mistral.mistral-large-2407-v1:0', { any: {} })).stopReason).toBe('end_turn');
      expect((await send('us.amazon.nova-pro-v1:0', { tool: { name: 'get_weather' } })).stopReason).toBe('end_turn');
      expect((await send(LLAMA, { auto: {} })).stopReason).toBe('end_turn');
    });

    it('should range-check inferenceConfig as Converse does: temperature and topP in 0–1, maxTokens within a known model limit', async () => {
      const send = (modelId: string, inferenceConfig: Record<string, number>) => client.send(new ConverseCommand({ modelId, messages: [user('hi')], inferenceConfig }));
      await expect(send('us.amazon.nova-pro-v1:0', { temperature: 1.5 })).rejects.toMatchObject({
        name: 'ValidationException',
        message: "1 validation error detected: Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1",
      });
      await expect(send(MODEL, { temperature: 2, topP: -1 })).rejects.toMatchObject({
        message:
          "2 validation errors detected: Value '2.0' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1; " +
          "Value '-1.0' at 'inferenceConfig.topP' failed to satisfy constraint: Member must have value greater than or equal to 0",
      });
      await expect(send(LLAMA, { maxTokens: 8193 })).rejects.toMatchObject({
        message: 'The maximum tokens you requested exceeds the model limit of 8192. Try again with a maximum tokens value that is lower than 8192.',
      });
      expect((await send(LLAMA, { maxTokens: 8192, temperature: 1, topP: 0 })).stopReason).toBe('end_turn');
    });
  });

  describe('exceptions and stop reasons a Bedrock directive asks for', () => {
    const types: StreamExceptionType[] = ['throttlingException', 'serviceUnavailableException', 'internalServerException', 'validationException', 'modelStreamErrorException'];
    const pascal = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);

    it.each(types)('should send a %s as the first message of the stream, or after the content before it', async (type) => {
      // The SDK reads the first message before it answers: an exception there fails the call itself.
      await expect(
        client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user(directive({ text: 'one two three' }) + bedrockDirective({ exception: { type, afterChunks: 0 } }))] })),
      ).rejects.toMatchObject({ name: pascal(type) });

      const later = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user(directive({ text: 'one two three' }) + bedrockDirective({ exception: { type, afterChunks: 2, message: 'later' } }))] }));
      const texts: string[] = [];
      await expect(
        (async () => {
          for await (const event of later.stream!) if (event.contentBlockDelta?.delta?.text) texts.push(event.contentBlockDelta.delta.text);
        })(),
      ).rejects.toMatchObject({ name: pascal(type), message: 'later' });
      expect(texts).toEqual(['one', ' two']);
    });

    it('should answer Converse with the HTTP error of the exception asked for', async () => {
      await expect(client.send(new ConverseCommand({ modelId: MODEL, messages: [user(bedrockDirective({ exception: { type: 'serviceUnavailableException', afterChunks: 0 } }))] }))).rejects.toMatchObject({
        name: 'ServiceUnavailableException',
        $metadata: { httpStatusCode: 503 },
      });
    });

    it('should stop with the stop reason asked for, usage reported as usual', async () => {
      const text = directive({ fault: { kind: 'content-filter' }, usage: { inputTokens: 50, outputTokens: 2 } }) + bedrockDirective({ stopReason: 'content_filtered' });
      const whole = await client.send(new ConverseCommand({ modelId: MODEL, messages: [user(text)] }));
      expect(whole).toMatchObject({ stopReason: 'content_filtered', usage: { inputTokens: 50, outputTokens: 2 } });
      const events = await streamEvents(MODEL, [user(text)]);
      expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe('content_filtered');
      expect(events.at(-1)?.metadata?.usage).toMatchObject({ inputTokens: 50, outputTokens: 2 });
    });
  });
});

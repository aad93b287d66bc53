import { ModelConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BEDROCK_STAND_IN_API_KEY,
  BEDROCK_STAND_IN_CREDENTIALS,
  BEDROCK_STAND_IN_REGION,
  BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS,
  startBedrockStandIn,
  type BedrockStandIn,
} from '../../../../test/stand-ins/bedrock/server.js';
import { bedrockDirective } from '../../../../test/stand-ins/bedrock/model-rules.js';
import { directive, type Script } from '../../../../test/stand-ins/script.js';
import type { Message } from '../../canonical/request.js';
import { secretResolver } from '../../upstream/secrets.js';
import { estimatePromptTokens, tokenizerReady } from '../token-estimate.js';
import type { CanonicalRequest, ProviderTarget, StreamEvent } from '../types.js';
import { callBedrock } from './call.js';
import { translateRequest } from './canonical-to-converse.js';
import { bedrockProvider } from './index.js';
import { STOP_SEQUENCE_PATHS } from './map-stop-reason.js';

/** The adapter end to end: canonical request → signed HTTP → the Bedrock stand-in → canonical events. */

const PROFILE = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
/** A Claude model the stand-in does not count, as Bedrock does not count some (those launched cross-Region only). */
const NOT_COUNTED = 'anthropic.claude-not-counted-v1:0';
const provider = bedrockProvider();
const secrets = secretResolver({
  AWS_ACCESS_KEY_ID: BEDROCK_STAND_IN_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: BEDROCK_STAND_IN_CREDENTIALS.secretAccessKey,
  TEMP_KEY_ID: BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS.accessKeyId,
  TEMP_SECRET: BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS.secretAccessKey,
  TEMP_TOKEN: BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS.sessionToken,
  WRONG_SECRET: 'not-the-secret',
  BEDROCK_API_KEY: BEDROCK_STAND_IN_API_KEY,
});

let standIn: BedrockStandIn;
beforeAll(async () => {
  standIn = await startBedrockStandIn({ uncountable: [NOT_COUNTED] });
});
afterAll(async () => {
  await standIn.close();
});

function target(overrides: Record<string, unknown> = {}): ProviderTarget {
  return ModelConfig.parse({
    id: 'bedrock-claude',
    name: 'claude',
    provider: 'bedrock',
    providerModel: PROFILE,
    apiBase: standIn.url,
    region: BEDROCK_STAND_IN_REGION,
    inputCostPerMillion: 3,
    outputCostPerMillion: 15,
    ...overrides,
  });
}

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const request = (text: string, stream: boolean, extra: Partial<CanonicalRequest> = {}): CanonicalRequest => ({ stream, messages: [user(text)], ...extra });

async function chat(req: CanonicalRequest, t: ProviderTarget = target(), signal = new AbortController().signal): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of provider.chat(req, { target: t, secrets, signal })) out.push(event);
  return out;
}

const script = (s: Script): string => directive(s);
const types = (events: StreamEvent[]): string[] => events.map((e) => e.type);
const textOf = (events: StreamEvent[]): string => events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('');

describe.each([true, false])('bedrock adapter against the stand-in (stream: %s)', (stream) => {
  it('should answer with the request id and model first, the text, then finish with stop and usage', async () => {
    const events = await chat({ stream, messages: [{ role: 'system', content: [{ type: 'text', text: 'Be brief.' }] }, user('hello there')] });
    expect(events[0]).toEqual({ type: 'response-metadata', id: expect.stringMatching(/^[0-9a-f-]{36}$/), model: PROFILE });
    expect(textOf(events)).toBe('Echo: hello there');
    if (stream) expect(events.filter((e) => e.type === 'text-delta').length).toBe(3);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { inputTokens: 5, outputTokens: 3 },
    });
    expect(standIn.requests.at(-1)).toMatchObject({ operation: stream ? 'converse-stream' : 'converse', body: { system: [{ text: 'Be brief.' }] } });
  });

  it('should emit two tool calls one after another, arguments in deltas that join to the JSON, then finish tool-calls', async () => {
    const calls = [
      { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
      { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
    ];
    const events = await chat(request(script({ text: 'Let me check.', toolCalls: calls }), stream, { tools: calls.map((c) => ({ name: c.name, parameters: { type: 'object' } })) }));
    const toolEvents = events.filter((e) => e.type.startsWith('tool-call'));
    expect(toolEvents[0]).toEqual({ type: 'tool-call-start', index: 0, id: 'tooluse_00standin', name: 'get_weather' });
    const startOfSecond = toolEvents.findIndex((e) => e.type === 'tool-call-start' && e.index === 1);
    expect(toolEvents[startOfSecond - 1]).toEqual({ type: 'tool-call-end', index: 0 });
    expect(toolEvents[startOfSecond]).toEqual({ type: 'tool-call-start', index: 1, id: 'tooluse_01standin', name: 'get_time' });
    expect(toolEvents.at(-1)).toEqual({ type: 'tool-call-end', index: 1 });
    for (const [index, call] of calls.entries()) {
      const deltas = toolEvents.flatMap((e) => (e.type === 'tool-call-delta' && e.index === index ? [e.argumentsDelta] : []));
      if (stream) expect(deltas.length).toBeGreaterThan(1);
      expect(JSON.parse(deltas.join(''))).toEqual(JSON.parse(call.arguments));
    }
    expect(textOf(events)).toBe('Let me check.');
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } });
    expect(standIn.requests.at(-1)?.body.toolConfig).toEqual({
      tools: calls.map((c) => ({ toolSpec: { name: c.name, inputSchema: { json: { type: 'object' } } } })),
    });
  });

  it('should pass reasoning through with its signature before the answer', async () => {
    // Claude 3.7 Sonnet: the first that thinks (the 3.5 profile of the other tests takes no thinking).
    const events = await chat(request(script({ reasoning: 'First, think it through.', text: 'Done.' }), stream, { reasoning: { effort: 'low' } }), target({ providerModel: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0' }));
    const reasoning = events.flatMap((e) => (e.type === 'reasoning-delta' ? [e.text] : [])).join('');
    expect(reasoning).toBe('First, think it through.');
    const signatureAt = events.findIndex((e) => e.type === 'reasoning-signature');
    expect(events[signatureAt]).toEqual({ type: 'reasoning-signature', signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
    expect(signatureAt).toBeLessThan(events.findIndex((e) => e.type === 'text-delta'));
    expect(standIn.requests.at(-1)?.body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
  });

  it('should count cache reads and writes into input tokens and report them apart, the 1-hour writes too', async () => {
    const events = await chat(request(script({ text: 'ok', usage: { inputTokens: 1000, cacheReadTokens: 600, cacheWriteTokens: 300, outputTokens: 7 } }), stream));
    expect(events.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 1000, outputTokens: 7, cacheReadTokens: 600, cacheWriteTokens: 300, cacheWrite1hTokens: 0 } });
    const oneHour = await chat(request(script({ text: 'ok', usage: { inputTokens: 1000, cacheReadTokens: 600, cacheWriteTokens: 300, cacheWrite1hTokens: 200, outputTokens: 7 } }), stream));
    expect(oneHour.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 1000, cacheWriteTokens: 300, cacheWrite1hTokens: 200 } });
  });

  it('should finish with length for max_tokens, and content-filter for a guardrail that let some output through', async () => {
    const truncated = await chat(request(script({ text: 'cut short', truncated: true }), stream));
    expect(truncated.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'length', raw: 'max_tokens' } });
    const filtered = await chat(request(script({ text: 'Sorry, I cannot help with that.', fault: { kind: 'content-filter' } }), stream));
    expect(textOf(filtered)).toBe('Sorry, I cannot help with that.');
    expect(filtered.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'content-filter', raw: 'guardrail_intervened' } });
  });

  it('should make a guardrail or content filter that blocked everything a billed content_policy_violation error, after the usage Bedrock reported', async () => {
    for (const stopReason of ['guardrail_intervened', 'content_filtered']) {
      const usage = { inputTokens: 120, outputTokens: 4 };
      const events = await chat(request(script({ fault: { kind: 'content-filter' }, usage }) + bedrockDirective({ stopReason }), stream));
      // No response-metadata: the answer failed before any content, so nothing opens the client's stream.
      expect(types(events)).toEqual(['usage', 'error']);
      expect(events[0]).toEqual({ type: 'usage', usage });
      expect(events.at(-1)).toMatchObject({
        type: 'error',
        error: { status: 400, type: 'invalid_request_error', code: 'content_policy_violation', provider: 'bedrock', billed: true, message: expect.stringContaining(`stopReason ${stopReason}`) },
      });
    }
  });

  it('should turn a ThrottlingException into a 429 rate_limit_error with retry-after', async () => {
    const events = await chat(request(script({ fault: { kind: 'http', status: 429, retryAfter: '7' } }), stream));
    expect(events).toEqual([
      {
        type: 'error',
        error: {
          status: 429,
          type: 'rate_limit_error',
          code: 'rate_limit_exceeded',
          message: 'bedrock: ThrottlingException: Too many requests, please wait before trying again.',
          retryAfterSeconds: 7,
          provider: 'bedrock',
        },
      },
    ]);
  });

  it('should recognise a context-length ValidationException as context_length_exceeded', async () => {
    for (const message of ['Input is too long for requested model.', 'The model returned the following errors: prompt is too long: 210000 tokens > 200000 maximum']) {
      const events = await chat(request(script({ fault: { kind: 'http', status: 400, message } }), stream));
      expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' }) }]);
    }
    const other = await chat(request(script({ fault: { kind: 'http', status: 400, message: 'Malformed input request' } }), stream));
    expect(other[0]).toMatchObject({ type: 'error', error: { status: 400, code: null } });
  });

  it('should take inference profile ids and ARNs as the model, encoded in the signed path', async () => {
    await chat(request('profile', stream));
    const operation = stream ? 'converse-stream' : 'converse';
    expect(standIn.requests.at(-1)).toMatchObject({ modelId: PROFILE, rawPath: `/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/${operation}`, region: BEDROCK_STAND_IN_REGION });
    const arn = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${PROFILE}`;
    const events = await chat(request('arn', stream), target({ providerModel: arn }));
    expect(events.at(-1)?.type).toBe('finish');
    expect(standIn.requests.at(-1)?.modelId).toBe(arn);
  });
});

describe('bedrock adapter failures mid-stream', () => {
  it('should end with an error event after the chunks before an in-stream exception, never a finish', async () => {
    const events = await chat(request(script({ text: 'one two three four', fault: { kind: 'midstream', afterChunks: 2, message: 'boom' } }), true));
    expect(types(events)).toEqual(['response-metadata', 'text-delta', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: expect.stringContaining('ModelStreamErrorException: boom') } });
  });

  it('should end with an error event when the connection drops mid-stream', async () => {
    const events = await chat(request(script({ text: 'one two three four', fault: { kind: 'drop', afterChunks: 2 } }), true));
    expect(types(events)).toEqual(['response-metadata', 'text-delta', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { status: 502, provider: 'bedrock' } });
  });

  it('should end with an error event when the connection drops before a non-streamed answer', async () => {
    const events = await chat(request(script({ fault: { kind: 'drop', afterChunks: 0 } }), false));
    expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, code: 'upstream_unreachable' }) }]);
  });

  it('should abort the upstream request at once when the client goes away mid-stream', async () => {
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    const started = Date.now();
    for await (const event of provider.chat(request(script({ text: 'a b c d e f g h i j', chunkDelayMs: 200 }), true), { target: target(), secrets, signal: controller.signal })) {
      seen.push(event);
      if (event.type === 'text-delta') controller.abort();
    }
    expect(types(seen)).toEqual(['response-metadata', 'text-delta']);
    const upstream = standIn.requests.at(-1)!;
    await upstream.closed;
    expect(upstream.closedEarly).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('should abort a request still waiting for its answer, promptly and silently', async () => {
    const controller = new AbortController();
    const before = standIn.requests.length;
    const done = chat(request(script({ fault: { kind: 'hang' } }), true), target(), controller.signal);
    while (standIn.requests.length === before) await new Promise((r) => setTimeout(r, 5));
    const upstream = standIn.requests.at(-1)!;
    const abortedAt = Date.now();
    controller.abort();
    expect(await done).toEqual([]);
    await upstream.closed;
    expect(upstream.closedEarly).toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
  });

  it("should time out a hanging upstream after the deployment's timeoutMs", async () => {
    const events = await chat(request(script({ fault: { kind: 'hang' } }), false), target({ timeoutMs: 150 }));
    expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 504, type: 'timeout_error', code: 'upstream_timeout' }) }]);
  });
});

describe('bedrock adapter credentials', () => {
  it('should sign with temporary credentials from references, session token included', async () => {
    const events = await chat(request('temp', false), target({ awsAccessKeyIdRef: 'env:TEMP_KEY_ID', awsSecretAccessKeyRef: 'env:TEMP_SECRET', awsSessionTokenRef: 'env:TEMP_TOKEN' }));
    expect(events.at(-1)?.type).toBe('finish');
    expect(standIn.requests.at(-1)?.headers['x-amz-security-token']).toBe(BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS.sessionToken);
  });

  it("should report the gateway's rejected credentials as a 502, not as the client's fault", async () => {
    const events = await chat(request('x', true), target({ awsSecretAccessKeyRef: 'env:WRONG_SECRET' }));
    expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, code: 'upstream_auth_failed', message: expect.stringContaining('InvalidSignatureException') }) }]);
    expect(standIn.rejected.at(-1)).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
  });

  it('should name a missing credential reference without calling upstream', async () => {
    const before = standIn.requests.length;
    const events = await chat(request('x', true), target({ awsAccessKeyIdRef: 'env:NOT_SET' }));
    expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 500, code: 'provider_credential_missing', message: expect.stringContaining('env:NOT_SET') }) }]);
    expect(standIn.requests.length).toBe(before);
  });

  it('should send a Bedrock API key as a bearer token instead of signing', async () => {
    const events = await chat(request('api key', true), target({ apiKeyRef: 'env:BEDROCK_API_KEY' }));
    expect(events.at(-1)?.type).toBe('finish');
    expect(standIn.requests.at(-1)?.headers.authorization).toBe(`Bearer ${BEDROCK_STAND_IN_API_KEY}`);
  });
});

describe('bedrock adapter token counting', () => {
  const counting: CanonicalRequest = { stream: false, messages: [{ role: 'system', content: [{ type: 'text', text: 'Be brief.' }] }, user('hello there')] };
  const count = (providerModel: string): Promise<number> => provider.countTokens!(counting, { target: target({ providerModel }), secrets, signal: new AbortController().signal });

  it('should count with the foundation model behind an inference profile id or ARN, as CountTokens refuses profiles', async () => {
    const cases = [
      [PROFILE, 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['global.anthropic.claude-opus-4-6-v1', 'anthropic.claude-opus-4-6-v1'],
      ['us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic.claude-haiku-4-5-20251001-v1:0'],
      ['anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
    ] as const;
    for (const [providerModel, foundation] of cases) {
      // The stand-in counts ceil(prompt characters / 4): "Be brief." and "hello there" are 20.
      expect(await count(providerModel)).toBe(5);
      expect(standIn.requests.at(-1)).toMatchObject({ operation: 'count-tokens', modelId: foundation, rawPath: `/model/${encodeURIComponent(foundation)}/count-tokens` });
    }
  });

  it('should answer with the local estimate, not an error, for a Claude model Bedrock does not count and for an application inference profile', async () => {
    await tokenizerReady();
    const estimate = estimatePromptTokens(counting.messages, counting.tools);
    expect(await count(`us.${NOT_COUNTED}`)).toBe(estimate);
    expect(standIn.rejected.at(-1)).toMatchObject({ path: `/model/${encodeURIComponent(NOT_COUNTED)}/count-tokens`, status: 400, errorType: 'ValidationException', message: "The provided model doesn't support counting tokens." });
    // An application profile does not say which model it wraps: CountTokens would refuse it, so it is not asked.
    const [requests, rejected] = [standIn.requests.length, standIn.rejected.length];
    expect(await count('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6')).toBe(estimate);
    expect([standIn.requests.length, standIn.rejected.length]).toEqual([requests, rejected]);
  });
});

describe('bedrock adapter stop sequences', () => {
  it('should report which stop sequence ended a streamed Claude answer', async () => {
    const events = await chat(request(script({ text: 'one two END three' }), true, { stop: ['STOP', 'END'] }));
    expect(textOf(events)).toBe('one two ');
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: 'END' } });
  });

  // Claude says which stop sequence matched at `/stop_sequence` in a whole answer and at `/delta/stop_sequence` in a
  // streamed one; asked for the second alone, a non-streaming client was told a plain stop.
  it('should find which stop sequence ended a Claude answer, whole or streamed', async () => {
    for (const stream of [false, true]) {
      const events = await chat(request(script({ text: 'one two END three' }), stream, { stop: ['END'] }));
      expect(events.at(-1), `stream: ${stream}`).toMatchObject({ type: 'finish', finishReason: { raw: 'stop_sequence', stopSequence: 'END' } });
    }
    expect(standIn.requests.at(-1)?.body.additionalModelResponseFieldPaths).toEqual([...STOP_SEQUENCE_PATHS]);
  });
});

describe('bedrock adapter conversations', () => {
  it('should send a tool-result turn the way Bedrock validates it (merged user turn after the tool use)', async () => {
    const events = await chat({
      stream: true,
      tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Use tools.', cacheControl: { type: 'ephemeral' } }] },
        user('weather?'),
        { role: 'assistant', content: [{ type: 'tool-call', id: 'tooluse_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'tooluse_1', content: [{ type: 'text', text: 'sunny' }] }] },
        user('thanks'),
      ],
    });
    expect(textOf(events)).toBe('Echo: thanks');
    expect(standIn.requests.at(-1)?.body.system).toEqual([{ text: 'Use tools.' }, { cachePoint: { type: 'default' } }]);
  });
});

describe('bedrock adapter across model families', () => {
  const LLAMA = 'us.meta.llama4-maverick-17b-instruct-v1:0';
  const NOVA = 'us.amazon.nova-pro-v1:0';
  const weather = [{ name: 'get_weather', parameters: { type: 'object' } }];

  it('should stream tool calls from a model ConverseStream refuses tools for, by replaying a whole Converse answer', async () => {
    const calls = [{ name: 'get_weather', arguments: '{"city":"Paris"}' }];
    const events = await chat(request(script({ text: 'Checking.', toolCalls: calls }), true, { tools: weather }), target({ providerModel: LLAMA }));
    expect(standIn.requests.at(-1)).toMatchObject({ operation: 'converse', modelId: LLAMA });
    expect(types(events)).toEqual(['response-metadata', 'text-delta', 'tool-call-start', 'tool-call-delta', 'tool-call-end', 'finish']);
    expect(events[0]).toEqual({ type: 'response-metadata', id: expect.any(String), model: LLAMA });
    expect(events.find((e) => e.type === 'tool-call-delta')).toEqual({ type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' });
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } });
    // Without tools the same model streams; Nova streams with tools.
    await chat(request('plain', true), target({ providerModel: LLAMA }));
    expect(standIn.requests.at(-1)?.operation).toBe('converse-stream');
    const nova = await chat(request(script({ toolCalls: calls }), true, { tools: weather }), target({ providerModel: NOVA }));
    expect(standIn.requests.at(-1)?.operation).toBe('converse-stream');
    expect(nova.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls' } });
  });

  it('should keep temperatures above 1 within the range Converse takes, for every family', async () => {
    for (const providerModel of [LLAMA, NOVA, 'mistral.mistral-large-2407-v1:0']) {
      for (const stream of [true, false]) {
        const events = await chat(request('warm', stream, { temperature: 1.7, topP: 1 }), target({ providerModel }));
        expect(events.at(-1), providerModel).toMatchObject({ type: 'finish' });
        expect(standIn.requests.at(-1)?.body.inferenceConfig).toEqual({ temperature: 1, topP: 1 });
      }
    }
  });

  it('should answer a conversation that starts with an assistant greeting, and a system prompt alone', async () => {
    const sys: Message = { role: 'system', content: [{ type: 'text', text: 'Be kind.' }] };
    const greeting: Message = { role: 'assistant', content: [{ type: 'text', text: 'Hello! How can I help?' }] };
    for (const stream of [true, false]) {
      const greeted = await chat({ stream, messages: [sys, greeting, user('a joke please')] }, target({ providerModel: NOVA }));
      expect(textOf(greeted)).toBe('Echo: a joke please');
      const alone = await chat({ stream, messages: [sys] }, target({ providerModel: NOVA }));
      expect(alone.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
      expect(standIn.requests.at(-1)?.body.messages).toEqual([{ role: 'user', content: [{ text: '.' }] }]);
    }
  });

  it('should ask a model that takes no toolChoice for a tool call in the system prompt, tools kept', async () => {
    for (const stream of [true, false]) {
      const events = await chat(request(script({ toolCalls: [{ name: 'get_weather', arguments: '{}' }] }), stream, { tools: weather, toolChoice: { type: 'required' } }), target({ providerModel: LLAMA }));
      expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls' } });
      const sent = standIn.requests.at(-1)!.body as { toolConfig: Record<string, unknown>; system: unknown };
      expect(sent.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }] });
      expect(sent.system).toEqual([{ text: expect.stringContaining('calling one or more of the available tools') }]);
    }
  });

  it('should send again with the output limit a model refused a larger maxTokens for', async () => {
    const events = await chat(request('long', false, { maxOutputTokens: 32_000 }), target({ id: 'bedrock-llama-cap', providerModel: LLAMA }));
    expect(events.at(-1)).toMatchObject({ type: 'finish' });
    expect(standIn.rejected.at(-1)?.message).toBe('The maximum tokens you requested exceeds the model limit of 8192. Try again with a maximum tokens value that is lower than 8192.');
    expect(standIn.requests.at(-1)?.body.inferenceConfig).toEqual({ maxTokens: 8192 });
  });
});

describe('bedrock adapter exceptions in the event stream', () => {
  const exceptions = [
    ['throttlingException', { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' }],
    ['serviceUnavailableException', { status: 503 }],
    ['internalServerException', { provider: 'bedrock' }],
    ['validationException', { status: 400 }],
    ['modelStreamErrorException', { status: 502, code: 'upstream_error' }],
  ] as const;

  it.each(exceptions)('should make a %s that comes first the upstream error, before any response-metadata, so it can be retried with a real status', async (type, error) => {
    const events = await chat(request(script({ text: 'one two three' }) + bedrockDirective({ exception: { type, afterChunks: 0 } }), true));
    expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ ...error, message: expect.stringContaining(type.charAt(0).toUpperCase() + type.slice(1)) }) }]);
  });

  it.each(exceptions)('should end the answer with a %s after the content before it', async (type) => {
    const events = await chat(request(script({ text: 'one two three' }) + bedrockDirective({ exception: { type, afterChunks: 2 } }), true));
    expect(types(events)).toEqual(['response-metadata', 'text-delta', 'text-delta', 'error']);
  });
});

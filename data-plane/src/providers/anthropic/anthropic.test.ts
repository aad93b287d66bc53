import { ModelConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive, type Script } from '../../../../test/stand-ins/script.js';
import { thinkingSignature } from '../../../../test/stand-ins/anthropic/render.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../../../../test/stand-ins/anthropic/server.js';
import type { CanonicalRequest, Message } from '../../canonical/request.js';
import { secretResolver } from '../../upstream/secrets.js';
import type { Provider, ProviderCall, ProviderTarget, StreamEvent } from '../types.js';
import { anthropicProvider } from './index.js';

let standIn: AnthropicStandIn;
let target: ProviderTarget;
const provider: Provider = anthropicProvider();

beforeAll(async () => {
  standIn = await startAnthropicStandIn();
  target = ModelConfig.parse({
    id: 'claude',
    name: 'claude',
    provider: 'anthropic',
    providerModel: 'claude-sonnet-4-6',
    apiBase: standIn.url,
    apiKeyRef: 'env:TEST_ANTHROPIC_KEY',
    inputCostPerMillion: 3,
    outputCostPerMillion: 15,
  });
});
afterAll(async () => {
  await standIn.close();
});

const callFor = (over: Partial<ProviderTarget> = {}, signal = new AbortController().signal, key?: string): ProviderCall => ({
  target: { ...target, ...over },
  signal,
  secrets: secretResolver({ TEST_ANTHROPIC_KEY: key ?? standIn.apiKey }),
});

const ask = (prompt: string | Script, over: Partial<CanonicalRequest> = {}): CanonicalRequest => ({
  stream: true,
  messages: [{ role: 'user', content: [{ type: 'text', text: typeof prompt === 'string' ? prompt : directive(prompt) }] }],
  ...over,
});

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const chat = (request: CanonicalRequest, call = callFor()) => collect(provider.chat(request, call));
const text = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('');
const last = <T>(items: T[]) => items.at(-1)!;

describe('Anthropic adapter against the stand-in', () => {
  it('should stream text as canonical events: metadata, early usage, deltas, finish with usage', async () => {
    const events = await chat(ask('Hello there'));
    expect(events).toEqual([
      { type: 'response-metadata', id: expect.stringMatching(/^msg_01/), model: 'claude-sonnet-4-6' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 } },
      { type: 'text-delta', text: 'Echo:' },
      { type: 'text-delta', text: ' Hello' },
      { type: 'text-delta', text: ' there' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' }, usage: { inputTokens: 3, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 } },
    ]);
    const sent = last(standIn.requests);
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers).toMatchObject({ 'x-api-key': standIn.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', accept: 'text/event-stream' });
    expect(sent.body).toEqual({ model: 'claude-sonnet-4-6', max_tokens: 8192, stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }] });
  });

  it('should keep the upstream connection alive after a finished stream, even when the body ends after message_stop', async () => {
    // The end of the chunked body comes 30 ms after message_stop: the adapter is done before the body is, and must
    // read that end rather than destroy the body, which would close the connection.
    await chat(ask({ text: 'first', endDelayMs: 30 }));
    await new Promise((r) => setTimeout(r, 80));
    await chat(ask('second'));
    // The pool may pick any idle connection, but not a new one: the second request comes from a port seen before.
    const earlier = new Set(standIn.requests.slice(0, -1).map((r) => r.remotePort));
    expect(earlier).toContain(last(standIn.requests).remotePort);
  });

  it('should call the non-streaming endpoint when the client does not stream, with the same events in whole', async () => {
    const script: Script = { reasoning: 'Think first.', text: 'Done thinking.', usage: { outputTokens: 9 } };
    const thinking = { reasoning: { budgetTokens: 1024 } };
    const streamed = await chat(ask(script, thinking));
    const whole = await chat(ask(script, { ...thinking, stream: false }));
    expect(last(standIn.requests).body).toMatchObject({ stream: false });
    expect(last(standIn.requests).headers.accept).toBe('application/json');
    expect(whole.map((e) => e.type)).toEqual(['response-metadata', 'usage', 'reasoning-delta', 'reasoning-signature', 'text-delta', 'finish']);
    expect(text(whole)).toBe(text(streamed));
    const signature = (events: StreamEvent[]) => events.find((e) => e.type === 'reasoning-signature');
    expect(signature(whole)).toEqual(signature(streamed));
    expect(last(whole)).toEqual(last(streamed));
  });

  it('should honour the model\'s apiVersion and an apiBase ending in /v1', async () => {
    await chat(ask('hi'), callFor({ apiVersion: '2024-01-01', apiBase: `${standIn.url}/v1/` }));
    expect(last(standIn.requests).headers['anthropic-version']).toBe('2024-01-01');
    expect(last(standIn.requests).path).toBe('/v1/messages');
  });

  it('should stream parallel tool calls one after another, arguments in deltas, indexes counting tool calls only', async () => {
    const events = await chat(ask({
      text: 'Checking.',
      toolCalls: [
        { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
        { name: 'get_time', arguments: '' },
      ],
    }));
    const calls = events.filter((e) => e.type.startsWith('tool-call'));
    expect(calls).toEqual([
      { type: 'tool-call-start', index: 0, id: 'toolu_00standin', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris",' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"unit":"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'celsius"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'toolu_01standin', name: 'get_time' },
      // No arguments streamed: canonical arguments are still JSON.
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 1 },
    ]);
    expect(events.findIndex((e) => e.type === 'text-delta')).toBeLessThan(events.findIndex((e) => e.type === 'tool-call-start'));
    expect(last(events)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } });
  });

  it('should stream reasoning, then its signature, then the answer, with reasoning tokens in the usage', async () => {
    const events = await chat(ask({ reasoning: 'Let me think about it.', text: 'Answer.' }, { reasoning: { effort: 'low' } }));
    expect(events.map((e) => e.type)).toEqual([
      'response-metadata', 'usage', 'reasoning-delta', 'reasoning-delta', 'reasoning-delta', 'reasoning-delta', 'reasoning-delta', 'reasoning-signature', 'text-delta', 'finish',
    ]);
    expect(events.flatMap((e) => (e.type === 'reasoning-delta' ? [e.text] : [])).join('')).toBe('Let me think about it.');
    expect(last(events)).toMatchObject({ type: 'finish', usage: { reasoningTokens: 5, outputTokens: 6 } });
    expect(last(standIn.requests).body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' }, max_tokens: 2048 + 8192 });
  });

  // Opus 4.7 and later answer a thinking budget, or any temperature, top_p or top_k, with a 400; an OpenAI client's
  // reasoning effort and temperature reached them as exactly that.
  it('should serve an OpenAI-style request with an effort and sampling settings on a model that takes adaptive thinking only', async () => {
    const events = await chat(ask({ reasoning: 'Hmm.', text: 'Answer.' }, { reasoning: { effort: 'high' }, temperature: 0.3, topP: 0.9 }), callFor({ providerModel: 'claude-opus-4-7' }));
    expect(text(events)).toBe('Answer.');
    const sent = last(standIn.requests).body;
    expect(sent).toMatchObject({ model: 'claude-opus-4-7', thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
    expect(sent).not.toHaveProperty('temperature');
    expect(sent).not.toHaveProperty('top_p');
    // A client budget (an Anthropic client's, sent on through a translation) is an effort there too.
    expect(text(await chat(ask('Hi.', { reasoning: { budgetTokens: 10_000 }, temperature: 0.2 }), callFor({ providerModel: 'claude-fable-5' })))).not.toBe('');
    expect(last(standIn.requests).body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
  });

  // Manual thinking needs the last assistant turn that called tools to start with signed thinking, which an OpenAI
  // client's tool loop never sends back; adaptive thinking has no such rule, so the loop keeps thinking there.
  it('should keep thinking through an OpenAI-style tool loop where the model thinks adaptively, and drop it where it needs a budget', async () => {
    const loop = (over: Partial<CanonicalRequest>): CanonicalRequest => ({
      stream: true,
      reasoning: { effort: 'medium' },
      tools: [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: `Weather? ${directive({ text: 'Sunny.' })}` }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_01', name: 'get_weather', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_01', content: [{ type: 'text', text: 'sunny' }] }] },
      ],
      ...over,
    });
    expect(text(await chat(loop({}), callFor({ providerModel: 'claude-opus-4-7' })))).toBe('Sunny.');
    expect(last(standIn.requests).body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } });
    expect(text(await chat(loop({}), callFor({ providerModel: 'claude-sonnet-4-20250514' })))).toBe('Sunny.');
    expect(last(standIn.requests).body).not.toHaveProperty('thinking');
  });

  it('should count cache reads and writes into the input tokens and report them apart, the 1-hour writes too', async () => {
    const events = await chat(ask({ text: 'ok', usage: { inputTokens: 100, cacheReadTokens: 60, cacheWriteTokens: 30, cacheWrite1hTokens: 20, outputTokens: 7 } }));
    const sentInput = (events.find((e) => e.type === 'usage') as Extract<StreamEvent, { type: 'usage' }>).usage;
    expect(sentInput).toEqual({ inputTokens: 100, outputTokens: 1, cacheReadTokens: 60, cacheWriteTokens: 30, cacheWrite1hTokens: 20 });
    expect(last(events)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { inputTokens: 100, outputTokens: 7, cacheReadTokens: 60, cacheWriteTokens: 30, cacheWrite1hTokens: 20 },
    });
  });

  it('should map stop reasons: max_tokens, stop_sequence with the sequence, refusal', async () => {
    expect(last(await chat(ask({ text: 'a b c', truncated: true })))).toMatchObject({ finishReason: { unified: 'length', raw: 'max_tokens' } });
    const stopped = await chat(ask({ text: 'one two ### three' }, { stop: ['###'] }));
    expect(text(stopped)).toBe('one two ');
    expect(last(stopped)).toMatchObject({ finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: '###' } });
    expect(last(await chat(ask({ text: 'No.', fault: { kind: 'content-filter' } }), ))).toMatchObject({ finishReason: { unified: 'content-filter', raw: 'refusal' } });
    expect(last(await chat(ask({ text: 'No.', fault: { kind: 'content-filter' } }, { stream: false })))).toMatchObject({ finishReason: { unified: 'content-filter', raw: 'refusal' } });
  });

  it('should turn a 429 into a rate-limit error with the provider message and retry-after', async () => {
    for (const stream of [true, false]) {
      const events = await chat(ask({ fault: { kind: 'http', status: 429, retryAfter: '7', message: 'Number of requests has exceeded your rate limit' } }, { stream }));
      expect(events).toEqual([{
        type: 'error',
        error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', retryAfterSeconds: 7, message: 'anthropic: Number of requests has exceeded your rate limit', provider: 'anthropic' },
      }]);
    }
  });

  it('should recognise both of Anthropic\'s context-length 400s', async () => {
    for (const message of ['prompt is too long: 208310 tokens > 200000 maximum', 'input length and `max_tokens` exceed context limit: 197202 + 8192 > 200000, decrease input length or `max_tokens` and try again']) {
      const [event] = await chat(ask({ fault: { kind: 'http', status: 400, message } }));
      expect(event).toEqual({ type: 'error', error: { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded', message: `anthropic: ${message}`, provider: 'anthropic' } });
    }
  });

  it('should map 529 overloaded to 503, and a rejected gateway key to 502 (the client\'s key was fine)', async () => {
    expect((await chat(ask({ fault: { kind: 'http', status: 529 } })))[0]).toMatchObject({ error: { status: 503, type: 'overloaded_error', message: 'anthropic: Overloaded' } });
    expect((await chat(ask('hi'), callFor({}, undefined, 'sk-ant-wrong')))[0]).toMatchObject({ error: { status: 502, code: 'upstream_auth_failed', message: 'anthropic: invalid x-api-key' } });
  });

  it('should end with an error event when the stream carries an overloaded error midway', async () => {
    const events = await chat(ask({ text: 'a b c d e', fault: { kind: 'midstream', afterChunks: 2 } }));
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'usage', 'text-delta', 'text-delta', 'error']);
    expect(last(events)).toMatchObject({ error: { status: 503, type: 'overloaded_error', code: 'upstream_overloaded', provider: 'anthropic' } });
  });

  it('should end with an error event, never a finish, when the connection drops midway', async () => {
    const events = await chat(ask({ text: 'a b c d e', fault: { kind: 'drop', afterChunks: 3 } }));
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'usage', 'text-delta', 'text-delta', 'text-delta', 'error']);
    expect(last(events)).toMatchObject({ type: 'error', error: { status: 502, type: 'api_error', provider: 'anthropic' } });
    const whole = await chat(ask({ fault: { kind: 'drop', afterChunks: 0 } }, { stream: false }));
    expect(whole).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, type: 'api_error' }) }]);
  });

  it('should abort the upstream request as soon as the client goes away', async () => {
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    let abortedAt = 0;
    for await (const e of provider.chat(ask({ text: 'one two three four five six seven eight', chunkDelayMs: 100 }), callFor({}, controller.signal))) {
      seen.push(e);
      if (e.type === 'text-delta') {
        abortedAt = Date.now();
        controller.abort();
      }
    }
    // The stream ends quietly (the client is gone, nobody reads an error) and the provider sees its socket close.
    expect(seen.map((e) => e.type)).toEqual(['response-metadata', 'usage', 'text-delta']);
    expect(await last(standIn.requests).closed).toEqual({ completed: false });
    expect(Date.now() - abortedAt).toBeLessThan(100);
  });

  it('should abort a request the provider has not answered yet, and time one out after timeoutMs', async () => {
    const controller = new AbortController();
    const pending = collect(provider.chat(ask({ fault: { kind: 'hang' } }), callFor({}, controller.signal)));
    await expect.poll(() => (last(standIn.requests).body as { messages?: { content: { text: string }[] }[] })?.messages?.[0]?.content[0]?.text).toContain('hang');
    const request = last(standIn.requests);
    controller.abort();
    expect(await pending).toEqual([]);
    expect(await request.closed).toEqual({ completed: false });

    const timedOut = await chat(ask({ fault: { kind: 'hang' } }), callFor({ timeoutMs: 200 }));
    expect(timedOut).toEqual([{ type: 'error', error: expect.objectContaining({ status: 504, type: 'timeout_error', code: 'upstream_timeout' }) }]);
  });

  it('should report a missing credential as an error event naming the reference', async () => {
    const events = await chat(ask('hi'), { ...callFor(), secrets: secretResolver({}) });
    expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 500, code: 'provider_credential_missing', provider: 'anthropic', message: expect.stringContaining('env:TEST_ANTHROPIC_KEY') }) }]);
  });

  it("should count tokens with count_tokens on the client's body, leaving out the fields only generation takes", async () => {
    const body = {
      model: 'claude-public-name',
      max_tokens: 50,
      temperature: 0.5,
      stream: true,
      system: 'Be brief.',
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'Hello there' }],
    };
    expect(await provider.forward!.countTokens!(body, callFor())).toBe(5);
    const sent = last(standIn.requests);
    expect(sent.path).toBe('/v1/messages/count_tokens');
    expect(sent.body).toEqual({ model: callFor().target.providerModel, system: 'Be brief.', tools: body.tools, messages: body.messages });
    await expect(provider.forward!.countTokens!(body, callFor({}, undefined, 'wrong'))).rejects.toMatchObject({ status: 502, code: 'upstream_auth_failed' });
  });

  it('should send a multi-turn tool conversation with thinking that Anthropic accepts', async () => {
    const messages: Message[] = [
      { role: 'system', content: [{ type: 'text', text: 'Use tools.', cacheControl: { type: 'ephemeral' } }] },
      { role: 'user', content: [{ type: 'text', text: directive({ text: 'It is sunny in Paris.' }) }] },
      {
        role: 'assistant',
        content: [
          // Signed by the stand-in, which refuses thinking it did not sign.
          { type: 'reasoning', text: 'I need the weather.', signature: thinkingSignature('I need the weather.') },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'toolu_00standin', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'toolu_01standin', name: 'get_weather', arguments: '{"city":"Lyon"}' },
        ],
      },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_00standin', content: [{ type: 'text', text: 'sunny' }] }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_01standin', content: [{ type: 'text', text: 'rain' }] }] },
    ];
    const events = await chat({ stream: true, messages, reasoning: { budgetTokens: 2000 }, tools: [{ name: 'get_weather', parameters: { type: 'object' } }] });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(text(events)).toBe('It is sunny in Paris.');
    expect((last(standIn.requests).body as { messages: unknown[] }).messages).toHaveLength(3);
  });
});

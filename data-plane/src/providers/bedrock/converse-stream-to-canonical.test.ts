import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../canonical/events.js';
import { secretResolver } from '../../upstream/secrets.js';
import { defineProvider } from '../define-provider.js';
import { converseStreamEvents } from './converse-stream-to-canonical.js';
import { encodeEventStreamMessage, eventHeaders, exceptionHeaders } from './event-stream.js';

const event = (type: string, payload: unknown): Buffer => encodeEventStreamMessage(eventHeaders(type), JSON.stringify(payload));
const exception = (type: string, payload: unknown): Buffer => encodeEventStreamMessage(exceptionHeaders(type), JSON.stringify(payload));
const delta = (index: number, d: unknown): Buffer => event('contentBlockDelta', { contentBlockIndex: index, delta: d, p: 'abcdef' });
const toolStart = (index: number, id: string, name: string): Buffer => event('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: id, name } } });
const stop = (index: number): Buffer => event('contentBlockStop', { contentBlockIndex: index });
const messageStop = (stopReason: string, extra: object = {}): Buffer => event('messageStop', { stopReason, ...extra });
const metadata = (usage: object): Buffer => event('metadata', { usage, metrics: { latencyMs: 10 } });

async function map(...frames: Buffer[]): Promise<StreamEvent[]> {
  async function* body(): AsyncGenerator<Uint8Array> {
    yield Buffer.concat(frames);
  }
  const out: StreamEvent[] = [];
  for await (const e of converseStreamEvents(body())) out.push(e);
  return out;
}

describe('ConverseStream → canonical events', () => {
  it('should hold back a tool call whose block starts while another is open, so calls come one after another', async () => {
    const events = await map(
      event('messageStart', { role: 'assistant' }),
      toolStart(1, 'tu_a', 'a'),
      toolStart(2, 'tu_b', 'b'),
      delta(2, { toolUse: { input: '{"b":' } }),
      delta(1, { toolUse: { input: '{"a":1}' } }),
      delta(2, { toolUse: { input: '2}' } }),
      stop(2),
      stop(1),
      messageStop('tool_use'),
      metadata({ inputTokens: 10, outputTokens: 5, totalTokens: 15 }),
    );
    expect(events).toEqual([
      { type: 'tool-call-start', index: 0, id: 'tu_a', name: 'a' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":1}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'tu_b', name: 'b' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"b":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '2}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' }, usage: { inputTokens: 10, outputTokens: 5 } },
    ]);
  });

  it('should close tool calls whose block never stopped when the message stops', async () => {
    const events = await map(toolStart(0, 'tu', 't'), delta(0, { toolUse: { input: '{}' } }), messageStop('tool_use'), metadata({ inputTokens: 1, outputTokens: 1 }));
    expect(events.map((e) => e.type)).toEqual(['tool-call-start', 'tool-call-delta', 'tool-call-end', 'finish']);
  });

  it('should map reasoning text, signature and redacted reasoning', async () => {
    const events = await map(
      delta(0, { reasoningContent: { text: 'hmm' } }),
      delta(0, { reasoningContent: { signature: 'c2ln' } }),
      stop(0),
      delta(1, { reasoningContent: { redactedContent: 'cmVkYWN0ZWQ=' } }),
      stop(1),
      delta(2, { text: 'Hi' }),
      messageStop('end_turn'),
      metadata({ inputTokens: 3, outputTokens: 2 }),
    );
    expect(events.slice(0, 4)).toEqual([
      { type: 'reasoning-delta', text: 'hmm' },
      { type: 'reasoning-signature', signature: 'c2ln' },
      { type: 'reasoning-redacted', data: 'cmVkYWN0ZWQ=' },
      { type: 'text-delta', text: 'Hi' },
    ]);
  });

  it('should map every stop reason, and pass on the stop sequence Anthropic models report', async () => {
    const cases = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['tool_use', 'tool-calls'],
      ['guardrail_intervened', 'content-filter'],
      ['content_filtered', 'content-filter'],
      ['something_new', 'other'],
    ] as const;
    for (const [raw, unified] of cases) {
      const events = await map(delta(0, { text: 'x' }), messageStop(raw), metadata({ inputTokens: 1, outputTokens: 1 }));
      expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified, raw } });
    }
    const withSequence = await map(delta(0, { text: 'x' }), messageStop('stop_sequence', { additionalModelResponseFields: { stop_sequence: 'END' } }), metadata({}));
    expect(withSequence.at(-1)).toMatchObject({ finishReason: { unified: 'stop', raw: 'stop_sequence', stopSequence: 'END' }, usage: { inputTokens: undefined, outputTokens: undefined } });
  });

  it('should end with a 502 naming the failure, never a finish, when the model stopped with malformed output or a malformed tool call', async () => {
    const cases = [
      ['malformed_model_output', 'bedrock: the model produced malformed output (stopReason malformed_model_output)'],
      ['malformed_tool_use', 'bedrock: the model produced a malformed tool call (stopReason malformed_tool_use)'],
    ] as const;
    for (const [raw, message] of cases) {
      const events = await map(delta(0, { text: 'Let me' }), toolStart(1, 'tu', 'get_weather'), delta(1, { toolUse: { input: '{"city":' } }), messageStop(raw), metadata({ inputTokens: 12, outputTokens: 7 }));
      expect(events.slice(-2)).toEqual([
        // What Bedrock reported the model used, so the tokens of the failed answer are billed as counted.
        { type: 'usage', usage: { inputTokens: 12, outputTokens: 7 } },
        { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message, provider: 'bedrock', billed: true } },
      ]);
      expect(events.some((e) => e.type === 'finish')).toBe(false);
      // Before any output too, and without metadata: the error alone.
      expect(await map(messageStop(raw))).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, message }) }]);
    }
  });

  it('should finish without usage when the body ends after messageStop without metadata, and not finish at all before messageStop', async () => {
    expect((await map(delta(0, { text: 'x' }), messageStop('end_turn'))).at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { inputTokens: undefined, outputTokens: undefined },
    });
    expect((await map(delta(0, { text: 'x' }))).map((e) => e.type)).toEqual(['text-delta']);
  });

  it('should never finish silently: a body cut before messageStop becomes an error event through defineProvider', async () => {
    const provider = defineProvider({
      kind: 'bedrock',
      translateRequest: () => null,
      call: () =>
        converseStreamEvents(
          (async function* () {
            yield Buffer.concat([event('messageStart', { role: 'assistant' }), delta(0, { text: 'partial' })]);
          })(),
        ),
    });
    const target = ModelConfig.parse({ id: 'b', name: 'b', provider: 'bedrock', providerModel: 'm', inputCostPerMillion: 0, outputCostPerMillion: 0 });
    const out: StreamEvent[] = [];
    for await (const e of provider.chat({ stream: true, messages: [] }, { target, secrets: secretResolver({}), signal: new AbortController().signal })) out.push(e);
    expect(out.map((e) => e.type)).toEqual(['text-delta', 'error']);
  });

  it('should turn in-stream exceptions into canonical errors by type', async () => {
    const cases = [
      ['throttlingException', { message: 'Too many tokens, please wait before trying again.' }, { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' }],
      ['validationException', { message: 'Input is too long for requested model.' }, { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' }],
      ['validationException', { message: 'messages.1.content: bad' }, { status: 400, type: 'invalid_request_error', code: null }],
      ['serviceUnavailableException', { message: 'busy' }, { status: 503, type: 'overloaded_error' }],
      ['internalServerException', { message: 'oops' }, { status: 502, type: 'api_error', code: 'upstream_error' }],
      ['modelStreamErrorException', { message: 'x', originalStatusCode: 400, originalMessage: 'model failed' }, { status: 502, code: 'upstream_error', message: 'bedrock: ModelStreamErrorException: x (model said: model failed)' }],
      ['someFutureException', { message: '?' }, { status: 502, type: 'api_error' }],
    ] as const;
    for (const [type, payload, expected] of cases) {
      const events = await map(delta(0, { text: 'a' }), exception(type, payload), delta(0, { text: 'never' }));
      expect(events.map((e) => e.type)).toEqual(['text-delta', 'error']);
      expect(events[1]).toMatchObject({ type: 'error', error: { ...expected, provider: 'bedrock' } });
    }
  });

  it('should turn an error message (":message-type" error) into an error event', async () => {
    const frame = encodeEventStreamMessage(
      { ':message-type': { type: 'string', value: 'error' }, ':error-code': { type: 'string', value: 'InternalFailure' }, ':error-message': { type: 'string', value: 'failed' } },
      '',
    );
    expect(await map(frame)).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, message: 'bedrock: InternalFailure: failed' }) }]);
  });

  it('should make an event that fails its schema an error event, and skip event types it does not know', async () => {
    const events = await map(event('someNewEvent', { x: 1 }), delta(0, { text: 'ok' }), event('contentBlockDelta', { contentBlockIndex: 'zero', delta: {} }));
    expect(events[0]).toEqual({ type: 'text-delta', text: 'ok' });
    expect(events[1]).toMatchObject({ type: 'error', error: { status: 502, code: 'upstream_error', message: expect.stringContaining('contentBlockDelta event does not match') } });
    const notJson = encodeEventStreamMessage(eventHeaders('messageStop'), '{oops');
    expect(await map(notJson)).toEqual([{ type: 'error', error: expect.objectContaining({ message: expect.stringContaining('not JSON') }) }]);
    expect(await map(delta(5, { toolUse: { input: '{}' } }))).toEqual([{ type: 'error', error: expect.objectContaining({ message: expect.stringContaining('did not start as a tool use') }) }]);
  });

  it('should report a corrupted frame as an event-stream error', async () => {
    const bad = Buffer.from(delta(0, { text: 'x' }));
    bad[20]! ^= 0xff;
    await expect(map(bad)).rejects.toThrow(/checksum mismatch/);
  });
});

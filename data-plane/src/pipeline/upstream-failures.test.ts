import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../test-support/fixtures.js';
import { startRawUpstream, streamParts, type RawHandler, type RawUpstream } from '../test-support/raw-upstream.js';

/**
 * What the official SDKs make of an upstream's failure, on every path a request takes (forwarded as is, or translated
 * between protocols): the parameter an OpenAI-style provider blamed, and the words for a stream the upstream cut off.
 */
const KEY_ENV = 'TG_TEST_UPSTREAM_FAILURES_KEY';

const chatChunk = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up-model', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
/** An OpenAI chat stream that begins its answer; the upstream then drops the connection. */
const CHAT_CUT = [chatChunk({ role: 'assistant', content: '' }), chatChunk({ content: 'The answer is' })];

const anthropicEvent = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
/** The same from Anthropic. */
const ANTHROPIC_CUT = [
  anthropicEvent('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-up', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
  anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'The answer is' } }),
];

const INVALID_TEMPERATURE = {
  error: { message: "Invalid value for 'temperature': this model only supports the default (1) value.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' },
};

describe('upstream failures as the SDKs see them', () => {
  let upstream: RawUpstream;
  let handler: RawHandler;
  let t: TestDataPlane;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    process.env[KEY_ENV] = 'sk-upstream';
    upstream = await startRawUpstream((req, body, res) => handler(req, body, res));
    const snapshot = fixtureSnapshot();
    snapshot.models.push(
      model({ id: 'c1', name: 'compat', provider: 'openai_compatible', providerModel: 'up-model', apiBase: `${upstream.origin}/v1` }),
      model({ id: 'z1', name: 'azure-gpt', provider: 'azure', providerModel: 'gpt-up', apiBase: upstream.origin, apiVersion: '2024-10-21', apiKeyRef: `env:${KEY_ENV}` }),
      model({ id: 'a1', name: 'claude', provider: 'anthropic', providerModel: 'claude-up', apiBase: upstream.origin, apiKeyRef: `env:${KEY_ENV}` }),
    );
    t = await startTestDataPlane({ snapshot });
    openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
    delete process.env[KEY_ENV];
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  const rejectWith = (status: number, body: unknown): RawHandler => (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const caught = <E>(promise: Promise<unknown>) => promise.then(() => expect.unreachable('the call should fail'), (e: unknown) => e as E);
  type OpenAiError = InstanceType<typeof OpenAI.APIError>;
  type AnthropicError = InstanceType<typeof Anthropic.APIError>;

  describe("the provider's param", () => {
    beforeEach(() => {
      handler = rejectWith(400, INVALID_TEMPERATURE);
    });

    it('reaches the OpenAI SDK on a forwarded chat request, streamed or not', async () => {
      for (const stream of [false, true]) {
        const err = await caught<OpenAiError>(openai.chat.completions.create({ model: 'compat', stream, temperature: 1, messages: [{ role: 'user', content: 'hi' }] }));
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        expect(err).toMatchObject({ param: 'temperature', code: 'invalid_value' });
        expect(err.message).toContain("Invalid value for 'temperature'");
      }
      expect(upstream.received).toHaveLength(2);
    });

    it('reaches the OpenAI SDK from an Azure deployment', async () => {
      const err = await caught<OpenAiError>(openai.chat.completions.create({ model: 'azure-gpt', temperature: 1, messages: [{ role: 'user', content: 'hi' }] }));
      expect(err).toMatchObject({ status: 400, param: 'temperature', code: 'invalid_value' });
    });

    it('reaches the OpenAI SDK on a Responses request translated to chat completions', async () => {
      const err = await caught<OpenAiError>(openai.responses.create({ model: 'compat', temperature: 1, input: 'hi' }));
      expect(err).toMatchObject({ status: 400, param: 'temperature', code: 'invalid_value' });
      expect(upstream.received[0]!.url).toBe('/v1/chat/completions');
    });
  });

  describe('a stream the upstream cuts off after the answer began', () => {
    /** The SDK's error for a stream, and the text that reached the client before it. */
    async function readOpenAi(stream: AsyncIterable<unknown>, text: (event: unknown) => string): Promise<{ err: OpenAiError; text: string }> {
      let got = '';
      try {
        for await (const event of stream) got += text(event);
      } catch (e) {
        return { err: e as OpenAiError, text: got };
      }
      return expect.unreachable('the stream should fail');
    }
    const chatText = (chunk: unknown) => (chunk as OpenAI.ChatCompletionChunk).choices[0]?.delta.content ?? '';

    it('is a connection that closed, not an unreachable provider, on a forwarded chat stream', async () => {
      handler = streamParts(CHAT_CUT, { end: false });
      const { err, text } = await readOpenAi(await openai.chat.completions.create({ model: 'compat', stream: true, messages: [{ role: 'user', content: 'hi' }] }), chatText);
      expect(text).toBe('The answer is');
      expect(err.message).toMatch(/^openai_compatible: the connection closed before the response finished/);
      expect(err.message).not.toContain('could not reach');
    });

    it('says the same on a Responses stream translated to chat completions', async () => {
      handler = streamParts(CHAT_CUT, { end: false });
      const stream = await openai.responses.create({ model: 'compat', stream: true, input: 'hi' });
      const { err, text } = await readOpenAi(stream, (e) => ((e as { type: string }).type === 'response.output_text.delta' ? (e as { delta: string }).delta : ''));
      expect(text).toBe('The answer is');
      expect(err.message).toMatch(/^openai_compatible: the connection closed before the response finished/);
    });

    it('says the same from an Anthropic upstream, on a chat stream translated from Anthropic', async () => {
      handler = streamParts(ANTHROPIC_CUT, { end: false });
      const { err, text } = await readOpenAi(await openai.chat.completions.create({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'hi' }] }), chatText);
      expect(text).toBe('The answer is');
      expect(err).toMatchObject({ code: 'upstream_error' });
      expect(err.message).toMatch(/^anthropic: the connection closed before the response finished/);
    });

    it('says the same to the Anthropic SDK, forwarded from Anthropic or translated from chat completions', async () => {
      for (const [name, cut, provider] of [['claude', ANTHROPIC_CUT, 'anthropic'], ['compat', CHAT_CUT, 'openai_compatible']] as const) {
        handler = streamParts(cut, { end: false });
        const stream = anthropic.messages.stream({ model: name, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
        let text = '';
        stream.on('text', (delta) => (text += delta));
        const err = await caught<AnthropicError>(stream.finalMessage());
        expect(text, name).toBe('The answer is');
        expect(err, name).toBeInstanceOf(Anthropic.APIError);
        expect(err.error, name).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringMatching(new RegExp(`^${provider}: the connection closed before the response finished`)) } });
      }
    });

    it("carries the gateway's request id in the Anthropic error event the gateway writes itself, translated or forwarded", async () => {
      for (const [name, cut] of [['compat', CHAT_CUT], ['claude', ANTHROPIC_CUT]] as const) {
        handler = streamParts(cut, { end: false });
        const stream = anthropic.messages.stream({ model: name, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
        const err = await caught<AnthropicError>(stream.finalMessage());
        const requestId = (await stream.withResponse()).response.headers.get('x-request-id');
        expect(requestId, name).toBeTruthy();
        expect(err.error, name).toMatchObject({ request_id: requestId });
      }
    });
  });
});

import { ModelConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive, type Script } from '../../../../test/stand-ins/script.js';
import { GEMINI_STAND_IN_API_KEY, startGeminiStandIn, type GeminiStandIn } from '../../../../test/stand-ins/gemini/server.js';
import type { CanonicalRequest } from '../../canonical/request.js';
import { secretResolver } from '../../upstream/secrets.js';
import type { ProviderTarget, StreamEvent } from '../types.js';
import { geminiProvider } from './index.js';

/** The adapter end to end against the Gemini stand-in, which speaks Gemini's REST wire format. */
describe('gemini provider against the Gemini stand-in', () => {
  let standIn: GeminiStandIn;
  const provider = geminiProvider();
  const secrets = secretResolver({ GEMINI_TEST_KEY: GEMINI_STAND_IN_API_KEY, WRONG_KEY: 'nope' });
  let target: ProviderTarget;

  beforeAll(async () => {
    standIn = await startGeminiStandIn();
    target = ModelConfig.parse({
      id: 'g',
      name: 'gemini',
      provider: 'gemini',
      providerModel: 'gemini-2.5-flash',
      apiBase: standIn.url,
      apiKeyRef: 'env:GEMINI_TEST_KEY',
      inputCostPerMillion: 1,
      outputCostPerMillion: 2,
    });
  });
  afterAll(async () => {
    await standIn.close();
  });

  const request = (text: string, extra: Partial<CanonicalRequest> = {}): CanonicalRequest => ({ stream: true, messages: [{ role: 'user', content: [{ type: 'text', text }] }], ...extra });
  const scripted = (script: Script, extra: Partial<CanonicalRequest> = {}) => request(directive(script), extra);

  async function run(req: CanonicalRequest, options: { target?: ProviderTarget; signal?: AbortSignal } = {}): Promise<StreamEvent[]> {
    const events: StreamEvent[] = [];
    for await (const e of provider.chat(req, { target: options.target ?? target, secrets, signal: options.signal ?? new AbortController().signal })) events.push(e);
    return events;
  }
  const types = (events: StreamEvent[]) => events.map((e) => e.type);
  const text = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('');
  const last = (events: StreamEvent[]) => events.at(-1)!;

  describe('requests', () => {
    it('should stream from :streamGenerateContent?alt=sse with the key in x-goog-api-key', async () => {
      await run(request('hi'));
      const sent = standIn.requests.at(-1)!;
      expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
      expect(sent.query.get('alt')).toBe('sse');
      expect(sent.headers['x-goog-api-key']).toBe(GEMINI_STAND_IN_API_KEY);
      expect(sent.query.get('key')).toBeNull();
      expect(sent.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    });

    it("should send an Anthropic client's thinking budget of 31999 to Gemini 2.5 Flash as its maximum, 24576, and get an answer", async () => {
      // What the Anthropic surface makes of Claude Code's `thinking: { type: 'enabled', budget_tokens: 31999 }`.
      const events = await run(scripted({ reasoning: 'plan', text: 'done' }, { reasoning: { budgetTokens: 31999 } }));
      expect(standIn.requests.at(-1)!.body.generationConfig).toEqual({ thinkingConfig: { includeThoughts: true, thinkingBudget: 24576 } });
      expect(text(events)).toBe('done');
      expect(last(events)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' } });
    });

    it('should call :generateContent for a non-streaming request, honouring apiVersion and a models/ prefix', async () => {
      await run(request('hi', { stream: false }), { target: { ...target, apiVersion: 'v1', providerModel: 'models/gemini-2.5-pro', apiBase: `${standIn.url}/` } });
      expect(standIn.requests.at(-1)!.path).toBe('/v1/models/gemini-2.5-pro:generateContent');
    });
  });

  describe('streamed answers', () => {
    it('should stream text deltas, then finish with the usage of the last record', async () => {
      const events = await run(scripted({ text: 'Hello there world', usage: { inputTokens: 11 } }));
      expect(events[0]).toEqual({ type: 'response-metadata', id: expect.any(String), model: 'gemini-2.5-flash' });
      expect(events.filter((e) => e.type === 'text-delta')).toEqual([
        { type: 'text-delta', text: 'Hello' },
        { type: 'text-delta', text: ' there' },
        { type: 'text-delta', text: ' world' },
      ]);
      expect(last(events)).toEqual({
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'STOP' },
        usage: { inputTokens: 11, outputTokens: 3, cacheReadTokens: 0, reasoningTokens: 0 },
      });
    });

    it('should emit thoughts as reasoning deltas before the answer, with the thought signature and reasoning tokens', async () => {
      const events = await run(scripted({ reasoning: 'Count the letters', text: 'Three' }, { reasoning: { effort: 'low' } }));
      expect(standIn.requests.at(-1)!.body.generationConfig).toEqual({ thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } });
      expect(types(events)).toEqual(['response-metadata', 'usage', 'reasoning-delta', 'reasoning-delta', 'reasoning-delta', 'reasoning-signature', 'text-delta', 'finish']);
      expect(events.flatMap((e) => (e.type === 'reasoning-delta' ? [e.text] : [])).join('')).toBe('Count the letters');
      expect(last(events)).toMatchObject({ usage: { outputTokens: 4, reasoningTokens: 3 } });
    });

    it('should report cached prompt tokens as cache reads within the input', async () => {
      const events = await run(scripted({ text: 'ok', usage: { inputTokens: 1000, cacheReadTokens: 800, outputTokens: 9, reasoningTokens: 4 } }));
      expect(last(events)).toMatchObject({ usage: { inputTokens: 1000, cacheReadTokens: 800, outputTokens: 9, reasoningTokens: 4 } });
    });

    it('should emit two parallel function calls one after another, each whole, and finish with tool-calls', async () => {
      const events = await run(
        scripted(
          {
            toolCalls: [
              { name: 'get_weather', arguments: '{"city":"Paris"}' },
              { name: 'get_weather', arguments: '{"city":"Rome"}' },
            ],
          },
          { tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] },
        ),
      );
      const start = events.filter((e) => e.type === 'tool-call-start');
      expect(types(events)).toEqual(['response-metadata', 'tool-call-start', 'tool-call-delta', 'tool-call-end', 'tool-call-start', 'tool-call-delta', 'tool-call-end', 'finish']);
      expect(start).toEqual([
        { type: 'tool-call-start', index: 0, id: expect.stringMatching(/^call_0_/), name: 'get_weather' },
        { type: 'tool-call-start', index: 1, id: expect.stringMatching(/^call_1_/), name: 'get_weather' },
      ]);
      expect(events.filter((e) => e.type === 'tool-call-delta')).toEqual([
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":"Rome"}' },
      ]);
      expect(last(events)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'STOP' } });
    });

    it("should keep Gemini's own function call id when it sends one", async () => {
      const events = await run(scripted({ toolCalls: [{ name: 'f', arguments: '{}', id: 'gemini-id-1' }] }));
      expect(events.find((e) => e.type === 'tool-call-start')).toMatchObject({ id: 'gemini-id-1' });
    });

    it("should send Gemini 3's call id back on the next turn, on the call and on its result, and get the answer", async () => {
      const gemini3 = { ...target, providerModel: 'gemini-3-flash-preview' };
      const tools = [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
      const first = await run(scripted({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'fc-7' }] }, { tools }), { target: gemini3 });
      const call = first.find((e) => e.type === 'tool-call-start')!;
      expect(call).toMatchObject({ id: 'fc-7' });

      const events = await run({
        stream: true,
        tools,
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'fc-7', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'fc-7', content: [{ type: 'text', text: 'sunny' }] }] },
          { role: 'user', content: [{ type: 'text', text: directive({ text: 'Sunny in Paris.' }) }] },
        ],
      }, { target: gemini3 });
      const contents = standIn.requests.at(-1)!.body.contents;
      // (With Gemini 3's stand-in for the signature a call replayed without one needs.)
      expect(contents[1].parts).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'Paris' }, id: 'fc-7' }, thoughtSignature: expect.any(String) }]);
      expect(contents[2].parts[0]).toEqual({ functionResponse: { name: 'get_weather', response: { output: 'sunny' }, id: 'fc-7' } });
      expect(text(events)).toBe('Sunny in Paris.');
    });

    it('should give calls from different responses different ids', async () => {
      const ids = async () => (await run(scripted({ toolCalls: [{ name: 'f', arguments: '{}' }] }))).flatMap((e) => (e.type === 'tool-call-start' ? [e.id] : []));
      const [first] = await ids();
      const [second] = await ids();
      expect(first).not.toBe(second);
    });

    it('should map MAX_TOKENS to length', async () => {
      expect(last(await run(scripted({ text: 'cut', truncated: true })))).toMatchObject({ finishReason: { unified: 'length', raw: 'MAX_TOKENS' } });
    });
  });

  describe('non-streamed answers', () => {
    it('should produce the same events from one generateContent response', async () => {
      const events = await run(scripted({ reasoning: 'think', text: 'a b', toolCalls: [{ name: 'f', arguments: '{"x":1}' }] }, { stream: false, reasoning: { budgetTokens: 100 } }));
      expect(types(events)).toEqual(['response-metadata', 'reasoning-delta', 'text-delta', 'reasoning-signature', 'tool-call-start', 'tool-call-delta', 'tool-call-end', 'finish']);
      expect(events.filter((e) => e.type === 'reasoning-delta')).toEqual([{ type: 'reasoning-delta', text: 'think' }]);
      expect(text(events)).toBe('a b');
      expect(events.filter((e) => e.type === 'tool-call-delta')).toEqual([{ type: 'tool-call-delta', index: 0, argumentsDelta: '{"x":1}' }]);
      expect(last(events)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'STOP' }, usage: { reasoningTokens: 1 } });
    });
  });

  describe('safety', () => {
    it('should turn a blocked prompt into a content_policy_violation error before any output', async () => {
      for (const stream of [true, false]) {
        const events = await run(scripted({ fault: { kind: 'content-filter' }, usage: { inputTokens: 42 } }, { stream }));
        expect(events).toEqual([
          // Gemini read the prompt before blocking it, and says so.
          { type: 'usage', usage: { inputTokens: 42, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 } },
          { type: 'error', error: expect.objectContaining({ status: 400, type: 'invalid_request_error', code: 'content_policy_violation', provider: 'gemini', billed: true, message: expect.stringContaining('blockReason SAFETY') }) },
        ]);
      }
    });

    it('should finish a withheld non-streamed answer (finishReason SAFETY, no content) with content-filter and the usage Gemini bills', async () => {
      const events = await run(scripted({ text: 'never shown', fault: { kind: 'content-filter' }, usage: { inputTokens: 42 } }, { stream: false }));
      expect(events).toEqual([
        { type: 'response-metadata', id: expect.any(String), model: 'gemini-2.5-flash' },
        { type: 'finish', finishReason: { unified: 'content-filter', raw: 'SAFETY' }, usage: { inputTokens: 42, outputTokens: 2, cacheReadTokens: 0, reasoningTokens: 0 } },
      ]);
    });

    it('should finish with content-filter when the filter stops a stream after output started', async () => {
      const events = await run(scripted({ text: 'partial answer', fault: { kind: 'content-filter' } }));
      expect(text(events)).toBe('partial answer');
      expect(last(events)).toMatchObject({ type: 'finish', finishReason: { unified: 'content-filter', raw: 'SAFETY' } });
    });
  });

  describe('failed function calling', () => {
    const malformed = { toolCalls: [{ name: 'get_weather', arguments: '{"city": ' }], usage: { inputTokens: 40 } };

    it('should turn MALFORMED_FUNCTION_CALL into a 502 malformed_model_output saying what it means and quoting finishMessage, after the usage, streamed and not', async () => {
      for (const stream of [true, false]) {
        const events = await run(scripted(malformed, { stream }));
        expect(events).toEqual([
          { type: 'usage', usage: expect.objectContaining({ inputTokens: 40 }) },
          {
            type: 'error',
            error: {
              status: 502,
              type: 'api_error',
              code: 'malformed_model_output',
              provider: 'gemini',
              billed: true,
              message:
                'gemini: Gemini ended the response with finishReason MALFORMED_FUNCTION_CALL (the function call generated by the model is invalid): Malformed function call: get_weather({"city": )',
            },
          },
        ]);
      }
    });

    it('should end a stream whose text came before a malformed call with an error, not a stop', async () => {
      const events = await run(scripted({ ...malformed, text: 'Let me check.' }));
      expect(text(events)).toBe('Let me check.');
      expect(types(events).slice(-2)).toEqual(['usage', 'error']);
      expect(events.some((e) => e.type === 'finish')).toBe(false);
    });
  });

  describe('failures', () => {
    it('should pass a 429 on with the retry delay from RetryInfo as retry-after', async () => {
      const events = await run(scripted({ fault: { kind: 'http', status: 429, retryAfter: '7.2' } }));
      expect(events).toEqual([
        {
          type: 'error',
          error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', retryAfterSeconds: 8, provider: 'gemini', message: expect.stringContaining('RESOURCE_EXHAUSTED') },
        },
      ]);
    });

    it('should recognise "input token count exceeds" as context_length_exceeded', async () => {
      const message = 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).';
      const events = await run(scripted({ fault: { kind: 'http', status: 400, message } }));
      expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 400, code: 'context_length_exceeded' }) }]);
    });

    it("should blame the gateway's credential, not the client, for Gemini's 400 API_KEY_INVALID", async () => {
      const events = await run(request('hi'), { target: { ...target, apiKeyRef: 'env:WRONG_KEY' } });
      expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 502, code: 'upstream_auth_failed' }) }]);
    });

    it('should say which credential reference is missing', async () => {
      const events = await run(request('hi'), { target: { ...target, apiKeyRef: 'env:NOT_SET_ANYWHERE' } });
      expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'provider_credential_missing' }) }]);
    });

    it('should end a stream that fails mid-way with an error event, never a finish', async () => {
      const events = await run(scripted({ text: 'a b c d', fault: { kind: 'midstream', afterChunks: 2, message: 'backend went away' } }));
      // The prompt's count came with the first record: the cut stream bills it, not an estimate.
      expect(types(events)).toEqual(['response-metadata', 'usage', 'text-delta', 'text-delta', 'error']);
      expect(events.find((e) => e.type === 'usage')).toMatchObject({ usage: { inputTokens: expect.any(Number) } });
      expect(last(events)).toMatchObject({ error: { status: 502, type: 'api_error', message: expect.stringContaining('backend went away') } });
    });

    it('should end a stream whose connection drops with an error event, never a finish', async () => {
      const events = await run(scripted({ text: 'a b c d', fault: { kind: 'drop', afterChunks: 1 } }));
      expect(types(events)).toEqual(['response-metadata', 'usage', 'text-delta', 'error']);
      expect(last(events)).toMatchObject({ error: { status: 502 } });
    });

    it('should time out waiting for response headers after the deployment timeout', async () => {
      const events = await run(scripted({ fault: { kind: 'hang' } }), { target: { ...target, timeoutMs: 150 } });
      expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ status: 504, code: 'upstream_timeout' }) }]);
    });
  });

  describe('client aborts', () => {
    it('should abort the upstream request at once while waiting for Gemini to answer', async () => {
      const controller = new AbortController();
      const seen = standIn.requests.length;
      const done = run(scripted({ fault: { kind: 'hang' } }), { signal: controller.signal });
      await expect.poll(() => standIn.requests.length).toBe(seen + 1);
      const started = Date.now();
      controller.abort();
      expect(await done).toEqual([]);
      await standIn.requests.at(-1)!.closed;
      expect(Date.now() - started).toBeLessThan(500);
    });

    it('should close the upstream stream at once when the client aborts mid-stream', async () => {
      const controller = new AbortController();
      const events: StreamEvent[] = [];
      const started = Date.now();
      for await (const e of provider.chat(scripted({ text: 'one two three four five six', chunkDelayMs: 2_000 }), { target, secrets, signal: controller.signal })) {
        events.push(e);
        if (e.type === 'text-delta') controller.abort();
      }
      expect(types(events)).toEqual(['response-metadata', 'usage', 'text-delta']);
      await standIn.requests.at(-1)!.closed;
      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it('should close the upstream stream when the consumer stops reading', async () => {
      const iterator = provider.chat(scripted({ text: 'one two three', chunkDelayMs: 2_000 }), { target, secrets, signal: new AbortController().signal })[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toMatchObject({ type: 'response-metadata' });
      await iterator.return?.();
      await standIn.requests.at(-1)!.closed;
    });
  });

  describe('token counting', () => {
    it('should count the prompt with :countTokens, system instruction and tools included', async () => {
      const req: CanonicalRequest = { stream: false, messages: [{ role: 'system', content: [{ type: 'text', text: 'sys prompt' }] }, { role: 'user', content: [{ type: 'text', text: 'count these characters' }] }], tools: [{ name: 'f', parameters: { type: 'object' } }] };
      // ceil(("sys prompt" + "count these characters").length / 4) = ceil(32 / 4)
      expect(await provider.countTokens!(req, { target, secrets, signal: new AbortController().signal })).toBe(8);
      const sent = standIn.requests.at(-1)!;
      expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
      expect(sent.body).toEqual({
        generateContentRequest: {
          model: 'models/gemini-2.5-flash',
          contents: [{ role: 'user', parts: [{ text: 'count these characters' }] }],
          systemInstruction: { parts: [{ text: 'sys prompt' }] },
          tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: { type: 'object' } }] }],
        },
      });
    });

    it('should throw the provider error when counting fails', async () => {
      await expect(provider.countTokens!(request('hi'), { target: { ...target, apiKeyRef: 'env:WRONG_KEY' }, secrets, signal: new AbortController().signal })).rejects.toMatchObject({
        status: 502,
        code: 'upstream_auth_failed',
      });
    });
  });
});

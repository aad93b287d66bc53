import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretResolver } from '../../upstream/secrets.js';
import type { ProviderTarget, StreamEvent } from '../types.js';
import { geminiProvider } from './index.js';

/**
 * Golden tests: streams in Gemini's exact SSE framing (`data: <record>\r\n\r\n`, Google's JSON spacing, usage
 * repeated on records, Gemini 3's trailing empty STOP record) replayed byte for byte through the whole adapter.
 * The server writes each fixture in 7-byte slices, so records, CRLF pairs and multi-byte UTF-8 characters are split
 * across network chunks. Fixture shapes follow streams recorded from the Gemini API; ids and signatures are
 * placeholders.
 */
const FIXTURES = new URL('./__fixtures__/', import.meta.url);

describe('gemini provider replaying recorded streams', () => {
  let server: Server;
  let target: ProviderTarget;
  const secrets = secretResolver({ GEMINI_API_KEY: 'replay' });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const model = /^\/v1beta\/models\/([^/:]+):streamGenerateContent$/.exec(new URL(req.url ?? '/', 'http://replay').pathname)?.[1];
      const bytes = readFileSync(new URL(`${model}.sse`, FIXTURES));
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < bytes.length; i += 7) res.write(bytes.subarray(i, i + 7));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    target = ModelConfig.parse({ id: 'g', name: 'gemini', provider: 'gemini', providerModel: 'gemini-2.5-flash', apiBase: `http://127.0.0.1:${port}`, inputCostPerMillion: 1, outputCostPerMillion: 2 });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Replays `__fixtures__/<model>.sse`: the replay server picks the fixture by the model in the request path. */
  async function replay(fixture: string): Promise<StreamEvent[]> {
    const events: StreamEvent[] = [];
    const call = { target: { ...target, providerModel: fixture.replace(/\.sse$/, '') }, secrets, signal: new AbortController().signal };
    for await (const e of geminiProvider().chat({ stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'replay' }] }] }, call)) events.push(e);
    return events;
  }

  it('should replay thoughts then text, with cached and thinking tokens in the usage', async () => {
    expect(await replay('gemini-2.5-flash-thoughts-then-text.sse')).toEqual([
      { type: 'response-metadata', id: 'kq0laPbVAsKXz7IP8e2dkAo', model: 'gemini-2.5-flash' },
      // The prompt's count, from the first record, before its content: what a stream cut after it bills, and what
      // message_start says.
      { type: 'usage', usage: { inputTokens: 1042, outputTokens: 0, cacheReadTokens: 1024, reasoningTokens: 0 } },
      { type: 'reasoning-delta', text: "**Counting the letters**\n\nI'm spelling out the word and" },
      { type: 'reasoning-delta', text: ' marking each "r".' },
      { type: 'text-delta', text: 'There are **three** "r"s in' },
      { type: 'text-delta', text: ' "strawberry" — ünïcödé ✓.' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'STOP' },
        usage: { inputTokens: 1042, outputTokens: 14 + 245, cacheReadTokens: 1024, reasoningTokens: 245 },
      },
    ]);
  });

  it('should replay two parallel function calls with the signature before the first, and ids made from the response id', async () => {
    expect(await replay('gemini-3-pro-parallel-function-calls.sse')).toEqual([
      { type: 'response-metadata', id: 'Zb8laJ2_Ct6cz7IPjo6L4Qc', model: 'gemini-3-pro-preview' },
      { type: 'usage', usage: { inputTokens: 87, outputTokens: 42 + 182, cacheReadTokens: 0, reasoningTokens: 182 } },
      { type: 'reasoning-signature', signature: 'CiQBcsjafHq0nKXwG1rQ3j9yZ2F0ZXdheS1maXh0dXJlLXNpZ25hdHVyZQ==' },
      { type: 'tool-call-start', index: 0, id: 'call_0_Zb8laJ2_Ct6cz7IPjo6L4Qc', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"location":"Paris","unit":"celsius"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_1_Zb8laJ2_Ct6cz7IPjo6L4Qc', name: 'get_weather' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"location":"Rome","unit":"celsius"}' },
      { type: 'tool-call-end', index: 1 },
      {
        type: 'finish',
        finishReason: { unified: 'tool-calls', raw: 'STOP' },
        usage: { inputTokens: 87, outputTokens: 42 + 182, cacheReadTokens: 0, reasoningTokens: 182 },
      },
    ]);
  });

  it('should replay a blocked prompt as the usage of the prompt Gemini read, then a content_policy_violation error', async () => {
    expect(await replay('gemini-2.5-flash-prompt-blocked.sse')).toEqual([
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 } },
      {
        type: 'error',
        error: {
          status: 400,
          type: 'invalid_request_error',
          code: 'content_policy_violation',
          message: 'gemini: Gemini blocked the prompt (blockReason PROHIBITED_CONTENT)',
          provider: 'gemini',
          billed: true,
        },
      },
    ]);
  });

  it('should replay an answer withheld by the safety filter as a content-filter finish with the usage of the prompt Gemini read', async () => {
    expect(await replay('gemini-2.5-flash-response-blocked.sse')).toEqual([
      { type: 'response-metadata', id: 'H8ElaN_nOsWJz7IPn9i8mQ4', model: 'gemini-2.5-flash' },
      { type: 'finish', finishReason: { unified: 'content-filter', raw: 'SAFETY' }, usage: { inputTokens: 21, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 } },
    ]);
  });

  // Built in the shape Gemini gives this finish (empty content, the attempted call quoted in finishMessage), not recorded.
  it('should replay text followed by MALFORMED_FUNCTION_CALL as the text, the usage, then an upstream error naming the reason, never a stop', async () => {
    expect(await replay('gemini-2.5-flash-text-then-malformed-function-call.sse')).toEqual([
      { type: 'response-metadata', id: 'pS4maKW1D8Osz7IPz4mA0Aw', model: 'gemini-2.5-flash' },
      { type: 'usage', usage: { inputTokens: 318, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 } },
      { type: 'text-delta', text: "I'll look that up in the" },
      { type: 'text-delta', text: ' repository first.' },
      { type: 'usage', usage: { inputTokens: 318, outputTokens: 9 + 111, cacheReadTokens: 0, reasoningTokens: 111 } },
      {
        type: 'error',
        error: {
          status: 502,
          type: 'api_error',
          code: 'malformed_model_output',
          message:
            'gemini: Gemini ended the response with finishReason MALFORMED_FUNCTION_CALL (the function call generated by the model is invalid): Malformed function call: print(default_api.search_code(query="TODO", path=))',
          provider: 'gemini',
          billed: true,
        },
      },
    ]);
  });

  it('should end with an error event at the first record that is not a GenerateContentResponse', async () => {
    const events = await replay('gemini-malformed-record.sse');
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ error: { status: 502, code: 'upstream_error', message: expect.stringContaining('candidates') } });
  });

  it('should end a stream that closes without a finish reason with an error, not a finish', async () => {
    const events = await replay('gemini-ends-without-finish.sse');
    expect(events.map((e) => e.type)).toEqual(['response-metadata', 'usage', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ error: { status: 502, message: expect.stringContaining('without a finish reason') } });
  });
});

import Anthropic from '@anthropic-ai/sdk';
import { RouterConfig, type UsageEvent } from '@tollgate/schema';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { directive, type Script } from '../../../../test/stand-ins/script.js';
import { GEMINI_STAND_IN_API_KEY, startGeminiStandIn, type GeminiStandIn } from '../../../../test/stand-ins/gemini/server.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { waitFor } from '../../test-support/wait.js';

/**
 * Gemini 2.5 Flash behind the gateway, driven with the official `openai` and `@anthropic-ai/sdk` clients against the
 * Gemini stand-in, which refuses what Gemini refuses (function names it does not take: the whole request is a 400). The
 * deployment costs $1 per million input tokens and $2 per million output tokens; the router retries as it does by
 * default (twice), without waiting.
 */

/** Claude Code's MCP tools are named `mcp__<server>__<tool>`: 71 characters here, Gemini takes 64. */
const MCP_TOOL = 'mcp__claude_ai_Atlassian__getConfluencePageInlineCommentsWithAllReplies';
/** A name Gemini refuses for its first character. */
const DIGIT_TOOL = '1password_lookup';
/** Gemini's rule for function names ("Must start with a letter or an underscore...", `function-names.ts`). */
const GEMINI_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;

let t: TestDataPlane;
let gemini: GeminiStandIn;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  process.env.TG_GEMINI_GATEWAY_KEY = GEMINI_STAND_IN_API_KEY;
  gemini = await startGeminiStandIn();
  const snapshot = fixtureSnapshot();
  snapshot.models.push(model({ id: 'gg-1', name: 'gemini-flash', provider: 'gemini', providerModel: 'gemini-2.5-flash', apiBase: gemini.url, apiKeyRef: 'env:TG_GEMINI_GATEWAY_KEY' }));
  snapshot.models.push(model({ id: 'gg-2', name: 'gemini-2-flash', provider: 'gemini', providerModel: 'gemini-2.0-flash', apiBase: gemini.url, apiKeyRef: 'env:TG_GEMINI_GATEWAY_KEY' }));
  snapshot.router = RouterConfig.parse({ backoffMs: 0 });
  t = await startTestDataPlane({ snapshot });
  openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await t?.close();
  await gemini?.close();
});
beforeEach(() => {
  gemini.requests.length = 0;
});

/** What Gemini was last sent. */
const sent = () => gemini.requests.at(-1)!.body as { tools: { functionDeclarations: { name: string }[] }[]; toolConfig?: unknown; contents: { role: string; parts: Record<string, any>[] }[] };
const usageEvent = (requestId: string | null) => waitFor(() => t.cp.acknowledged.get(requestId!), 'usage event');
const ask = (script: Script) => `Go. ${directive(script)}`;

describe('tool names Gemini does not take', () => {
  const tools = [MCP_TOOL, DIGIT_TOOL, 'Read'].map((name) => ({ name, description: name, input_schema: { type: 'object' as const, properties: { q: { type: 'string' } } } }));
  /** A Claude Code turn after it called the MCP tool; the model then calls what `calls` names, as it was offered them. */
  const turn = (calls: string[]) => ({
    model: 'gemini-flash',
    max_tokens: 1024,
    tools,
    messages: [
      { role: 'user' as const, content: 'Any comments on page 41?' },
      { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 'toolu_01', name: MCP_TOOL, input: { q: '41' } }] },
      {
        role: 'user' as const,
        content: [
          { type: 'tool_result' as const, tool_use_id: 'toolu_01', content: 'No comments.' },
          { type: 'text' as const, text: ask({ toolCalls: calls.map((name) => ({ name, arguments: '{"q":"42"}' })) }) },
        ],
      },
    ],
  });

  it("answers Claude Code's turn with an MCP tool over 64 characters and a tool starting with a digit, calls named back, streamed and not", async () => {
    // Gemini knows the tools by names it takes, the same on every turn.
    await anthropic.messages.create(turn([]));
    const offered = sent().tools[0]!.functionDeclarations.map((d) => d.name);
    expect(offered.every((name) => GEMINI_NAME.test(name)), offered.join(', ')).toBe(true);
    expect(offered[2]).toBe('Read');
    const [mcp, digit] = offered as [string, string];

    const message = await anthropic.messages.create(turn([mcp, digit]));
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toMatchObject([
      { type: 'tool_use', name: MCP_TOOL, input: { q: '42' } },
      { type: 'tool_use', name: DIGIT_TOOL, input: { q: '42' } },
    ]);
    // The history's call and its response go by the name Gemini knows.
    const [, calls, results] = sent().contents;
    expect(calls!.parts[0]!.functionCall).toMatchObject({ name: mcp });
    expect(results!.parts[0]!.functionResponse).toMatchObject({ name: mcp, response: { output: 'No comments.' } });

    const streamed = await anthropic.messages.stream({ ...turn([mcp]), tool_choice: { type: 'tool', name: MCP_TOOL } }).finalMessage();
    expect(streamed.content).toMatchObject([{ type: 'tool_use', name: MCP_TOOL, input: { q: '42' } }]);
    expect(sent().toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [mcp] } });
    expect(sent().tools[0]!.functionDeclarations.map((d) => d.name)).toEqual(offered);
  });
});

describe('results of parallel calls to one function', () => {
  const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
  const question = ask({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }, { name: 'get_weather', arguments: '{"city":"London"}' }] });

  /** The function responses of Gemini's last turn, in the order Gemini reads them (it pairs them with the calls by position). */
  const responses = () => sent().contents.at(-1)!.parts.map((p) => p.functionResponse);

  it('go to Gemini 2.5 in the order of their calls when an OpenAI client sends them in another, matched by id', async () => {
    const first = await openai.chat.completions.create({ model: 'gemini-flash', tools: [weather], messages: [{ role: 'user', content: question }] });
    const calls = first.choices[0]!.message.tool_calls!.filter((c) => c.type === 'function');
    expect(calls.map((c) => JSON.parse(c.function.arguments).city)).toEqual(['Paris', 'London']);
    const [paris, london] = calls as [(typeof calls)[0], (typeof calls)[0]];

    await openai.chat.completions.create({
      model: 'gemini-flash',
      tools: [weather],
      messages: [
        { role: 'user', content: question },
        { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: london.id, content: '12°C and rain' },
        { role: 'tool', tool_call_id: paris.id, content: '21°C and sun' },
        { role: 'user', content: 'Which city is warmer?' },
      ],
    });
    expect(responses()).toEqual([
      { name: 'get_weather', response: { output: '21°C and sun' } },
      { name: 'get_weather', response: { output: '12°C and rain' } },
      undefined,
    ]);
  });

  it('and when an Anthropic client sends its tool results in another order', async () => {
    const history = [
      { role: 'user' as const, content: question },
      {
        role: 'assistant' as const,
        content: [
          { type: 'tool_use' as const, id: 'toolu_paris', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use' as const, id: 'toolu_london', name: 'get_weather', input: { city: 'London' } },
        ],
      },
      {
        role: 'user' as const,
        content: [
          { type: 'tool_result' as const, tool_use_id: 'toolu_london', content: '12°C and rain' },
          { type: 'tool_result' as const, tool_use_id: 'toolu_paris', content: '21°C and sun' },
        ],
      },
    ];
    await anthropic.messages.create({ model: 'gemini-flash', max_tokens: 100, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }], messages: history });
    expect(responses().map((r) => r.response.output)).toEqual(['21°C and sun', '12°C and rain']);
  });
});

describe("a model's output cap", () => {
  it('asks Gemini 2.0 Flash for the 8,192 tokens it writes when a client asks for 32,000, and for that at once from then on', async () => {
    const first = await openai.chat.completions.create({ model: 'gemini-2-flash', max_tokens: 32_000, messages: [{ role: 'user', content: 'hello' }] });
    expect(first.choices[0]!.message.content).toBeTruthy();
    const asked = () => gemini.requests.map((r) => (r.body as { generationConfig?: { maxOutputTokens?: number } }).generationConfig?.maxOutputTokens);
    expect(asked()).toEqual([32_000, 8_192]);
    gemini.requests.length = 0;
    const stream = anthropic.messages.stream({ model: 'gemini-2-flash', max_tokens: 32_000, messages: [{ role: 'user', content: 'hello again' }] });
    expect((await stream.finalMessage()).stop_reason).toBe('end_turn');
    expect(asked()).toEqual([8_192]);
  });
});

describe('answers Gemini blocks or the model botches', () => {
  // $1 per million input tokens, $2 per million output tokens.
  const billed = (input: number, output: number) => ({ promptTokens: input, completionTokens: output, estimated: false, cost: ((input + 2 * output) / 1e6).toFixed(12) });

  it('gives an answer the safety filter stopped as a 200 with finish_reason content_filter, streamed and not, billed as Gemini bills it', async () => {
    const content = ask({ text: 'partial answer', fault: { kind: 'content-filter' }, usage: { inputTokens: 16, outputTokens: 3 } });
    const { data, response } = await openai.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content }] }).withResponse();
    expect(data.choices[0]!.finish_reason).toBe('content_filter');
    expect(data.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 3 });
    expect(await usageEvent(response.headers.get('x-request-id'))).toMatchObject({ status: 'success', httpStatus: 200, ...billed(16, 3) });

    const { data: stream, response: streamed } = await openai.chat.completions.create({ model: 'gemini-flash', stream: true, messages: [{ role: 'user', content }] }).withResponse();
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) finishes.push(...chunk.choices.map((c) => c.finish_reason));
    expect(finishes.filter((f) => f !== null)).toEqual(['content_filter']);
    expect(await usageEvent(streamed.headers.get('x-request-id'))).toMatchObject({ status: 'success', httpStatus: 200, ...billed(16, 3) });
  });

  it('refuses a prompt Gemini blocked with 400 content_policy_violation, streamed and not, billing the prompt Gemini read', async () => {
    const content = ask({ fault: { kind: 'content-filter' }, usage: { inputTokens: 16 } });
    for (const stream of [false, true]) {
      const error = await openai.chat.completions.create({ model: 'gemini-flash', stream, messages: [{ role: 'user', content }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(APIError);
      expect(error).toMatchObject({ status: 400, code: 'content_policy_violation' });
      const event: UsageEvent = await usageEvent((error as APIError).requestID ?? null);
      expect(event).toMatchObject({ status: 'error', httpStatus: 400, errorType: 'content_policy_violation', ...billed(16, 0) });
    }
  });

  it("answers MALFORMED_FUNCTION_CALL with one 502 saying what Google means by it, not three billed attempts as a server's failure, and bills it", async () => {
    const content = ask({ toolCalls: [{ name: 'get_weather', arguments: '{"city": ' }], usage: { inputTokens: 40, outputTokens: 5 } });
    const error = await openai.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 502, code: 'malformed_model_output', message: expect.stringContaining('MALFORMED_FUNCTION_CALL (the function call generated by the model is invalid)') });
    expect((error as APIError).message).not.toContain('attempts');
    expect(gemini.requests).toHaveLength(1);
    // One sampling of the model went wrong: the client's SDK may ask again.
    expect((error as APIError).headers?.get('x-should-retry')).toBeNull();
    expect(await usageEvent((error as APIError).requestID ?? null)).toMatchObject({ status: 'error', httpStatus: 502, errorType: 'malformed_model_output', ...billed(40, 5) });
  });
});

describe('a Gemini stream cut short', () => {
  // Gemini counts the prompt in every record, from the first: a stream the client leaves, or the upstream drops, bills
  // that count (here 50,000 tokens), with only the output estimated; it was estimated locally (a few dozen tokens).
  it('bills the prompt Gemini counted, whether the client leaves or the upstream drops', async () => {
    const content = (fault?: Script['fault']) => ask({ text: 'one two three four five six seven eight', chunkDelayMs: 50, usage: { inputTokens: 50_000 }, ...(fault && { fault }) });
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: content() }], stream: true }).withResponse();
    const requestId = response.headers.get('x-request-id');
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break;
    expect(await usageEvent(requestId)).toMatchObject({ status: 'aborted', promptTokens: 50_000, estimated: true });

    const dropped = await openai.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: content({ kind: 'drop', afterChunks: 2 }) }], stream: true }).withResponse();
    await expect(async () => {
      for await (const _ of dropped.data) void _;
    }).rejects.toThrow();
    expect(await usageEvent(dropped.response.headers.get('x-request-id'))).toMatchObject({ status: 'error', promptTokens: 50_000, estimated: true });
  });
});

describe('audio from an OpenAI client', () => {
  it("reaches Gemini as inline audio, input_audio's format as its MIME type (it was a 400)", async () => {
    const answer = await openai.chat.completions.create({
      model: 'gemini-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is said in this recording?' }, { type: 'input_audio', input_audio: { data: 'SUQzBAAAAAAA', format: 'mp3' } }] }],
    });
    expect(answer.choices[0]!.message.content).toBeTruthy();
    expect(sent().contents[0]!.parts).toEqual([{ text: 'What is said in this recording?' }, { inlineData: { mimeType: 'audio/mp3', data: 'SUQzBAAAAAAA' } }]);
  });
});

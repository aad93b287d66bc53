import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_STAND_IN_CREDENTIALS, BEDROCK_STAND_IN_REGION, startBedrockStandIn, type BedrockStandIn } from '../../../../test/stand-ins/bedrock/server.js';
import { directive, type Script } from '../../../../test/stand-ins/script.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';

/**
 * What clients of OpenAI's and Anthropic's APIs (the official SDKs) get from models on Bedrock, through a real data
 * plane and the Bedrock stand-in, which refuses what Converse refuses (tool names outside `[a-zA-Z0-9_-]{1,64}`, a
 * `tool_choice.type` beside `toolConfig.toolChoice`) and answers as Bedrock answers (a tool call cut off by the output
 * limit, Nova's stop sequences, Claude's `disable_parallel_tool_use`).
 */

const CLAUDE = 'bk-claude';
const NOVA = 'bk-nova';
/** A Claude Code MCP tool: 70 characters, more than Converse takes. */
const MCP_TOOL = 'mcp__claude_ai_Atlassian__getConfluencePageInlineCommentsWithAllReplies';
const CONVERSE_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

let standIn: BedrockStandIn;
let t: TestDataPlane;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  process.env.TG_BK_AWS_KEY_ID = BEDROCK_STAND_IN_CREDENTIALS.accessKeyId;
  process.env.TG_BK_AWS_SECRET = BEDROCK_STAND_IN_CREDENTIALS.secretAccessKey;
  standIn = await startBedrockStandIn();
  const aws = { provider: 'bedrock', apiBase: standIn.url, region: BEDROCK_STAND_IN_REGION, awsAccessKeyIdRef: 'env:TG_BK_AWS_KEY_ID', awsSecretAccessKeyRef: 'env:TG_BK_AWS_SECRET' } as const;
  const snapshot = fixtureSnapshot();
  snapshot.models.push(
    model({ id: 'bk1', name: CLAUDE, providerModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', ...aws }),
    model({ id: 'bk2', name: NOVA, providerModel: 'us.amazon.nova-pro-v1:0', ...aws }),
  );
  t = await startTestDataPlane({ snapshot });
  anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
  openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await t?.close();
  await standIn?.close();
});

const say = (script: Script): string => `go ${directive(script)}`;
const tool = (name: string): Anthropic.Tool => ({ name, description: `The ${name} tool.`, input_schema: { type: 'object', properties: {} } });
const lastBody = (): Record<string, unknown> => standIn.requests.at(-1)!.body;

/** The Anthropic answer to `params`, streamed or not, as the final message. */
async function ask(params: Anthropic.MessageCreateParamsNonStreaming, stream: boolean): Promise<Anthropic.Message> {
  return stream ? anthropic.messages.stream(params).finalMessage() : anthropic.messages.create(params);
}

/** The OpenAI chat answer's first choice, assembled from the chunks when streamed. */
async function chat(params: OpenAI.ChatCompletionCreateParamsNonStreaming, stream: boolean): Promise<{ text: string; finish: string | null; calls: { name: string; arguments: string }[] }> {
  if (!stream) {
    const choice = (await openai.chat.completions.create(params)).choices[0]!;
    return {
      text: choice.message.content ?? '',
      finish: choice.finish_reason,
      calls: (choice.message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [{ name: c.function.name, arguments: c.function.arguments }] : [])),
    };
  }
  const calls: { name: string; arguments: string }[] = [];
  let finish: string | null = null;
  let text = '';
  for await (const chunk of await openai.chat.completions.create({ ...params, stream: true })) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    finish = choice.finish_reason ?? finish;
    text += choice.delta.content ?? '';
    for (const call of choice.delta.tool_calls ?? []) {
      calls[call.index] ??= { name: '', arguments: '' };
      calls[call.index]!.name += call.function?.name ?? '';
      calls[call.index]!.arguments += call.function?.arguments ?? '';
    }
  }
  return { text, finish, calls };
}

describe.each([false, true])('Bedrock through the gateway (stream: %s)', (stream) => {
  it("should send Claude Code's MCP tool names as Converse takes them, the same on every turn, and name the calls back", async () => {
    // Turn 1: the tools and a choice naming the long one. Converse refuses the whole request for one name over 64.
    const tools = [tool(MCP_TOOL), tool('get_time')];
    await ask({ model: CLAUDE, max_tokens: 256, tools, tool_choice: { type: 'tool', name: MCP_TOOL }, messages: [{ role: 'user', content: say({ text: 'Looking.' }) }] }, stream);
    const first = lastBody() as { toolConfig: { tools: { toolSpec: { name: string } }[]; toolChoice: { tool: { name: string } } } };
    const upstream = first.toolConfig.tools[0]!.toolSpec.name;
    expect(upstream).toMatch(CONVERSE_TOOL_NAME);
    expect(upstream.startsWith('mcp__claude_ai_Atlas')).toBe(true);
    expect(first.toolConfig.tools[1]!.toolSpec.name).toBe('get_time');
    expect(first.toolConfig.toolChoice).toEqual({ tool: { name: upstream } });

    // Turn 2: the history holds a call of the long one; the model calls it again, by the name Converse knows.
    const message = await ask(
      {
        model: CLAUDE,
        max_tokens: 256,
        tools,
        messages: [
          { role: 'user', content: 'Find the comments.' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: MCP_TOOL, input: { page: 1 } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'none on page 1' }, { type: 'text', text: say({ toolCalls: [{ name: upstream, arguments: '{"page":2}' }] }) }] },
        ],
      },
      stream,
    );
    const history = (lastBody() as { messages: { content: { toolUse?: { name: string } }[] }[] }).messages[1]!.content[0]!;
    expect(history.toolUse?.name).toBe(upstream);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([expect.objectContaining({ type: 'tool_use', name: MCP_TOOL, input: { page: 2 } })]);
  });

  it('should give a tool call without arguments "{}" as its arguments, as from a whole Converse answer', async () => {
    const input = say({ toolCalls: [{ name: 'get_time', arguments: '' }] });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }];
    const answer = await chat({ model: CLAUDE, messages: [{ role: 'user', content: input }], tools }, stream);
    expect(answer.calls).toEqual([{ name: 'get_time', arguments: '{}' }]);

    // Codex reads the Responses events: the arguments at `function_call_arguments.done` and `output_item.done`.
    const responseTools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false }];
    if (!stream) {
      const response = await openai.responses.create({ model: CLAUDE, input, tools: responseTools });
      expect(response.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_time', arguments: '{}' })]);
      return;
    }
    const done: string[] = [];
    for await (const event of await openai.responses.create({ model: CLAUDE, input, tools: responseTools, stream: true })) {
      if (event.type === 'response.function_call_arguments.done') done.push(event.arguments);
      if (event.type === 'response.output_item.done' && event.item.type === 'function_call') done.push(event.item.arguments);
    }
    expect(done).toEqual(['{}', '{}']);
  });

  it('should tell an Anthropic client which stop sequence ended a Nova answer, as Anthropic does, and leave it out of the text', async () => {
    const textOf = (message: Anthropic.Message) => message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    const one = await ask({ model: NOVA, max_tokens: 256, stop_sequences: ['END'], messages: [{ role: 'user', content: say({ text: 'one two END three' }) }] }, stream);
    expect(lastBody().inferenceConfig).toMatchObject({ stopSequences: ['END'] });
    expect([one.stop_reason, one.stop_sequence]).toEqual(['stop_sequence', 'END']);
    // Nova keeps the sequence in its output; Anthropic's API (and Claude on Bedrock) leave it out.
    expect(textOf(one)).toBe('one two ');
    // With several, the one Nova's text ends with.
    const several = await ask({ model: NOVA, max_tokens: 256, stop_sequences: ['STOP', 'END'], messages: [{ role: 'user', content: say({ text: 'one two END three STOP' }) }] }, stream);
    expect([several.stop_reason, several.stop_sequence]).toEqual(['stop_sequence', 'END']);
    expect(textOf(several)).toBe('one two ');
    // An OpenAI client's answer leaves it out as OpenAI's does; text that only looks like the start of one stays.
    expect(await chat({ model: NOVA, stop: ['END'], messages: [{ role: 'user', content: say({ text: 'héllo 👋 EN ENDING' }) }] }, stream)).toMatchObject({ text: 'héllo 👋 EN ', finish: 'stop' });
    expect(await chat({ model: NOVA, stop: ['END'], messages: [{ role: 'user', content: say({ text: 'all 👋 E' }) }] }, stream)).toMatchObject({ text: 'all 👋 E', finish: 'stop' });
  });

  it('should end a tool call cut off by the output limit as truncated, with the arguments Bedrock gave', async () => {
    const script = say({ toolCalls: [{ name: 'get_time', arguments: '{"tz":"UT' }], truncated: true });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } }];
    const answer = await chat({ model: CLAUDE, max_tokens: 16, messages: [{ role: 'user', content: script }], tools }, stream);
    expect(answer.finish).toBe('length');
    // Streamed, the partial arguments as the model wrote them; whole, Converse's input: the members complete (none).
    expect(answer.calls).toEqual([{ name: 'get_time', arguments: stream ? '{"tz":"UT' : '{}' }]);

    const message = await ask({ model: CLAUDE, max_tokens: 16, tools: [tool('get_time')], messages: [{ role: 'user', content: script }] }, stream);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_time' })]);
  });

  it("should pass Anthropic's disable_parallel_tool_use on to Claude, which then calls one tool", async () => {
    const calls = [
      { name: 'get_time', arguments: '{"tz":"UTC"}' },
      { name: 'get_weather', arguments: '{"city":"Paris"}' },
    ];
    const tools = [tool('get_time'), tool('get_weather')];
    for (const tool_choice of [{ type: 'auto', disable_parallel_tool_use: true }, { type: 'any', disable_parallel_tool_use: true }] as const) {
      const message = await ask({ model: CLAUDE, max_tokens: 256, tools, tool_choice, messages: [{ role: 'user', content: say({ toolCalls: calls }) }] }, stream);
      expect(message.content.filter((b) => b.type === 'tool_use').map((b) => b.name)).toEqual(['get_time']);
      expect(lastBody().additionalModelRequestFields).toMatchObject({ tool_choice: { disable_parallel_tool_use: true } });
    }
    // OpenAI's `parallel_tool_calls: false` without a tool choice: Claude is told `auto` with the flag.
    const openAiTools: OpenAI.ChatCompletionTool[] = tools.map((t) => ({ type: 'function', function: { name: t.name, parameters: { type: 'object' } } }));
    const answer = await chat({ model: CLAUDE, messages: [{ role: 'user', content: say({ toolCalls: calls }) }], tools: openAiTools, parallel_tool_calls: false }, stream);
    expect(answer.calls.map((c) => c.name)).toEqual(['get_time']);
    expect(lastBody().additionalModelRequestFields).toMatchObject({ tool_choice: { type: 'auto', disable_parallel_tool_use: true } });
  });
});

import Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { startRawUpstream, type RawUpstream } from '../../test-support/raw-upstream.js';
import { waitFor } from '../../test-support/wait.js';

/**
 * Claude Code against an OpenAI model through the gateway (Anthropic Messages in, chat completions out), driven with
 * the official `@anthropic-ai/sdk`. The upstream checks what OpenAI checks and answers OpenAI's 400s: an end-user id
 * (`user`, `safety_identifier`) or a function name longer than 64 characters, and `reasoning_effort` for a model that
 * does not reason. Claude Code sends all three (a ~150-character `metadata.user_id`, a thinking budget, MCP tools
 * named `mcp__<server>__<tool>`), so before the fixes every one of its requests failed.
 */

/** Claude Code's `metadata.user_id`: a JSON object of a device id, an account and a session. */
const USER_ID = JSON.stringify({
  device_id: '5b1f0e4a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f',
  account_uuid: '7d0c2b7e-3a51-4c1e-9a55-0b6e0d3f2a11',
  session_id: '0f3e9a7c-52d4-4b8e-8f0a-6c1d2e3f4a5b',
});
const MCP_TOOL = 'mcp__claude_ai_Atlassian__getConfluencePageInlineCommentsWithAllReplies';
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** OpenAI's 400 for a body it refuses, or undefined when it takes it (only the checks these requests meet). */
function openAiRefusal(body: Record<string, unknown>): { message: string; param: string; code: string } | undefined {
  for (const field of ['user', 'safety_identifier']) {
    const value = body[field];
    if (typeof value === 'string' && value.length > 64) {
      return { message: `Invalid '${field}': string too long. Expected a string with maximum length 64, but got a string with length ${value.length} instead.`, param: field, code: 'string_above_max_length' };
    }
  }
  if (body.reasoning_effort !== undefined && /^gpt-4/.test(body.model as string)) {
    return { message: "Unsupported parameter: 'reasoning_effort' is not supported with this model.", param: 'reasoning_effort', code: 'unsupported_parameter' };
  }
  const names: [string, string][] = [];
  (body.tools as { function: { name: string } }[] | undefined)?.forEach((tool, i) => names.push([`tools[${i}].function.name`, tool.function.name]));
  const choice = body.tool_choice as { function?: { name: string } } | undefined;
  if (choice?.function) names.push(['tool_choice.function.name', choice.function.name]);
  (body.messages as { tool_calls?: { function: { name: string } }[] }[]).forEach((m, i) => m.tool_calls?.forEach((c, j) => names.push([`messages[${i}].tool_calls[${j}].function.name`, c.function.name])));
  for (const [param, name] of names) {
    if (!FUNCTION_NAME.test(name)) return { message: `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, param, code: 'invalid_value' };
  }
  return undefined;
}

/** Answers as OpenAI would: the model calls the first tool offered, by the name it was offered under. */
function answer(body: Record<string, unknown>, res: ServerResponse): void {
  const refusal = openAiRefusal(body);
  if (refusal) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { ...refusal, type: 'invalid_request_error' } }));
    return;
  }
  const name = (body.tools as { function: { name: string } }[])[0]!.function.name;
  const head = { id: 'chatcmpl-1', created: 1, model: body.model };
  const usage = { prompt_tokens: 120, completion_tokens: 9, total_tokens: 129 };
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const call = { id: 'call_1', type: 'function', function: { name, arguments: '{"pageId":"42"}' } };
    res.end(JSON.stringify({ ...head, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }], usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (choices: unknown[], extra: object = {}) => res.write(`data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
  chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name, arguments: '' } }] }, finish_reason: null }]);
  chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"pageId":' } }] }, finish_reason: null }]);
  chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"42"}' } }] }, finish_reason: null }]);
  chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]);
  chunk([], { usage });
  res.end('data: [DONE]\n\n');
}

describe('Claude Code through the gateway to OpenAI models', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  let client: Anthropic;

  beforeAll(async () => {
    process.env.TG_CLAUDE_CODE_OPENAI_KEY = 'sk-test-openai';
    upstream = await startRawUpstream((_req, body, res) => answer(body, res));
    const snapshot = fixtureSnapshot();
    const keyed = { apiKeyRef: 'env:TG_CLAUDE_CODE_OPENAI_KEY' };
    snapshot.models.push(
      model({ id: 'cc-1', name: 'gpt-4o', provider: 'openai', providerModel: 'gpt-4o-2024-08-06', apiBase: `${upstream.origin}/v1`, ...keyed }),
      model({ id: 'cc-2', name: 'o4-mini', provider: 'openai', providerModel: 'o4-mini', apiBase: `${upstream.origin}/v1`, ...keyed }),
      model({ id: 'cc-3', name: 'azure-gpt-4.1', provider: 'azure', providerModel: 'gpt-4.1', apiBase: upstream.origin, apiVersion: '2024-10-21', ...keyed }),
    );
    t = await startTestDataPlane({ snapshot });
    client = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  /** A Claude Code turn: its user id, a thinking budget, an MCP tool beside a built-in one, the MCP tool called before. */
  const turn = (modelName: string) => ({
    model: modelName,
    max_tokens: 8192,
    metadata: { user_id: USER_ID },
    thinking: { type: 'enabled' as const, budget_tokens: 4096 },
    tools: [
      { name: MCP_TOOL, description: 'Inline comments of a Confluence page', input_schema: { type: 'object' as const, properties: { pageId: { type: 'string' } } } },
      { name: 'Read', description: 'Reads a file', input_schema: { type: 'object' as const, properties: { file_path: { type: 'string' } } } },
    ],
    messages: [
      { role: 'user' as const, content: 'Any comments on page 41?' },
      { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 'toolu_01', name: MCP_TOOL, input: { pageId: '41' } }] },
      { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_01', content: 'No comments.' }, { type: 'text' as const, text: 'And on page 42?' }] },
    ],
  });

  const sent = () => upstream.received.at(-1)!.body as { user: string; reasoning_effort?: string; tools: { function: { name: string } }[]; tool_choice?: unknown; messages: { tool_calls?: { function: { name: string } }[] }[] };

  it('answers a turn with a long user id, thinking and a long MCP tool name, and the client gets its tool call by its own name', async () => {
    const { data: message, response } = await client.messages.create(turn('gpt-4o')).withResponse();
    expect(message).toMatchObject({ stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 'call_1', name: MCP_TOOL, input: { pageId: '42' } }] });

    const body = sent();
    // The user id went as a stable digest; the gateway's own attribution kept the client's id.
    expect(body.user).toMatch(/^[0-9a-f]{64}$/);
    const event = await waitFor(() => t.cp.acknowledged.get(response.headers.get('x-request-id')!), 'usage event');
    expect(event).toMatchObject({ status: 'success', endUser: USER_ID });
    // gpt-4o does not reason: thinking is off rather than a 400.
    expect(body).not.toHaveProperty('reasoning_effort');
    // The MCP tool goes by one short name in the tools and the history alike.
    const short = body.tools[0]!.function.name;
    expect(short).toMatch(FUNCTION_NAME);
    expect(body.tools[1]!.function.name).toBe('Read');
    expect(body.messages[1]!.tool_calls![0]!.function.name).toBe(short);
  });

  it('does the same streamed, with the same names on the next turn and a forced tool choice', async () => {
    await client.messages.create(turn('gpt-4o'));
    const first = sent();
    const final = await client.messages.stream({ ...turn('gpt-4o'), thinking: { type: 'disabled' }, tool_choice: { type: 'tool', name: MCP_TOOL } }).finalMessage();
    expect(final).toMatchObject({ stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 'call_1', name: MCP_TOOL, input: { pageId: '42' } }] });
    const body = sent();
    expect(body.user).toBe(first.user);
    expect(body.tools[0]!.function.name).toBe(first.tools[0]!.function.name);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: first.tools[0]!.function.name } });
  });

  it('still sends the thinking budget as reasoning_effort to a model that reasons, and fixes Azure deployments the same way', async () => {
    const reasoning = await client.messages.create(turn('o4-mini'));
    expect(reasoning.content).toMatchObject([{ type: 'tool_use', name: MCP_TOOL }]);
    expect(sent().reasoning_effort).toBe('medium');

    const azure = await client.messages.stream(turn('azure-gpt-4.1')).finalMessage();
    expect(azure.content).toMatchObject([{ type: 'tool_use', name: MCP_TOOL, input: { pageId: '42' } }]);
    expect(upstream.received.at(-1)!.url).toBe('/openai/deployments/gpt-4.1/chat/completions?api-version=2024-10-21');
    expect(sent().user).toMatch(/^[0-9a-f]{64}$/);
    expect(sent()).not.toHaveProperty('reasoning_effort');
  });
});

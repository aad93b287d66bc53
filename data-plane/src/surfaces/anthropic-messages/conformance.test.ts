import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive, type Script } from '../../../../test/stand-ins/script.js';
import { startOpenAiStandIn, type OpenAiStandIn } from '../../../../test/stand-ins/openai/server.js';
import { key, KEYS, model } from '../../test-support/fixtures.js';
import { startRawUpstream, type RawHandler, type RawUpstream } from '../../test-support/raw-upstream.js';
import { BEDROCK_STAND_IN_AWS, startTranslatedRig, type TranslatedRig } from '../../test-support/translated-rig.js';

/** A key whose hard budget (no period) is spent. */
const SPENT_KEY = 'sk-tg-amaudit-spent-000000000000000000000000';

/**
 * The translated rig (`startTranslatedRig`: x-gemini, x-bedrock, x-compat) plus x-openai and x-openai-reasoning
 * (OpenAI's gpt-4o-mini and o4-mini, keyed), and behind a raw upstream answering what each test writes: x-bedrock-raw
 * (a Claude model id on Converse), x-nova-raw (an Amazon Nova id), x-vllm-raw, x-capped-raw and x-local-raw
 * (openai_compatible), x-haiku-raw (Anthropic).
 */
interface AuditRig extends TranslatedRig {
  readonly openai: OpenAiStandIn;
  readonly raw: RawUpstream;
  /** What the raw upstream answers next. */
  onRaw(handler: RawHandler): void;
}

async function startAuditRig(): Promise<AuditRig> {
  const openai = await startOpenAiStandIn();
  let rawHandler: RawHandler = (_req, _body, res) => res.writeHead(500).end();
  const raw = await startRawUpstream((req, body, res) => rawHandler(req, body, res));
  const rig = await startTranslatedRig('x', {
    models: () => [
      model({ id: 'x11', name: 'x-openai', provider: 'openai', providerModel: 'gpt-4o-mini', apiBase: openai.url, apiKeyRef: 'env:TG_RIG_OPENAI_KEY' }),
      model({ id: 'x12', name: 'x-openai-reasoning', provider: 'openai', providerModel: 'o4-mini', apiBase: openai.url, apiKeyRef: 'env:TG_RIG_OPENAI_KEY' }),
      model({ id: 'x17', name: 'x-bedrock-raw', provider: 'bedrock', providerModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', apiBase: raw.origin, ...BEDROCK_STAND_IN_AWS }),
      model({ id: 'x18', name: 'x-nova-raw', provider: 'bedrock', providerModel: 'us.amazon.nova-pro-v1:0', apiBase: raw.origin, ...BEDROCK_STAND_IN_AWS }),
      model({ id: 'x19', name: 'x-vllm-raw', provider: 'openai_compatible', providerModel: 'qwen3', apiBase: `${raw.origin}/v1` }),
      model({ id: 'x20', name: 'x-capped-raw', provider: 'openai_compatible', providerModel: 'gpt-4o', apiBase: `${raw.origin}/v1` }),
      model({ id: 'x21', name: 'x-local-raw', provider: 'openai_compatible', providerModel: 'qwen3', apiBase: `${raw.origin}/v1` }),
      model({ id: 'x22', name: 'x-haiku-raw', provider: 'anthropic', providerModel: 'claude-3-5-haiku-20241022', apiBase: raw.origin, apiKeyRef: 'env:TG_RIG_ANTHROPIC_KEY' }),
    ],
    keys: [key(SPENT_KEY, { id: 'k-amaudit-spent', teamId: 't1', maxBudget: 1, spend: 1 })],
  });
  return {
    ...rig,
    openai,
    raw,
    onRaw: (handler) => {
      rawHandler = handler;
    },
    async close() {
      await rig.close();
      await raw.close();
      await openai.close();
    },
  };
}

/**
 * What a client of Anthropic's real API (the official `@anthropic-ai/sdk`, Claude Code) sees from Anthropic itself,
 * with a NON-Anthropic model behind Tollgate: each test's comment says what Anthropic does and where that is
 * documented.
 */

let rig: AuditRig;
beforeAll(async () => {
  rig = await startAuditRig();
});
afterAll(async () => {
  await rig?.close();
});

const post = (body: unknown, key: string = KEYS.full) =>
  fetch(`${rig.t.baseUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });

const ask = (script: Script) => [{ role: 'user' as const, content: `go ${directive(script)}` }];

interface MessageBody {
  content: { type: string; id?: string; name?: string; input?: unknown }[];
  stop_reason: string;
  stop_sequence: string | null;
}

/** A Converse answer (non-streamed) in Bedrock's JSON. */
function sendConverse(res: ServerResponse, extra: Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({
    output: { message: { role: 'assistant', content: [{ text: 'one two' }] } },
    usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 },
    metrics: { latencyMs: 10 },
    ...extra,
  }));
}

/** `{"/delta/stop_sequence"}` → `{delta:{stop_sequence: value}}`: what Converse returns for a requested JSON Pointer. */
function atPointer(pointer: string, value: unknown): Record<string, unknown> {
  const keys = pointer.split('/').slice(1);
  let out: unknown = value;
  for (const k of keys.reverse()) out = { [k]: out };
  return out as Record<string, unknown>;
}

/** The function tools the last request to `model`'s stand-in declared: name and parameters' properties. */
function declaredTools(model: string): Array<{ name: string; properties: Record<string, unknown> }> {
  if (model === 'x-openai') {
    const body = rig.openai.requests.at(-1)!.body as { tools: { function: { name: string; parameters: { properties: Record<string, unknown> } } }[] };
    return body.tools.map((t) => ({ name: t.function.name, properties: t.function.parameters.properties }));
  }
  if (model === 'x-gemini') {
    const body = rig.gemini.requests.at(-1)!.body as { tools: { functionDeclarations: { name: string; parameters?: { properties: Record<string, unknown> }; parametersJsonSchema?: { properties: Record<string, unknown> } }[] }[] };
    return body.tools.flatMap((t) => t.functionDeclarations).map((d) => ({ name: d.name, properties: (d.parametersJsonSchema ?? d.parameters)!.properties }));
  }
  const body = rig.bedrock.requests.at(-1)!.body as { toolConfig: { tools: { toolSpec: { name: string; inputSchema: { json: { properties: Record<string, unknown> } } } }[] } };
  return body.toolConfig.tools.map((t) => ({ name: t.toolSpec.name, properties: t.toolSpec.inputSchema.json.properties }));
}

describe('Anthropic Messages as Anthropic answers, with non-Anthropic models', () => {
  // ── 1. Context overflow ───────────────────────────────────────────────────────────────────────────────────────
  // Anthropic answers a prompt over the context window with 400 invalid_request_error whose message is
  // `prompt is too long: <n> tokens > <max> maximum` (seen verbatim in countless client reports, e.g.
  // anthropics/claude-code#59696, #62560; https://docs.anthropic.com/en/api/errors). Claude Code recognises that
  // text ("Prompt is too long", then /compact / reactive compaction); the gateway knows the provider's error is a
  // context-length one (code `context_length_exceeded`) but passes the provider's own wording through.
  it.each(['x-openai', 'x-gemini', 'x-bedrock'])('context overflow from %s reads as Anthropic\'s "prompt is too long"', async (model) => {
    const res = await post({ model, max_tokens: 50, messages: ask({ fault: { kind: 'http', status: 400, code: 'context_length_exceeded' } }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    // With the numbers when the provider gives them (OpenAI does), as Claude Code reads them.
    expect(body.error.message).toMatch(model === 'x-openai' ? /^prompt is too long: \d+ tokens > 128000 maximum$/ : /^prompt is too long: /);
  });

  // ── 2. stop_sequence on Bedrock ───────────────────────────────────────────────────────────────────────────────
  // Anthropic: `stop_reason: "stop_sequence"` comes with `stop_sequence` = the custom sequence that was generated
  // ("This value will be a non-null string if one of your custom stop sequences was generated", Message.stop_sequence,
  // https://docs.anthropic.com/en/api/messages). Converse only returns the matched sequence of a Claude model when the
  // request names it in `additionalModelResponseFieldPaths` (AWS API_runtime_Converse; the AI SDK's Bedrock provider
  // asks for `/delta/stop_sequence`); Tollgate asks for both places (`STOP_SEQUENCE_PATHS`).
  it('Claude on Bedrock: a stop sequence that ended the answer is reported in stop_sequence', async () => {
    rig.raw.received.length = 0;
    rig.onRaw((_req, body, res) => {
      const paths = (body.additionalModelResponseFieldPaths as string[] | undefined) ?? [];
      const pointer = paths.find((p) => p.endsWith('/stop_sequence'));
      sendConverse(res, { stopReason: 'stop_sequence', ...(pointer && { additionalModelResponseFields: atPointer(pointer, 'END') }) });
    });
    const res = await post({ model: 'x-bedrock-raw', max_tokens: 50, stop_sequences: ['END', 'STOP'], messages: [{ role: 'user', content: 'count' }] });
    const body = (await res.json()) as MessageBody;
    expect(body.stop_reason).toBe('stop_sequence');
    expect(body.stop_sequence).toBe('END');
  });

  // Same invariant for any Converse model (Nova, Llama, Mistral…), which report `stopReason: "stop_sequence"` without
  // saying which: Tollgate answers `stop_reason: "stop_sequence"` with `stop_sequence: null`, a combination Anthropic
  // never sends (with one sequence requested it can only be that one; otherwise end_turn would be honest).
  it('non-Claude Converse model: stop_reason "stop_sequence" never comes with a null stop_sequence', async () => {
    rig.onRaw((_req, _body, res) => sendConverse(res, { stopReason: 'stop_sequence' }));
    const res = await post({ model: 'x-nova-raw', max_tokens: 50, stop_sequences: ['END'], messages: [{ role: 'user', content: 'count' }] });
    const body = (await res.json()) as MessageBody;
    if (body.stop_reason === 'stop_sequence') expect(body.stop_sequence).toBe('END');
    else expect(body.stop_reason).toBe('end_turn');
  });

  // ── 3. stop_sequence on vLLM (openai_compatible) ──────────────────────────────────────────────────────────────
  // vLLM's chat choices carry `stop_reason`: "the stop string or token id that caused the completion to stop"; the
  // OpenAI adapter (providers/openai/chat-response.ts, chat-stream.ts, map-finish-reason.ts) ignores it, so a
  // custom stop sequence reads as `end_turn` / `stop_sequence: null` instead of Anthropic's
  // `stop_reason: "stop_sequence"`, `stop_sequence: "END"`.
  it('vLLM (openai_compatible): the matched stop string it reports becomes stop_reason/stop_sequence', async () => {
    rig.onRaw((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'qwen3',
        choices: [{ index: 0, message: { role: 'assistant', content: 'one two' }, finish_reason: 'stop', stop_reason: 'END' }],
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      }));
    });
    const res = await post({ model: 'x-vllm-raw', max_tokens: 50, stop_sequences: ['END'], messages: [{ role: 'user', content: 'count' }] });
    const body = (await res.json()) as MessageBody;
    expect(body).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  it('vLLM (openai_compatible), streamed: the stop string on the last chunk reaches message_delta', async () => {
    rig.onRaw((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (choice: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'qwen3', choices: [{ index: 0, ...choice }] })}\n\n`;
      res.write(chunk({ delta: { role: 'assistant', content: 'one two' }, finish_reason: null }));
      res.write(chunk({ delta: {}, finish_reason: 'stop', stop_reason: 'END' }));
      res.end('data: [DONE]\n\n');
    });
    const client = new Anthropic({ apiKey: KEYS.full, baseURL: rig.t.baseUrl, maxRetries: 0 });
    const message = await client.messages.stream({ model: 'x-vllm-raw', max_tokens: 50, stop_sequences: ['END'], messages: [{ role: 'user', content: 'count' }] }).finalMessage();
    expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END', content: [{ type: 'text', text: 'one two' }] });
  });

  // ── 4. tool_choice none on Bedrock ────────────────────────────────────────────────────────────────────────────
  // Anthropic: `tool_choice: {type: "none"}` — "The model will not be allowed to use tools" (ToolChoiceNone,
  // https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#forcing-tool-use). Converse has
  // no "none"; when the history holds tool calls, canonical-to-converse.ts (`toolConfiguration`) declares the tools
  // anyway with the default (auto) choice, so the model may call a tool and the client gets `tool_use` blocks and
  // `stop_reason: "tool_use"` for a request that forbade them.
  it('Bedrock: tool_choice none with tool history offers the model no tool to call', async () => {
    const tools = [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const res = await post({
      model: 'x-bedrock', max_tokens: 50, tools, tool_choice: { type: 'none' },
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'sunny' }, { type: 'text', text: 'summarise' }] },
      ],
    });
    const body = (await res.json()) as MessageBody;
    const sent = rig.bedrock.requests.at(-1)!.body as { toolConfig?: unknown; messages: { content: Record<string, unknown>[] }[] };
    // No tools declared (Converse would demand them for tool blocks in the history, and then let the model call them):
    // the history's call and result go as text, and Bedrock (which checks tool blocks against toolConfig) takes it.
    expect(sent.toolConfig).toBeUndefined();
    expect(sent.messages.flatMap((m) => m.content.map((c) => Object.keys(c)[0]))).not.toContain('toolUse');
    expect(body).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text' }] });
  });

  // ── 5. disable_parallel_tool_use on Gemini ────────────────────────────────────────────────────────────────────
  // Anthropic: with `disable_parallel_tool_use: true` "the model will output at most one tool use" (auto) /
  // "exactly one" (any) (ToolChoiceAuto/ToolChoiceAny, https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/
  // implement-tool-use#parallel-tool-use). OpenAI gets `parallel_tool_calls: false`; Gemini's request has no such
  // switch and the gateway passes every call Gemini makes (`convert-tools.ts`, `response-mapper.ts`), so a client
  // that relies on one call per turn gets two.
  it('Gemini: disable_parallel_tool_use yields at most one tool_use', async () => {
    const tools = ['get_weather', 'get_time'].map((name) => ({ name, input_schema: { type: 'object', properties: {} } }));
    const script: Script = { toolCalls: [{ name: 'get_weather', arguments: '{}' }, { name: 'get_time', arguments: '{}' }] };
    const res = await post({ model: 'x-gemini', max_tokens: 50, tools, tool_choice: { type: 'auto', disable_parallel_tool_use: true }, messages: ask(script) });
    const body = (await res.json()) as MessageBody;
    expect(body.content.filter((b) => b.type === 'tool_use').length).toBeLessThanOrEqual(1);
  });

  // ── Input counts in message_start ─────────────────────────────────────────────────────────────────────────────
  // Anthropic's message_start carries the real input and cache counts; LangChain's ChatAnthropic (and LangSmith's cost
  // tracking) reads them only there. Gemini counts the prompt in its first record, before any content: those counts
  // go in message_start, not the local estimate. (A provider that says them only at the end, as OpenAI does, still
  // gets the estimate there and the real counts in message_delta.)
  it('Gemini, streamed: message_start carries the input and cache counts Gemini reported, as Anthropic\'s does', async () => {
    const res = await post({ model: 'x-gemini', max_tokens: 50, stream: true, messages: ask({ text: 'one two three', usage: { inputTokens: 40, cacheReadTokens: 8, outputTokens: 3 } }) });
    const start = (await res.text()).split('\n').find((line) => line.startsWith('data: {"type":"message_start"'))!;
    expect((JSON.parse(start.slice(6)) as { message: { usage: unknown } }).message.usage).toEqual({ input_tokens: 32, cache_creation_input_tokens: 0, cache_read_input_tokens: 8, output_tokens: 1 });
  });

  // ── Output limits ──────────────────────────────────────────────────────────────────────────────────────────────
  // Claude Code asks every model for `max_tokens: 32000`; GPT-4o takes at most 16,384 ("max_tokens is too large:
  // 32000. This model supports at most 16384 completion tokens", OpenAI's 400), a small local model's context less.
  // Anthropic's own API takes what its models take, so the client never meets such a refusal: the gateway sends the
  // request again with the limit the refusal names, and a model's fixed cap is used from then on.
  it('Claude Code\'s max_tokens beyond what the model behind takes is lowered to what it takes, and remembered', async () => {
    const asked: unknown[] = [];
    rig.onRaw((_req, body, res) => {
      asked.push(body.max_tokens);
      if ((body.max_tokens as number) > 16_384) {
        const message = `max_tokens is too large: ${String(body.max_tokens)}. This model supports at most 16384 completion tokens, whereas you provided ${String(body.max_tokens)}.`;
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: 'max_tokens', code: 'invalid_value' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: 'chatcmpl-3', object: 'chat.completion', created: 1, model: 'gpt-4o',
        choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      }));
    });
    // Streamed, as Claude Code asks (the server here answers JSON even so, which the gateway takes).
    const client = new Anthropic({ apiKey: KEYS.full, baseURL: rig.t.baseUrl, maxRetries: 0 });
    const request = { model: 'x-capped-raw', max_tokens: 32_000, messages: [{ role: 'user' as const, content: 'hi' }] };
    expect((await client.messages.stream(request).finalMessage()).content).toEqual([{ type: 'text', text: 'fine' }]);
    expect(await client.messages.stream(request).finalMessage()).toMatchObject({ stop_reason: 'end_turn' });
    expect(asked).toEqual([32_000, 16_384, 16_384]);
  });

  it('a small local model: max_tokens lowered to the room the prompt leaves in its context, request by request', async () => {
    const asked: unknown[] = [];
    rig.onRaw((_req, body, res) => {
      asked.push(body.max_tokens);
      const room = 40_960 - 24_235;
      if ((body.max_tokens as number) > room) {
        const message = `'max_tokens' or 'max_completion_tokens' is too large: ${String(body.max_tokens)}. This model's maximum context length is 40960 tokens and your request has 24235 input tokens (${String(body.max_tokens)} > 40960 - 24235). None`;
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: 'chatcmpl-4', object: 'chat.completion', created: 1, model: 'qwen3',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 24_235, completion_tokens: 1, total_tokens: 24_236 },
      }));
    });
    const request = { model: 'x-local-raw', max_tokens: 32_000, messages: [{ role: 'user', content: 'a long prompt' }] };
    expect((await post(request)).status).toBe(200);
    expect((await post(request)).status).toBe(200);
    expect(asked).toEqual([32_000, 16_725, 32_000, 16_725]);
  });

  it("an OpenAI client's output limit beyond what Claude takes is lowered to what Anthropic's refusal names", async () => {
    const asked: unknown[] = [];
    rig.onRaw((_req, body, res) => {
      asked.push(body.max_tokens);
      if ((body.max_tokens as number) > 8_192) {
        const message = `max_tokens: ${String(body.max_tokens)} > 8192, which is the maximum allowed number of output tokens for claude-3-5-haiku-20241022`;
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-3-5-haiku-20241022', content: [{ type: 'text', text: 'short' }],
        stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 },
      }));
    });
    const openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${rig.t.baseUrl}/v1`, maxRetries: 0 });
    const answer = await openai.chat.completions.create({ model: 'x-haiku-raw', max_tokens: 32_000, messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]!.message.content).toBe('short');
    expect(asked).toEqual([32_000, 8_192]);
  });

  // ── 6. A spent budget is retried by Anthropic clients ─────────────────────────────────────────────────────────
  // Anthropic's API tells its SDKs whether to retry with `x-should-retry` (the SDK reads it before the status:
  // node_modules/@anthropic-ai/sdk/client.js `shouldRetry`; 429 is otherwise retried; the openai SDK does the same). A
  // spent budget cannot succeed before an admin acts or its period ends, so neither the SDK (2 retries by default)
  // nor Claude Code (10, with backoff) should retry it: it fails at once, as Anthropic's own "credit balance is too
  // low" does.
  it('a spent budget is not retried by the Anthropic SDK', async () => {
    let attempts = 0;
    const client = new Anthropic({
      apiKey: SPENT_KEY,
      baseURL: rig.t.baseUrl,
      maxRetries: 2,
      fetch: (input, init) => {
        attempts++;
        return fetch(input, init);
      },
    });
    await expect(client.messages.create({ model: 'x-openai', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 429,
      error: { type: 'error', error: { type: 'rate_limit_error' } },
    });
    expect(attempts).toBe(1);

    attempts = 0;
    const openai = new OpenAI({
      apiKey: SPENT_KEY,
      baseURL: `${rig.t.baseUrl}/v1`,
      maxRetries: 2,
      fetch: (input, init) => {
        attempts++;
        return fetch(input, init);
      },
    });
    await expect(openai.chat.completions.create({ model: 'x-openai', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect(attempts).toBe(1);
  });

  // ── 7. is_error tool results lose their error flag on OpenAI ──────────────────────────────────────────────────
  // Anthropic: `is_error: true` on a tool_result tells the model the tool failed (https://docs.anthropic.com/en/docs/
  // agents-and-tools/tool-use/implement-tool-use#troubleshooting-errors). Bedrock (`status: "error"`) and Gemini
  // (`response.error`) keep it; the OpenAI translation (providers/openai/translate-request.ts, `tool` messages) sends
  // only the text, so the model cannot tell a failed call from a result.
  it('OpenAI: a tool_result with is_error reaches the model as a failure', async () => {
    const res = await post({
      model: 'x-openai', max_tokens: 50,
      tools: [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      messages: [
        { role: 'user', content: 'read it' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'read_file', input: { path: '/x' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', is_error: true, content: 'ENOENT: /x' }] },
      ],
    });
    expect(res.status).toBe(200);
    const sent = rig.openai.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    const toolMessage = sent.messages.find((m) => m.role === 'tool')!;
    expect(JSON.stringify(toolMessage.content)).toMatch(/error|fail/i);
  });
  // ── Anthropic's own tools ─────────────────────────────────────────────────────────────────────────────────────
  // Anthropic-defined client tools are declared by type alone (`{type: "bash_20250124", name: "bash"}`): Anthropic
  // knows their schema, the client runs them and gets `tool_use` blocks with that input
  // (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/bash-tool, …/text-editor-tool, …/memory-tool).
  // Behind a translation they were dropped, so the model could not call them at all. They now reach every provider
  // as function tools with that schema.
  it.each(['x-openai', 'x-gemini', 'x-bedrock'])('%s: bash, the text editor and memory are tools the model can call', async (model) => {
    const client = new Anthropic({ apiKey: KEYS.full, baseURL: rig.t.baseUrl, maxRetries: 0 });
    const tools: Anthropic.ToolUnion[] = [
      { type: 'bash_20250124', name: 'bash' },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool', max_characters: 10_000 },
      { type: 'memory_20250818', name: 'memory' },
    ];
    const view = { command: 'view', path: '/repo/README.md', view_range: [1, 20] };
    const script: Script = { toolCalls: [{ name: 'str_replace_based_edit_tool', arguments: JSON.stringify(view) }] };
    const message = await client.messages.create({ model, max_tokens: 200, tools, messages: ask(script) });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toContainEqual(expect.objectContaining({ type: 'tool_use', name: 'str_replace_based_edit_tool', input: view }));

    const declared = declaredTools(model);
    expect(declared.map((t) => t.name)).toEqual(['bash', 'str_replace_based_edit_tool', 'memory']);
    expect(Object.keys(declared[0]!.properties)).toEqual(['command', 'restart']);
    // The Claude 4 editor has no undo_edit; memory's commands are its own.
    expect(declared[1]!.properties.command).toMatchObject({ enum: ['view', 'create', 'str_replace', 'insert'] });
    expect(declared[2]!.properties.command).toMatchObject({ enum: ['view', 'create', 'str_replace', 'insert', 'delete', 'rename'] });

    // The next turn, with the tool's result, goes on as with any tool.
    const next = await client.messages.create({
      model, max_tokens: 200, tools,
      messages: [
        ...ask(script),
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: (message.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock).id, content: '1: # Tollgate' }, { type: 'text', text: 'Summarise it.' }] },
      ],
    });
    expect(next.stop_reason).toBe('end_turn');
  });

  // Server tools run on Anthropic's side (web search, web fetch, code execution, tool search, MCP connectors), and
  // computer use needs a model trained for its screen protocol. Behind a translation they were dropped: asked to search
  // the web, the model answered from memory. They are refused with a 400 naming the tool; nothing reaches the provider.
  it('server tools, computer use and the MCP connector are refused with a 400 naming them', async () => {
    const before = rig.openai.requests.length + rig.bedrock.requests.length;
    const tools = [
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
      { type: 'web_fetch_20250910', name: 'web_fetch' },
      { type: 'code_execution_20250825', name: 'code_execution' },
      { type: 'computer_20250124', name: 'computer', display_width_px: 1024, display_height_px: 768 },
      { type: 'mcp_toolset', mcp_server_name: 'docs' },
    ];
    for (const model of ['x-openai', 'x-bedrock']) {
      for (const tool of tools) {
        const res = await post({ model, max_tokens: 50, tools: [{ name: 'get_time', input_schema: { type: 'object' } }, tool], messages: [{ role: 'user', content: 'Search the web for Tollgate' }] });
        expect(res.status, `${model} ${tool.type}`).toBe(400);
        const body = (await res.json()) as { error: { type: string; message: string } };
        expect(body.error.type).toBe('invalid_request_error');
        expect(body.error.message).toMatch(new RegExp(`^tools\\.1\\.type: '${tool.type}' `));
      }
    }
    // A history holding a server tool's blocks (a conversation begun with Claude) likewise, naming the block.
    const history = await post({
      model: 'x-openai', max_tokens: 50,
      messages: [
        { role: 'user', content: 'Search the web for Tollgate' },
        { role: 'assistant', content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'tollgate' } }, { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] }, { type: 'text', text: 'A gateway.' }] },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(history.status).toBe(400);
    expect(((await history.json()) as { error: { message: string } }).error.message).toMatch(/^messages\.1\.content\.0\.type: content blocks of type 'server_tool_use' come from Anthropic's server-side tools/);
    // The MCP connector (`mcp_servers`, Anthropic's side reaching the servers) likewise.
    const mcp = await post({ model: 'x-openai', max_tokens: 50, mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'docs' }], messages: [{ role: 'user', content: 'hi' }] });
    expect(mcp.status).toBe(400);
    expect(((await mcp.json()) as { error: { message: string } }).error.message).toMatch(/^mcp_servers: MCP servers named in the request/);
    expect(rig.openai.requests.length + rig.bedrock.requests.length).toBe(before);
  });
  // ── Structured outputs and effort ─────────────────────────────────────────────────────────────────────────────
  // Anthropic: `output_config.format` `{type: "json_schema", schema}` makes the answer's text JSON that follows the
  // schema (structured outputs; the beta's `output_format` has the same shape), and `output_config.effort` says how
  // much the model should spend (https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs, …/effort).
  // Behind a translation both were dropped: the client got prose where it parses JSON. They now reach the provider
  // as its own structured output (OpenAI `response_format` json_schema, Gemini `responseJsonSchema`) and reasoning
  // effort (`max` and `xhigh` as the highest it knows).
  it('output_config format and effort reach OpenAI and Gemini as their structured output and reasoning effort', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const reply = JSON.stringify({ city: 'Paris' });
    const res = await post({ model: 'x-openai', max_tokens: 50, output_config: { effort: 'max', format: { type: 'json_schema', schema } }, messages: ask({ text: reply }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as MessageBody).content).toEqual([{ type: 'text', text: reply }]);
    const sent = rig.openai.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema } });
    // gpt-4o-mini does not reason, and OpenAI refuses `reasoning_effort` for it (providers/openai/model-traits.ts).
    expect(sent).not.toHaveProperty('reasoning_effort');
    const reasoning = await post({ model: 'x-openai-reasoning', max_tokens: 50, output_config: { effort: 'max', format: { type: 'json_schema', schema } }, messages: ask({ text: reply }) });
    expect(reasoning.status).toBe(200);
    expect((rig.openai.requests.at(-1)!.body as Record<string, unknown>).reasoning_effort).toBe('high');

    const beta = await post({ model: 'x-gemini', max_tokens: 50, output_format: { type: 'json_schema', schema }, messages: ask({ text: reply }) });
    expect(beta.status).toBe(200);
    const gemini = rig.gemini.requests.at(-1)!.body as { generationConfig: Record<string, unknown> };
    expect(gemini.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } });

    const bad = await post({ model: 'x-openai', max_tokens: 50, output_config: { format: { type: 'xml' } }, messages: ask({ text: reply }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^output_config\.format\.type: /);
  });
  // ── count_tokens ───────────────────────────────────────────────────────────────────────────────────────────────
  // Anthropic counts with Claude's own tokenizer (https://docs.anthropic.com/en/api/messages-count-tokens); Claude
  // Code calls it to decide when to compact. Claude on Bedrock was counted with the gateway's o200k estimate, which is
  // not Claude's tokenizer; Bedrock's CountTokens counts as Claude does, so it now answers. Other Bedrock models
  // (CountTokens serves Claude) keep the local estimate.
  it('count_tokens for Claude on Bedrock is Bedrock\'s CountTokens; other Bedrock models are estimated', async () => {
    const client = new Anthropic({ apiKey: KEYS.full, baseURL: rig.t.baseUrl, maxRetries: 0 });
    const request = {
      system: 'Be brief.',
      tools: [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }],
      messages: [{ role: 'user' as const, content: 'hello there' }],
    };
    const before = rig.bedrock.requests.length;
    // The stand-in counts ceil(prompt characters / 4): "Be brief." and "hello there" are 20.
    expect(await client.messages.countTokens({ model: 'x-bedrock', ...request })).toEqual({ input_tokens: 5 });
    const sent = rig.bedrock.requests.slice(before);
    expect(sent.map((r) => r.operation)).toEqual(['count-tokens']);
    expect(sent[0]!.body).toMatchObject({
      input: { converse: { system: [{ text: 'Be brief.' }], messages: [{ role: 'user', content: [{ text: 'hello there' }] }], toolConfig: { tools: [{ toolSpec: { name: 'get_weather' } }] } } },
    });

    // Bedrock refusing the count (throttled) is the client's answer, in Anthropic's shape with the status.
    const throttled = await client.messages.countTokens({ model: 'x-bedrock', messages: ask({ fault: { kind: 'http', status: 429 } }) }).catch((err: unknown) => err);
    expect(throttled).toBeInstanceOf(Anthropic.RateLimitError);

    let reached = false;
    rig.onRaw((_req, _body, res) => {
      reached = true;
      res.writeHead(500).end();
    });
    const nova = await client.messages.countTokens({ model: 'x-nova-raw', ...request });
    expect(nova.input_tokens).toBeGreaterThan(0);
    expect(reached).toBe(false);
  });
});

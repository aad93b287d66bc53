import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startAnthropicStandIn, STAND_IN_API_KEY as ANTHROPIC_KEY, type AnthropicStandIn } from '../stand-ins/anthropic/server.js';
import { BEDROCK_STAND_IN_CREDENTIALS, BEDROCK_STAND_IN_REGION, startBedrockStandIn, type BedrockStandIn } from '../stand-ins/bedrock/server.js';
import { GEMINI_STAND_IN_API_KEY, startGeminiStandIn, type GeminiStandIn } from '../stand-ins/gemini/server.js';
import { startOpenAiStandIn, STAND_IN_API_KEY as OPENAI_KEY, type OpenAiStandIn } from '../stand-ins/openai/server.js';
import { pdfBase64 } from '../stand-ins/pdf.js';
import { directive, type Script } from '../stand-ins/script.js';

/**
 * Golden matrix: every inbound protocol × every provider, through the real gateway processes, against stand-ins
 * that speak each provider's exact wire format. Each cell runs the same scripted answers plain and streamed:
 * text with reported usage (incl. cache reads), and two parallel tool calls. The answer must arrive intact in the
 * client's own protocol, streamed equal to plain, with usage mapped into that protocol's conventions, and the
 * spend log must record the provider's counts.
 */
const USAGE = { inputTokens: 40, outputTokens: 12, cacheReadTokens: 8, cacheWriteTokens: 0, reasoningTokens: 0 };
const TEXT: Script = { text: 'The gateway answered every protocol.', usage: USAGE };
const TOOLS: Script = {
  toolCalls: [
    { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
  ],
  usage: USAGE,
};
const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] };
const TIME_SCHEMA = { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] };

interface ToolCallResult {
  name: string;
  arguments: unknown;
}
/** What a client made of one answer, in a protocol-neutral form the cells compare. */
interface Outcome {
  text: string;
  toolCalls: ToolCallResult[];
  finish: string;
  usage: { input: number; output: number; cached: number };
}

type Inbound = 'openai-chat' | 'anthropic-messages' | 'openai-responses';
type ProviderModel = 'm-openai' | 'm-azure' | 'm-compat' | 'm-anthropic' | 'm-gemini' | 'm-bedrock';

describe('golden matrix: inbound protocol × provider', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;
  let key: string;
  const standIns: { openai?: OpenAiStandIn; azure?: OpenAiStandIn; compat?: OpenAiStandIn; anthropic?: AnthropicStandIn; gemini?: GeminiStandIn; bedrock?: BedrockStandIn } = {};

  beforeAll(async () => {
    [standIns.openai, standIns.azure, standIns.compat, standIns.anthropic, standIns.gemini, standIns.bedrock] = await Promise.all([
      startOpenAiStandIn(),
      startOpenAiStandIn({ azure: true }),
      startOpenAiStandIn({ apiKey: null }),
      startAnthropicStandIn(),
      startGeminiStandIn(),
      startBedrockStandIn(),
    ]);
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    api = admin(cp.graphqlUrl, cp.masterKey);
    const models = [
      { name: 'm-openai', provider: 'openai', providerModel: 'gpt-4o-mini', apiBase: standIns.openai.url, apiKeyRef: 'env:TG_TEST_OPENAI_KEY' },
      { name: 'm-azure', provider: 'azure', providerModel: 'gpt-4o-mini', apiBase: standIns.azure.url, apiVersion: '2024-10-21', apiKeyRef: 'env:TG_TEST_OPENAI_KEY' },
      { name: 'm-compat', provider: 'openai_compatible', providerModel: 'qwen3', apiBase: standIns.compat.url },
      { name: 'm-anthropic', provider: 'anthropic', providerModel: 'claude-sonnet-4-5', apiBase: standIns.anthropic.url, apiKeyRef: 'env:TG_TEST_ANTHROPIC_KEY' },
      { name: 'm-gemini', provider: 'gemini', providerModel: 'gemini-2.5-flash', apiBase: standIns.gemini.url, apiKeyRef: 'env:TG_TEST_GEMINI_KEY' },
      {
        name: 'm-bedrock',
        provider: 'bedrock',
        // An inference-profile id, as most Bedrock users call Claude.
        providerModel: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
        apiBase: standIns.bedrock.url,
        region: BEDROCK_STAND_IN_REGION,
        awsAccessKeyIdRef: 'env:TG_TEST_AWS_KEY_ID',
        awsSecretAccessKeyRef: 'env:TG_TEST_AWS_SECRET',
      },
    ];
    for (const m of models) {
      await api.call('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', { i: { ...m, inputCostPerMillion: 1, outputCostPerMillion: 2 } });
    }
    key = (await api.createKey({ alias: 'matrix' })).key;
    dp = await startDataPlaneProcess({
      controlPlane: cp,
      env: {
        TG_TEST_OPENAI_KEY: OPENAI_KEY,
        TG_TEST_ANTHROPIC_KEY: ANTHROPIC_KEY,
        TG_TEST_GEMINI_KEY: GEMINI_STAND_IN_API_KEY,
        TG_TEST_AWS_KEY_ID: BEDROCK_STAND_IN_CREDENTIALS.accessKeyId,
        TG_TEST_AWS_SECRET: BEDROCK_STAND_IN_CREDENTIALS.secretAccessKey,
      },
    });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: 'models on the data plane' });
  });

  afterAll(async () => {
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
    await Promise.all(Object.values(standIns).map((s) => s?.close()));
  });

  const openai = () => new OpenAI({ apiKey: key, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
  const anthropic = () => new Anthropic({ apiKey: key, baseURL: dp.baseUrl, maxRetries: 0 });

  const parse = (text: string): unknown => JSON.parse(text);

  async function viaOpenAiChat(model: string, script: Script, stream: boolean): Promise<Outcome> {
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: WEATHER_SCHEMA } },
      { type: 'function' as const, function: { name: 'get_time', parameters: TIME_SCHEMA } },
    ];
    const messages = [{ role: 'user' as const, content: `Weather and time in Paris? ${directive(script)}` }];
    if (!stream) {
      const r = await openai().chat.completions.create({ model, messages, tools });
      const m = r.choices[0]!.message;
      return {
        text: m.content ?? '',
        toolCalls: (m.tool_calls ?? []).map((c) => ({ name: (c as { function: { name: string } }).function.name, arguments: parse((c as { function: { arguments: string } }).function.arguments) })),
        finish: r.choices[0]!.finish_reason,
        usage: { input: r.usage!.prompt_tokens, output: r.usage!.completion_tokens, cached: r.usage!.prompt_tokens_details?.cached_tokens ?? 0 },
      };
    }
    const s = openai().chat.completions.stream({ model, messages, tools, stream_options: { include_usage: true } });
    const r = await s.finalChatCompletion();
    const m = r.choices[0]!.message;
    return {
      text: m.content ?? '',
      toolCalls: (m.tool_calls ?? []).map((c) => ({ name: (c as { function: { name: string } }).function.name, arguments: parse((c as { function: { arguments: string } }).function.arguments) })),
      finish: r.choices[0]!.finish_reason,
      usage: { input: r.usage!.prompt_tokens, output: r.usage!.completion_tokens, cached: r.usage!.prompt_tokens_details?.cached_tokens ?? 0 },
    };
  }

  async function viaAnthropic(model: string, script: Script, stream: boolean): Promise<Outcome> {
    const params = {
      model,
      max_tokens: 1024,
      tools: [
        { name: 'get_weather', input_schema: WEATHER_SCHEMA as Anthropic.Tool.InputSchema },
        { name: 'get_time', input_schema: TIME_SCHEMA as Anthropic.Tool.InputSchema },
      ],
      messages: [{ role: 'user' as const, content: `Weather and time in Paris? ${directive(script)}` }],
    };
    const msg = stream ? await anthropic().messages.stream(params).finalMessage() : await anthropic().messages.create(params);
    const u = msg.usage;
    return {
      text: msg.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''),
      toolCalls: msg.content.flatMap((b) => (b.type === 'tool_use' ? [{ name: b.name, arguments: b.input }] : [])),
      finish: msg.stop_reason ?? '',
      // Anthropic's input_tokens excludes cache reads and writes.
      usage: { input: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), output: u.output_tokens, cached: u.cache_read_input_tokens ?? 0 },
    };
  }

  async function viaResponses(model: string, script: Script, stream: boolean): Promise<Outcome> {
    const params = {
      model,
      input: `Weather and time in Paris? ${directive(script)}`,
      tools: [
        { type: 'function' as const, name: 'get_weather', parameters: WEATHER_SCHEMA, strict: false },
        { type: 'function' as const, name: 'get_time', parameters: TIME_SCHEMA, strict: false },
      ],
    };
    const r = stream ? await openai().responses.stream(params).finalResponse() : await openai().responses.create(params);
    return {
      text: r.output_text,
      toolCalls: r.output.flatMap((item) => (item.type === 'function_call' ? [{ name: item.name, arguments: parse(item.arguments) }] : [])),
      finish: r.status ?? '',
      usage: { input: r.usage!.input_tokens, output: r.usage!.output_tokens, cached: r.usage!.input_tokens_details.cached_tokens },
    };
  }

  const run: Record<Inbound, (model: string, script: Script, stream: boolean) => Promise<Outcome>> = {
    'openai-chat': viaOpenAiChat,
    'anthropic-messages': viaAnthropic,
    'openai-responses': viaResponses,
  };
  const toolFinish: Record<Inbound, string> = { 'openai-chat': 'tool_calls', 'anthropic-messages': 'tool_use', 'openai-responses': 'completed' };
  const textFinish: Record<Inbound, string> = { 'openai-chat': 'stop', 'anthropic-messages': 'end_turn', 'openai-responses': 'completed' };
  const inbounds: Inbound[] = ['openai-chat', 'anthropic-messages', 'openai-responses'];
  const providers: ProviderModel[] = ['m-openai', 'm-azure', 'm-compat', 'm-anthropic', 'm-gemini', 'm-bedrock'];
  const CELLS = inbounds.length * providers.length;

  /** Streams a request whose upstream fails after two chunks; returns the error the client's SDK raised. */
  async function failingStream(inbound: Inbound, model: string, script: Script): Promise<unknown> {
    const content = `Tell me a story. ${directive(script)}`;
    try {
      if (inbound === 'openai-chat') {
        const stream = await openai().chat.completions.create({ model, stream: true, messages: [{ role: 'user', content }] });
        for await (const _ of stream) void _;
      } else if (inbound === 'anthropic-messages') {
        await anthropic().messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content }] }).finalMessage();
      } else {
        await openai().responses.stream({ model, input: content }).finalResponse();
      }
    } catch (err) {
      return err;
    }
    return undefined;
  }

  for (const inbound of inbounds) {
    for (const model of providers) {
      describe(`${inbound} → ${model}`, () => {
        it('text with usage, plain and streamed alike', async () => {
          const plain = await run[inbound](model, TEXT, false);
          const streamed = await run[inbound](model, TEXT, true);
          expect(plain).toEqual({ text: TEXT.text, toolCalls: [], finish: textFinish[inbound], usage: { input: 40, output: 12, cached: 8 } });
          expect(streamed).toEqual(plain);
        });

        it('two parallel tool calls, plain and streamed alike', async () => {
          const plain = await run[inbound](model, TOOLS, false);
          const streamed = await run[inbound](model, TOOLS, true);
          expect(plain.toolCalls).toEqual([
            { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
            { name: 'get_time', arguments: { timezone: 'Europe/Paris' } },
          ]);
          expect(plain.finish).toBe(toolFinish[inbound]);
          expect(plain.usage).toEqual({ input: 40, output: 12, cached: 8 });
          expect(streamed).toEqual(plain);
        });

        it('a stream the provider breaks mid-way ends in an error the client sees, never a silent 200', async () => {
          const story = 'Once upon a time there was a gateway that never lost a token.';
          for (const fault of [{ kind: 'midstream', afterChunks: 2 }, { kind: 'drop', afterChunks: 2 }] as const) {
            const err = await failingStream(inbound, model, { text: story, fault });
            expect(err, `${fault.kind}: the SDK must raise`).toBeInstanceOf(Error);
          }
        });

        it('a provider 429 before any output is a 429 with retry-after in the client protocol', async () => {
          const script: Script = { fault: { kind: 'http', status: 429, retryAfter: '7', message: 'slow down' } };
          const err = (await (inbound === 'anthropic-messages'
            ? anthropic().messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: directive(script) }] })
            : inbound === 'openai-chat'
              ? openai().chat.completions.create({ model, messages: [{ role: 'user', content: directive(script) }] })
              : openai().responses.create({ model, input: directive(script) })
          ).catch((e: unknown) => e)) as { status?: number; headers?: Headers };
          expect(err.status).toBe(429);
          expect(err.headers?.get('retry-after')).toBe('7');
          if (inbound === 'anthropic-messages') expect(err).toBeInstanceOf(Anthropic.RateLimitError);
          else expect(err).toBeInstanceOf(OpenAI.RateLimitError);
        });
      });
    }
  }

  // Client disconnect: the upstream request is aborted at once (measured), and the partial answer is billed.
  const upstreamOf: Record<ProviderModel, () => { requests: Array<{ closed: Promise<unknown> }> }> = {
    'm-openai': () => standIns.openai!,
    'm-azure': () => standIns.azure!,
    'm-compat': () => standIns.compat!,
    'm-anthropic': () => standIns.anthropic!,
    'm-gemini': () => standIns.gemini!,
    'm-bedrock': () => standIns.bedrock!,
  };
  const abortDelays: number[] = [];
  for (const model of providers) {
    it(`${model}: a client that disconnects mid-stream aborts the upstream request promptly`, async () => {
      const upstream = upstreamOf[model]();
      const before = upstream.requests.length;
      const controller = new AbortController();
      const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
      const stream = await openai().chat.completions.create(
        { model, stream: true, messages: [{ role: 'user', content: directive({ text, chunkDelayMs: 20 }) }] },
        { signal: controller.signal },
      );
      let chunks = 0;
      const aborted = (async () => {
        for await (const _ of stream) {
          if (++chunks === 3) break;
        }
      })();
      await aborted;
      const abortedAt = performance.now();
      controller.abort();
      await waitFor(() => upstream.requests.length > before, { what: 'the upstream request' });
      await upstream.requests[before]!.closed;
      const delay = performance.now() - abortedAt;
      abortDelays.push(delay);
      // The upstream would have streamed for 4 more seconds; it must be cut within a few event-loop turns.
      expect(delay).toBeLessThan(250);
    });
  }

  it('records aborted streams with their partial tokens', async () => {
    const rows = await waitFor(async () => {
      const aborted = (await api.spendLogs()).filter((l) => l.status === 'aborted');
      return aborted.length >= providers.length ? aborted : null;
    }, { timeoutMs: 10_000, what: 'aborted usage rows' });
    for (const row of rows) {
      expect(row.completionTokens, `${row.provider}: ${row.completionTokens} tokens`).toBeGreaterThanOrEqual(2);
      expect(row.completionTokens).toBeLessThan(200);
    }
    console.log(`client abort → upstream socket closed, per provider (ms): ${abortDelays.map((d) => d.toFixed(1)).join(', ')}`);
  });

  it('records every broken stream in the spend log as an error', async () => {
    const rows = await waitFor(async () => {
      const logs = await api.spendLogs();
      const broken = logs.filter((l) => l.status === 'error' && l.stream);
      return broken.length >= CELLS * 2 ? broken : null;
    }, { timeoutMs: 10_000, what: 'error rows of broken streams' });
    expect(rows).toHaveLength(CELLS * 2);
    for (const row of rows) expect(row.completionTokens).toBeGreaterThan(0);
  });

  // Legacy completions (text only) reach every provider too: the prompt becomes one user message.
  for (const model of providers) {
    it(`openai-completions → ${model}: text with usage, plain and streamed alike`, async () => {
      const prompt = `Complete this. ${directive(TEXT)}`;
      const plain = await openai().completions.create({ model, prompt, max_tokens: 64 });
      expect(plain.choices[0]?.text).toBe(TEXT.text);
      expect(plain.choices[0]?.finish_reason).toBe('stop');
      expect(plain.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 });
      const stream = await openai().completions.create({ model, prompt, max_tokens: 64, stream: true, stream_options: { include_usage: true } });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? '';
        usage = chunk.usage ?? usage;
      }
      expect(text).toBe(TEXT.text);
      expect(usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 12 });
    });
  }

  it('a context-window error from any provider is recognisable as context_length_exceeded', async () => {
    const script: Script = { fault: { kind: 'http', status: 400, message: 'prompt is too long: 250000 tokens > 200000 maximum' } };
    for (const model of providers) {
      const err = (await openai().chat.completions.create({ model, messages: [{ role: 'user', content: directive(script) }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
      expect(err, model).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.code, model).toBe('context_length_exceeded');
      expect(err.message, model).toContain('prompt is too long');
    }
  });

  it('embeddings reach an OpenAI-family provider, float and the SDK default (base64) alike', async () => {
    for (const model of ['m-openai', 'm-azure', 'm-compat']) {
      const input = ['tollgate', 'gateway'];
      const floats = await openai().embeddings.create({ model, input, encoding_format: 'float' });
      const decoded = await openai().embeddings.create({ model, input });
      expect(floats.data).toHaveLength(2);
      expect(floats.data[0]!.embedding.length).toBeGreaterThan(0);
      expect(decoded.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => Array.from(new Float32Array(d.embedding))));
      expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
    }
    const err = await openai().embeddings.create({ model: 'm-anthropic', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('embeddings_not_supported');
  });

  it('records the provider-reported tokens of every cell in the spend log', async () => {
    const expected = CELLS * 4 + providers.length * 2;
    const successful = await waitFor(async () => {
      const rows = (await api.spendLogs()).filter((r) => r.status === 'success' && !r.route.includes('/embeddings'));
      return rows.length >= expected ? rows : null;
    }, { timeoutMs: 10_000, what: 'spend rows of the matrix' });
    expect(successful).toHaveLength(expected);
    // Every deployment costs 1 and 2 per million input and output tokens; its 8 cache reads cost the pricing table's
    // cache price for its model (the input price where the table has none: the OpenAI-compatible qwen3). Legacy
    // completions forwarded to an OpenAI-family upstream report no cache reads (the stand-in's completions usage, like
    // OpenAI's, has no details), so all 40 are billed as input there.
    const cachedPrice: Record<string, number> = { openai: 0.075, azure: 0.075, openai_compatible: 1, anthropic: 0.3, gemini: 0.03, bedrock: 0.3 };
    const openAiFamily = new Set(['openai', 'azure', 'openai_compatible']);
    for (const row of successful) {
      expect([row.promptTokens, row.completionTokens]).toEqual([40, 12]);
      const cached = row.route === '/v1/completions' && openAiFamily.has(row.provider!) ? 0 : 8;
      expect(Number(row.cost)).toBeCloseTo(((40 - cached) * 1 + cached * cachedPrice[row.provider!]! + 12 * 2) / 1e6, 12);
    }
    expect(new Set(successful.map((r) => r.provider))).toEqual(new Set(['openai', 'azure', 'openai_compatible', 'anthropic', 'gemini', 'bedrock']));
  });

  // What Claude Code sends: cached system blocks and tools, metadata.user_id, anthropic-beta, `?beta=true`.
  const claudeCodeRequest = (model: string) => ({
    model,
    max_tokens: 512,
    system: [
      { type: 'text' as const, text: 'You are Claude Code.' },
      { type: 'text' as const, text: 'Project instructions: be exact.', cache_control: { type: 'ephemeral' as const } },
    ],
    tools: [{ name: 'Read', description: 'Read a file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } }, cache_control: { type: 'ephemeral' as const } }],
    metadata: { user_id: 'user_abc_session_1' },
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: `Read the README. ${directive({ toolCalls: [{ name: 'Read', arguments: '{"path":"README.md"}' }] })}`, cache_control: { type: 'ephemeral' as const } }] }],
  });

  it('Claude Code → Anthropic target: cache_control markers arrive upstream where they were set', async () => {
    const before = standIns.anthropic!.requests.length;
    const msg = await anthropic().messages.create(claudeCodeRequest('m-anthropic'), { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' }, query: { beta: 'true' } });
    expect(msg.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'Read', input: { path: 'README.md' } })]);
    const sent = standIns.anthropic!.requests[before]!.body as {
      system: Array<{ text: string; cache_control?: unknown }>;
      tools: Array<{ name: string; cache_control?: unknown }>;
      messages: Array<{ content: Array<{ cache_control?: unknown }> }>;
      metadata?: { user_id?: string };
    };
    expect(sent.system.map((b) => b.cache_control ?? null)).toEqual([null, { type: 'ephemeral' }]);
    expect(sent.tools[0]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(sent.messages[0]!.content[0]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(sent.metadata?.user_id).toBe('user_abc_session_1');
    // Beta feature flags reach an Anthropic target.
    expect(standIns.anthropic!.requests[before]!.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    // Metadata Anthropic would refuse (a LiteLLM client's generation_name, the gateway's tags) is recorded, not sent on.
    const tagged = { ...claudeCodeRequest('m-anthropic'), metadata: { user_id: 'user_abc_session_1', generation_name: 'nightly', tags: ['ci'] } };
    await anthropic().messages.create(tagged as Parameters<ReturnType<typeof anthropic>['messages']['create']>[0] & { stream?: false });
    expect((standIns.anthropic!.requests.at(-1)!.body as { metadata?: unknown }).metadata).toEqual({ user_id: 'user_abc_session_1' });
  });

  it('Claude Code → Bedrock target: cache_control markers become cachePoint blocks, betas Bedrock serves go along', async () => {
    const before = standIns.bedrock!.requests.length;
    await anthropic().messages.create(claudeCodeRequest('m-bedrock'), { headers: { 'anthropic-beta': 'claude-code-20250219,token-efficient-tools-2025-02-19' } });
    const sent = standIns.bedrock!.requests[before]!.body as {
      system: unknown[];
      toolConfig: { tools: unknown[] };
      messages: Array<{ content: unknown[] }>;
      additionalModelRequestFields?: unknown;
    };
    // Bedrock refuses a request naming a beta it does not serve, so Claude Code's own flag stays behind.
    expect(sent.additionalModelRequestFields).toEqual({ anthropic_beta: ['token-efficient-tools-2025-02-19'] });
    expect(sent.system).toEqual([{ text: 'You are Claude Code.' }, { text: 'Project instructions: be exact.' }, { cachePoint: { type: 'default' } }]);
    expect(sent.toolConfig.tools.at(-1)).toEqual({ cachePoint: { type: 'default' } });
    expect(sent.messages[0]!.content.at(-1)).toEqual({ cachePoint: { type: 'default' } });
  });

  it('Claude Code → GPT and Gemini targets: the same request works, markers dropped', async () => {
    for (const model of ['m-openai', 'm-gemini']) {
      const msg = await anthropic().messages.create(claudeCodeRequest(model), { query: { beta: 'true' }, headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
      expect(msg.stop_reason).toBe('tool_use');
      expect(msg.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'Read', input: { path: 'README.md' } })]);
    }
    const sentToOpenAi = standIns.openai!.requests.at(-1)!.body as { user?: string; messages: unknown[] };
    expect(JSON.stringify(sentToOpenAi)).not.toContain('cache_control');
    expect(standIns.openai!.requests.at(-1)!.headers['anthropic-beta']).toBeUndefined();
    expect(sentToOpenAi.user).toBe('user_abc_session_1');
  });

  it('Anthropic SDK → Anthropic target: what the canonical form does not model (citations) arrives as Anthropic sent it, plain and streamed', async () => {
    const citation = { type: 'char_location', cited_text: 'Revenue grew 12%.', document_index: 0, document_title: 'Q3 report', start_char_index: 0, end_char_index: 17 };
    const script: Script = { text: 'Revenue grew 12%.', citations: [citation], usage: { cacheWriteTokens: 100, inputTokens: 150 } };
    const request = (): Anthropic.MessageCreateParamsNonStreaming => ({ model: 'm-anthropic', max_tokens: 64, messages: [{ role: 'user', content: `How did revenue do? ${directive(script)}` }] });
    const plain = await anthropic().messages.create(request());
    expect(plain.content).toEqual([{ type: 'text', text: 'Revenue grew 12%.', citations: [citation] }]);
    expect(plain.usage).toMatchObject({ cache_creation_input_tokens: 100, input_tokens: 50 });
    const streamed = await anthropic().messages.stream(request()).finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'Revenue grew 12%.', citations: [citation] }]);
  });

  it('Claude Code → GPT target: an image a tool returned reaches the model, after the tool message', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const before = standIns.openai!.requests.length;
    const msg = await anthropic().messages.create({
      model: 'm-openai',
      max_tokens: 64,
      tools: [{ name: 'screenshot', description: 'Takes a screenshot', input_schema: { type: 'object', properties: {} } }],
      messages: [
        { role: 'user', content: 'Take a screenshot.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01shot', name: 'screenshot', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01shot', content: [{ type: 'text', text: 'Screenshot taken.' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] },
            { type: 'text', text: `What is on it? ${directive(TEXT)}` },
          ],
        },
      ],
    });
    expect(msg.content).toEqual([{ type: 'text', text: TEXT.text }]);
    const sent = standIns.openai!.requests[before]!.body as { messages: Array<{ role: string; content: unknown; tool_call_id?: string }> };
    expect(sent.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'toolu_01shot', content: 'Screenshot taken.\n[an attachment of this result follows in the next user message]' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Attachments of the result of tool call toolu_01shot:' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
        ],
      },
      { role: 'user', content: `What is on it? ${directive(TEXT)}` },
    ]);
  });

  it('Responses go to the openai target as is (native pass-through); the other OpenAI-family targets get them translated', async () => {
    for (const [model, upstream, path] of [
      ['m-openai', standIns.openai!, '/v1/responses'],
      ['m-azure', standIns.azure!, '/openai/deployments/gpt-4o-mini/chat/completions'],
      ['m-compat', standIns.compat!, '/v1/chat/completions'],
    ] as const) {
      const before = upstream.requests.length;
      const r = await openai().responses.create({ model, input: `Say it. ${directive(TEXT)}`, max_output_tokens: 32 });
      expect(r.output_text, model).toBe(TEXT.text);
      expect(upstream.requests[before]!.path, model).toBe(path);
    }
    expect(standIns.openai!.requests.at(-1)!.body).toEqual({ model: 'gpt-4o-mini', input: `Say it. ${directive(TEXT)}`, max_output_tokens: 32 });
  });

  it('legacy completions go to the completions endpoint of OpenAI-family providers (instruct models work)', async () => {
    for (const [model, upstream, path] of [
      ['m-openai', standIns.openai!, '/v1/completions'],
      ['m-azure', standIns.azure!, '/openai/deployments/gpt-4o-mini/completions'],
      ['m-compat', standIns.compat!, '/v1/completions'],
    ] as const) {
      const before = upstream.requests.length;
      const r = await openai().completions.create({ model, prompt: `Say it. ${directive(TEXT)}`, max_tokens: 32, suffix: undefined });
      expect(r.choices[0]?.text, model).toBe(TEXT.text);
      const sent = upstream.requests[before] as unknown as { path: string; body: { prompt: string; max_tokens: number } };
      expect(sent.path, model).toBe(path);
      expect(sent.body.prompt).toContain('Say it.');
      expect(sent.body.max_tokens).toBe(32);
    }
  });

  // Documents: a PDF as Claude Code and the Anthropic SDK send it reaches every provider kind in that provider's shape.
  const PDF = pdfBase64('Quarterly revenue grew 12%.');
  const documentRequest = (model: string): Anthropic.MessageCreateParamsNonStreaming => ({
    model,
    max_tokens: 256,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'Q3 report', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: `Summarise the report. ${directive(TEXT)}` },
        ],
      },
    ],
  });
  const openAiFile = { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF}`, filename: 'Q3 report.pdf' } };
  /** Where each provider's request holds the first user turn's parts, and what the document must look like there. */
  const documentSeen: Record<ProviderModel, { upstream: () => { requests: Array<{ body: unknown }> }; parts: (body: any) => unknown[]; expected: unknown[] }> = {
    'm-openai': { upstream: () => standIns.openai!, parts: (b) => b.messages[0].content, expected: [openAiFile] },
    'm-azure': { upstream: () => standIns.azure!, parts: (b) => b.messages[0].content, expected: [openAiFile] },
    'm-compat': { upstream: () => standIns.compat!, parts: (b) => b.messages[0].content, expected: [openAiFile] },
    'm-anthropic': {
      upstream: () => standIns.anthropic!,
      parts: (b) => b.messages[0].content,
      expected: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'Q3 report', cache_control: { type: 'ephemeral' } }],
    },
    'm-gemini': { upstream: () => standIns.gemini!, parts: (b) => b.contents[0].parts, expected: [{ inlineData: { mimeType: 'application/pdf', data: PDF } }] },
    'm-bedrock': {
      upstream: () => standIns.bedrock!,
      parts: (b) => b.messages[0].content,
      expected: [{ document: { format: 'pdf', name: 'Q3 report', source: { bytes: PDF } } }, { cachePoint: { type: 'default' } }],
    },
  };

  for (const model of providers) {
    it(`anthropic-messages → ${model}: a base64 PDF document block gets an answer, and the provider sees the document in its own shape`, async () => {
      const { upstream, parts, expected } = documentSeen[model];
      const before = upstream().requests.length;
      const msg = await anthropic().messages.create(documentRequest(model));
      expect(msg.content).toEqual([{ type: 'text', text: TEXT.text }]);
      expect(msg.stop_reason).toBe('end_turn');
      const sent = parts(upstream().requests[before]!.body);
      expect(sent.slice(0, expected.length)).toEqual(expected);
      expect(JSON.stringify(sent)).toContain('Summarise the report.');
    });
  }

  it('openai-chat and openai-responses → Anthropic target: a PDF file part arrives as a document block; a file id is a 400 naming the parameter', async () => {
    const before = standIns.anthropic!.requests.length;
    const chat = await openai().chat.completions.create({
      model: 'm-anthropic',
      messages: [{ role: 'user', content: [openAiFile as OpenAI.ChatCompletionContentPart.File, { type: 'text', text: `Summarise. ${directive(TEXT)}` }] }],
    });
    expect(chat.choices[0]!.message.content).toBe(TEXT.text);
    const document = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'Q3 report.pdf' };
    expect((standIns.anthropic!.requests[before]!.body as { messages: Array<{ content: unknown[] }> }).messages[0]!.content[0]).toEqual(document);

    const response = await openai().responses.create({
      model: 'm-anthropic',
      input: [{ role: 'user', content: [{ type: 'input_file', filename: 'Q3 report.pdf', file_data: openAiFile.file.file_data }, { type: 'input_text', text: `Summarise. ${directive(TEXT)}` }] }],
    });
    expect(response.output_text).toBe(TEXT.text);
    expect((standIns.anthropic!.requests.at(-1)!.body as { messages: Array<{ content: unknown[] }> }).messages[0]!.content[0]).toEqual(document);

    const err = (await openai()
      .chat.completions.create({ model: 'm-anthropic', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'file', file: { file_id: 'file-abc123' } }] }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('messages[0].content[1].file.file_id');
    expect(err.message).toContain('files are not stored by the gateway');
  });
});

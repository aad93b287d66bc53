import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin, type SpendLogRow } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startAnthropicStandIn, STAND_IN_API_KEY as ANTHROPIC_KEY, type AnthropicStandIn } from '../stand-ins/anthropic/server.js';
import { startOpenAiStandIn, STAND_IN_API_KEY as OPENAI_KEY, type OpenAiStandIn } from '../stand-ins/openai/server.js';
import { directive, type Script } from '../stand-ins/script.js';

/**
 * The Responses API through the real gateway processes, with the official openai SDK, against an `openai` target:
 * the native pass-through. What only OpenAI can do (stored responses, built-in tools, includes) reaches the
 * upstream exactly as the client sent it, the answer comes back as OpenAI sent it, and the spend log has the
 * upstream's counts. The same stateful request to a translated target (Anthropic) keeps its clear 400.
 */
const USAGE = { inputTokens: 40, outputTokens: 12, cacheReadTokens: 8, cacheWriteTokens: 0, reasoningTokens: 0 };
const TEXT: Script = { text: 'The answer came straight from OpenAI.', usage: USAGE };
const TOOLS: Script = {
  toolCalls: [
    { name: 'get_weather', arguments: '{"city":"Paris"}' },
    { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
  ],
  usage: USAGE,
};
const functionTools = [
  { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false },
  { type: 'function' as const, name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } }, strict: false },
];

describe('Responses API, native pass-through to an openai target', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;
  let key: string;
  let upstream: OpenAiStandIn;
  let anthropicUpstream: AnthropicStandIn;
  let azureUpstream: OpenAiStandIn;
  /** A local OpenAI-compatible server (vLLM-like: no key). */
  let compatibleUpstream: OpenAiStandIn;
  let client: OpenAI;

  beforeAll(async () => {
    [upstream, anthropicUpstream, azureUpstream, compatibleUpstream] = await Promise.all([
      startOpenAiStandIn(),
      startAnthropicStandIn(),
      startOpenAiStandIn({ azure: true }),
      startOpenAiStandIn({ apiKey: null }),
    ]);
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    api = admin(cp.graphqlUrl, cp.masterKey);
    const models = [
      { name: 'gpt', provider: 'openai', providerModel: 'gpt-4o-mini', apiBase: upstream.url, apiKeyRef: 'env:TG_TEST_OPENAI_KEY' },
      { name: 'claude', provider: 'anthropic', providerModel: 'claude-sonnet-4-5', apiBase: anthropicUpstream.url, apiKeyRef: 'env:TG_TEST_ANTHROPIC_KEY' },
      // Marked as serving the Responses API: forwarded like OpenAI's. Unmarked, the same server gets chat completions.
      { name: 'azure-gpt', provider: 'azure', providerModel: 'gpt-5-deployment', apiBase: azureUpstream.url, apiVersion: '2024-10-21', apiKeyRef: 'env:TG_TEST_OPENAI_KEY', responsesApi: true },
      { name: 'vllm', provider: 'openai_compatible', providerModel: 'qwen3', apiBase: compatibleUpstream.url, responsesApi: true },
      { name: 'vllm-chat', provider: 'openai_compatible', providerModel: 'qwen3', apiBase: compatibleUpstream.url },
    ];
    for (const m of models) {
      await api.call('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', { i: { ...m, inputCostPerMillion: 1, outputCostPerMillion: 2 } });
    }
    key = (await api.createKey({ alias: 'responses' })).key;
    dp = await startDataPlaneProcess({ controlPlane: cp, env: { TG_TEST_OPENAI_KEY: OPENAI_KEY, TG_TEST_ANTHROPIC_KEY: ANTHROPIC_KEY } });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: 'models on the data plane' });
    client = new OpenAI({ apiKey: key, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
    await Promise.all([upstream?.close(), anthropicUpstream?.close(), azureUpstream?.close(), compatibleUpstream?.close()]);
  });

  /** The spend row of one gateway request (its id is the `x-request-id` the SDK exposes as `_request_id`). */
  const spendRow = (requestId: string | null | undefined): Promise<SpendLogRow> =>
    waitFor(async () => (await api.spendLogs()).find((row) => row.requestId === requestId) ?? null, { timeoutMs: 10_000, what: `spend row ${requestId}` });

  /**
   * A streamed request, read event by event as a client would: the text deltas, the final response (from
   * `response.completed`), the gateway's request id, and the error the SDK raised, if any.
   */
  async function streamed(params: OpenAI.Responses.ResponseCreateParamsStreaming) {
    const { data, request_id: requestId } = await client.responses.create(params).withResponse();
    const deltas: string[] = [];
    let final: OpenAI.Responses.Response | undefined;
    let error: unknown;
    try {
      for await (const event of data) {
        if (event.type === 'response.output_text.delta') deltas.push(event.delta);
        if (event.type === 'response.completed') final = event.response;
      }
    } catch (err) {
      error = err;
    }
    return { deltas, final, requestId, error };
  }

  /** What the upstream received for the next request this runs. */
  async function upstreamBodyOf<T>(run: () => Promise<T>): Promise<{ result: T; body: Record<string, unknown>; raw: string; path: string }> {
    const before = upstream.requests.length;
    const result = await run();
    const sent = upstream.requests[before]!;
    return { result, body: sent.body as Record<string, unknown>, raw: sent.raw, path: sent.path };
  }

  it('sends a request upstream byte for byte (only the model becomes the deployment’s) and returns the upstream response', async () => {
    const clientBody = JSON.stringify({ model: 'gpt', input: `Hi. ${directive(TEXT)}`, instructions: 'be brief', store: true, metadata: { ticket: 'T-1' }, service_tier: 'flex' });
    const { result: res, raw, path } = await upstreamBodyOf(() =>
      fetch(`${dp.baseUrl}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: clientBody }),
    );
    expect(path).toBe('/v1/responses');
    expect(raw).toBe(clientBody.replace('"model":"gpt"', '"model":"gpt-4o-mini"'));
    expect(res.status).toBe(200);
    const response = (await res.json()) as OpenAI.Responses.Response;
    // The upstream's own object: its id and model name, not the gateway's.
    expect(response.id).toMatch(/^resp_StandIn/);
    expect(response.model).toBe('gpt-4o-mini-2024-07-18');
    const row = await spendRow(res.headers.get('x-request-id'));
    expect(row).toMatchObject({ model: 'gpt', provider: 'openai', route: '/v1/responses', stream: false, status: 'success', promptTokens: 40, completionTokens: 12 });
    // 8 of the 40 input tokens were cache reads, at the pricing table's gpt-4o-mini cache price (0.075 per million).
    expect(Number(row.cost)).toBeCloseTo((32 * 1 + 8 * 0.075 + 12 * 2) / 1e6, 12);
  });

  it('answers text plain and streamed alike, with the upstream usage in the spend log', async () => {
    const input = `Say it. ${directive(TEXT)}`;
    const plain = await client.responses.create({ model: 'gpt', input });
    expect(plain.output_text).toBe(TEXT.text);
    expect(plain.usage).toMatchObject({ input_tokens: 40, output_tokens: 12, input_tokens_details: { cached_tokens: 8 } });

    const helper = await client.responses.stream({ model: 'gpt', input }).finalResponse();
    expect(helper.output_text).toBe(TEXT.text);
    expect(helper.status).toBe('completed');
    expect(helper.usage).toEqual(plain.usage);

    const { deltas, final, requestId } = await streamed({ model: 'gpt', input, stream: true });
    expect(deltas.join('')).toBe(TEXT.text);
    expect(final?.usage).toEqual(plain.usage);

    for (const id of [plain._request_id, requestId]) {
      expect(await spendRow(id)).toMatchObject({ provider: 'openai', status: 'success', promptTokens: 40, completionTokens: 12 });
    }
  });

  it('returns parallel function calls, plain and streamed alike', async () => {
    const input = `Weather and time? ${directive(TOOLS)}`;
    const calls = (r: OpenAI.Responses.Response) => r.output.flatMap((item) => (item.type === 'function_call' ? [{ call_id: item.call_id, name: item.name, arguments: JSON.parse(item.arguments) as unknown }] : []));
    const plain = await client.responses.create({ model: 'gpt', input, tools: functionTools, parallel_tool_calls: true });
    const streamed = await client.responses.stream({ model: 'gpt', input, tools: functionTools, parallel_tool_calls: true }).finalResponse();
    expect(calls(plain)).toEqual([
      { call_id: 'call_00standin', name: 'get_weather', arguments: { city: 'Paris' } },
      { call_id: 'call_01standin', name: 'get_time', arguments: { timezone: 'Europe/Paris' } },
    ]);
    expect(calls(streamed)).toEqual(calls(plain));
    expect(streamed.usage).toEqual(plain.usage);
  });

  it('passes a built-in tool (web_search) and includes through untouched, and the upstream’s web_search_call back', async () => {
    const params = {
      model: 'gpt',
      input: 'What happened today?',
      tools: [{ type: 'web_search' as const, search_context_size: 'low' as const }, ...functionTools],
      tool_choice: 'auto' as const,
      include: ['web_search_call.action.sources' as const],
    };
    for (const stream of [false, true]) {
      const { result, body } = await upstreamBodyOf<OpenAI.Responses.Response>(() => (stream ? client.responses.stream(params).finalResponse() : client.responses.create(params)));
      expect(body).toEqual({ ...params, model: 'gpt-4o-mini', ...(stream && { stream: true }) });
      expect(result.output.map((item) => item.type)).toEqual(['web_search_call', 'message']);
      expect(result.output_text).toBe('Echo: What happened today?');
    }
  });

  it('continues a stored response with previous_response_id, which reaches the upstream unchanged', async () => {
    const first = await client.responses.create({ model: 'gpt', input: 'Remember the number 7.', store: true });
    const { result: second, body } = await upstreamBodyOf(() =>
      client.responses.create({ model: 'gpt', input: 'Which number?', previous_response_id: first.id, include: ['reasoning.encrypted_content'] }),
    );
    expect(body).toEqual({ model: 'gpt-4o-mini', input: 'Which number?', previous_response_id: first.id, include: ['reasoning.encrypted_content'] });
    expect(second.previous_response_id).toBe(first.id);
    // The upstream's own 400 for an id it does not know reaches the client as OpenAI sent it.
    const err = await client.responses.create({ model: 'gpt', input: 'x', previous_response_id: 'resp_unknown' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("Previous response with id 'resp_unknown' not found.");
  });

  it('makes the SDK raise on a stream the upstream breaks mid-way, and records it as an error with the partial output', async () => {
    const story = 'Once upon a time there was a gateway that never lost a token.';
    for (const fault of [{ kind: 'midstream', afterChunks: 2, message: 'upstream overloaded' }, { kind: 'drop', afterChunks: 2 }] as const) {
      const input = directive({ text: story, fault });
      const err = await client.responses.stream({ model: 'gpt', input }).finalResponse().catch((e: unknown) => e);
      expect(err, fault.kind).toBeInstanceOf(OpenAI.APIError);
      if (fault.kind === 'midstream') expect((err as Error).message).toContain('upstream overloaded');
      const { deltas, final, requestId, error } = await streamed({ model: 'gpt', input, stream: true });
      expect(error, fault.kind).toBeInstanceOf(OpenAI.APIError);
      expect(deltas.join('')).toBe('Once upon');
      expect(final).toBeUndefined();
      const row = await spendRow(requestId);
      expect(row, fault.kind).toMatchObject({ provider: 'openai', stream: true, status: 'error', errorType: 'upstream_error', completionTokens: 2 });
      expect(row.promptTokens).toBeGreaterThan(0);
    }
  });

  it('answers an upstream 429 before any output as a 429 with retry-after', async () => {
    for (const stream of [false, true]) {
      const err = await client.responses
        .create({ model: 'gpt', input: directive({ fault: { kind: 'http', status: 429, retryAfter: '7', message: 'slow down' } }), stream })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const rateLimited = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateLimited.status).toBe(429);
      expect(rateLimited.headers?.get('retry-after')).toBe('7');
      expect(rateLimited.message).toContain('slow down');
    }
  });

  it('keeps the clear 400s for a translated target (Anthropic): stored responses and built-in tools', async () => {
    const before = anthropicUpstream.requests.length;
    const stored = await client.responses.create({ model: 'claude', input: 'x', previous_response_id: 'resp_123' }).catch((e: unknown) => e);
    expect(stored).toBeInstanceOf(OpenAI.BadRequestError);
    expect(stored).toMatchObject({ status: 400, param: 'previous_response_id' });
    expect((stored as Error).message).toMatch(/served through a translation, which keeps no stored responses/);
    const builtIn = await client.responses.create({ model: 'claude', input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }).catch((e: unknown) => e);
    expect(builtIn).toBeInstanceOf(OpenAI.BadRequestError);
    expect((builtIn as Error).message).toMatch(/built-in tool 'code_interpreter' is not supported/);
    expect(anthropicUpstream.requests.length).toBe(before);
    // …while a plain request to the same target is translated as before.
    const translated = await client.responses.create({ model: 'claude', input: `Hi. ${directive(TEXT)}` });
    expect(translated.output_text).toBe(TEXT.text);
    expect(translated.id).toMatch(/^resp_[0-9a-f]{32}$/);
  });

  it('forwards to azure and openai_compatible deployments marked responsesApi as to OpenAI: stored responses and built-in tools reach them', async () => {
    const cases = [
      { model: 'azure-gpt', standIn: azureUpstream, path: '/openai/v1/responses', deployment: 'gpt-5-deployment', provider: 'azure' },
      { model: 'vllm', standIn: compatibleUpstream, path: '/v1/responses', deployment: 'qwen3', provider: 'openai_compatible' },
    ];
    for (const { model, standIn, path, deployment, provider } of cases) {
      const first = await client.responses.create({ model, input: `Remember 7. ${directive(TEXT)}`, store: true });
      expect(first.id, model).toMatch(/^resp_StandIn/);
      expect(first.output_text).toBe(TEXT.text);
      const params = { model, input: 'Which number?', previous_response_id: first.id, tools: [{ type: 'web_search' as const }], include: ['reasoning.encrypted_content' as const] };
      const before = standIn.requests.length;
      const second = await client.responses.stream(params).finalResponse();
      const sent = standIn.requests[before]!;
      expect(sent.path, model).toBe(path);
      // Azure's v1 API: the deployment is the body's model, the key goes in api-key, no api-version.
      if (provider === 'azure') expect(sent).toMatchObject({ query: {}, headers: { 'api-key': OPENAI_KEY } });
      expect(sent.body).toEqual({ ...params, model: deployment, stream: true });
      expect(second.previous_response_id).toBe(first.id);
      expect(second.output.map((item) => item.type)).toEqual(['web_search_call', 'message']);
      expect(await spendRow(first._request_id)).toMatchObject({ model, provider, route: '/v1/responses', status: 'success', promptTokens: 40, completionTokens: 12 });
    }
  });

  it('translates for an openai_compatible deployment not marked responsesApi, with the clear 400 for a stored response', async () => {
    const before = compatibleUpstream.requests.length;
    const translated = await client.responses.create({ model: 'vllm-chat', input: `Hi. ${directive(TEXT)}` });
    expect(translated.output_text).toBe(TEXT.text);
    expect(translated.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(compatibleUpstream.requests.slice(before).map((r) => r.path)).toEqual(['/v1/chat/completions']);
    const stored = await client.responses.create({ model: 'vllm-chat', input: 'x', previous_response_id: 'resp_123' }).catch((e: unknown) => e);
    expect(stored).toBeInstanceOf(OpenAI.BadRequestError);
    expect(compatibleUpstream.requests.length).toBe(before + 1);
  });

  it('retrieves and deletes a stored response through the deployment that stored it, for the key that created it', async () => {
    for (const model of ['gpt', 'azure-gpt']) {
      const created = await client.responses.create({ model, input: 'keep this for later' });
      const retrieved = await client.responses.retrieve(created.id);
      expect(retrieved.id).toBe(created.id);
      expect(retrieved.output_text).toBe(created.output_text);
      await client.responses.delete(created.id);
      const gone = await client.responses.retrieve(created.id).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
      expect((gone as Error).message).toContain(`Response with id '${created.id}' not found.`);
    }
    // Another key cannot reach a response it did not create; nobody can reach one Tollgate never saw.
    const other = new OpenAI({ apiKey: (await api.createKey({ alias: 'responses-other' })).key, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
    const created = await client.responses.create({ model: 'gpt', input: 'mine' });
    await waitFor(async () => (await dp.configVersion()) >= (await api.configVersion()), { what: 'the new key on the data plane' });
    for (const attempt of [other.responses.retrieve(created.id), client.responses.retrieve('resp_StandIn000001')]) {
      const err = await attempt.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as Error).message).toContain('was created through Tollgate with this API key');
    }
  });
});

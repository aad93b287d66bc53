import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAiStandIn, type OpenAiStandIn } from '../../../../test/stand-ins/openai/server.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { waitFor } from '../../test-support/wait.js';
import { DROP_HINT } from '../../providers/openai/errors.js';

// A compatible server that refuses every body field it does not know (Mistral's API: 422 extra_forbidden), and
// deployments of it that drop such fields (`dropParams`), on the fast path and behind a translation.
describe('a deployment that drops body fields', () => {
  let t: TestDataPlane;
  let standIn: OpenAiStandIn;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ apiKey: null, strictBody: true });
    const snapshot = fixtureSnapshot();
    const strict = { provider: 'openai_compatible' as const, providerModel: 'mistral-small-latest', apiBase: standIn.url, inputCostPerMillion: 1, outputCostPerMillion: 2 };
    snapshot.models.push(
      model({ id: 'm50', name: 'strict-as-is', ...strict }),
      model({ id: 'm51', name: 'strict-dropping', ...strict, dropParams: ['metadata', 'user', 'seed', 'stream_options', 'tools.*.function.strict'] }),
    );
    t = await startTestDataPlane({ snapshot });
    openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await standIn.close();
  });
  beforeEach(() => {
    standIn.requests.length = 0;
  });

  const usageEvent = (id: string | null) => waitFor(() => t.cp.acknowledged.get(id!), 'usage event');
  const sent = () => standIn.requests.map((r) => r.body as Record<string, unknown>);
  const messages = [{ role: 'user' as const, content: 'a strict server' }];
  const extras = { metadata: { trace: 'abc' }, user: 'end-user-1', seed: 7, temperature: 0.2 };

  it('sends the client body without the dropped fields, and keeps the rest', async () => {
    // As is: the server's refusal, which names each field, reaches the client (nothing retried, nothing billed).
    const refused = await openai.chat.completions.create({ model: 'strict-as-is', messages, ...extras }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect(refused).toMatchObject({
      error: { type: 'invalid_request_error', message: `openai_compatible: body.metadata: Extra inputs are not permitted; body.user: Extra inputs are not permitted; body.seed: Extra inputs are not permitted (${DROP_HINT})` },
    });
    expect(standIn.requests).toHaveLength(1);

    standIn.requests.length = 0;
    const { data, response } = await openai.chat.completions.create({ model: 'strict-dropping', messages, ...extras }).withResponse();
    expect(data.choices[0]!.message.content).toBe('Echo: a strict server');
    expect(sent()).toEqual([{ model: 'mistral-small-latest', messages, temperature: 0.2 }]);
    expect(await usageEvent(response.headers.get('x-request-id'))).toMatchObject({ status: 'success', estimated: false });
  });

  it('reaches into every element of an array', async () => {
    const tool = { type: 'function' as const, function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: {} }, strict: true } };
    await openai.chat.completions.create({ model: 'strict-dropping', messages, tools: [tool, { ...tool, function: { ...tool.function, name: 'other' } }] });
    const { strict: _, ...without } = tool.function;
    expect(sent()[0]!.tools).toEqual([{ type: 'function', function: without }, { type: 'function', function: { ...without, name: 'other' } }]);
  });

  it('streams without stream_options from the first request, and the client still gets the usage chunk it asked for', async () => {
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    const stream = await openai.chat.completions.create({ model: 'strict-dropping', messages, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: a strict server');
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
    // One request: known from the config, not learnt from a refusal.
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).not.toHaveProperty('stream_options');
  });

  it('drops what a translation adds: Claude Code sends metadata.user_id, which becomes OpenAI\'s user', async () => {
    const request = { max_tokens: 100, messages, metadata: { user_id: 'user_abc_account_123_session_xyz' } };
    const refused = await anthropic.messages.create({ model: 'strict-as-is', ...request }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.APIError);
    expect(refused).toMatchObject({ status: 422, error: { type: 'error', error: { type: 'invalid_request_error', message: `openai_compatible: body.user: Extra inputs are not permitted (${DROP_HINT})` } } });
    expect(sent()[0]).toMatchObject({ user: 'user_abc_account_123_session_xyz' });

    standIn.requests.length = 0;
    const message = await anthropic.messages.create({ model: 'strict-dropping', ...request });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: a strict server' }]);
    expect(sent()[0]).not.toHaveProperty('user');
  });
});

// A vLLM-like server whose deployment sets request fields for every request (`defaultParams`), where the client did not.
describe('a deployment with default body fields', () => {
  let t: TestDataPlane;
  let standIn: OpenAiStandIn;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ apiKey: null });
    const snapshot = fixtureSnapshot();
    const vllm = { provider: 'openai_compatible' as const, providerModel: 'Qwen/Qwen3-8B', apiBase: standIn.url, inputCostPerMillion: 0, outputCostPerMillion: 0 };
    snapshot.models.push(
      model({ id: 'm60', name: 'qwen', ...vllm, defaultParams: { temperature: 0.7, chat_template_kwargs: { enable_thinking: false } } }),
      model({ id: 'm61', name: 'qwen-cold', ...vllm, dropParams: ['temperature'], defaultParams: { temperature: 0 } }),
    );
    t = await startTestDataPlane({ snapshot });
    openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await standIn.close();
  });
  beforeEach(() => {
    standIn.requests.length = 0;
  });
  const sent = () => standIn.requests.map((r) => r.body as Record<string, unknown>);
  const messages = [{ role: 'user' as const, content: 'defaults' }];

  it("fills in what the client left out, and keeps the client's own values", async () => {
    await openai.chat.completions.create({ model: 'qwen', messages });
    await openai.chat.completions.create({ model: 'qwen', messages, temperature: 0.1, chat_template_kwargs: { thinking_budget: 100 } } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(sent()).toEqual([
      { model: 'Qwen/Qwen3-8B', messages, temperature: 0.7, chat_template_kwargs: { enable_thinking: false } },
      { model: 'Qwen/Qwen3-8B', messages, temperature: 0.1, chat_template_kwargs: { thinking_budget: 100, enable_thinking: false } },
    ]);
  });

  it('enforces a field the deployment both drops and defaults, streamed and behind a translation', async () => {
    for await (const _ of await openai.chat.completions.create({ model: 'qwen-cold', messages, temperature: 1.5, stream: true }));
    await anthropic.messages.create({ model: 'qwen-cold', max_tokens: 10, temperature: 0.9, messages } as Anthropic.MessageCreateParamsNonStreaming);
    expect(sent().map((b) => b.temperature)).toEqual([0, 0]);
  });
});


import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_REPLY_PREFIX } from '../../providers/mock/reply.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { STAND_IN_API_KEY, startOpenAiStandIn, type OpenAiStandIn } from '../../../../test/stand-ins/openai/server.js';
import { countTextTokens } from '../../providers/token-estimate.js';
import { waitFor } from '../../test-support/wait.js';
import { directive } from '../../../../test/stand-ins/script.js';

// Clients built for Azure OpenAI reach Tollgate unchanged: the deployment in the URL is the model name.
describe('Azure-style route POST /openai/deployments/{deployment}/chat/completions', () => {
  let t: TestDataPlane;

  beforeAll(async () => {
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'm-slash', name: 'acme/mock x:1', providerModel: 'mock-gpt' }));
    t = await startTestDataPlane({ snapshot });
  });
  afterAll(() => t.close());

  const azure = (key: string, deployment = 'mock-gpt') =>
    new AzureOpenAI({ endpoint: t.baseUrl, apiKey: key, apiVersion: '2024-10-21', deployment, maxRetries: 0 });

  it('answers the official AzureOpenAI client, plain and streamed, authenticated by the api-key header', async () => {
    const client = azure(KEYS.full);
    const plain = await client.chat.completions.create({ model: 'ignored-by-azure', messages: [{ role: 'user', content: 'from azure' }] });
    expect(plain.choices[0]?.message.content).toBe(`${MOCK_REPLY_PREFIX}from azure`);
    expect(plain.model).toBe('mock-gpt');

    const stream = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'streamed' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(`${MOCK_REPLY_PREFIX}streamed`);
  });

  it("reaches a model whose name has a slash, which the client puts in the path unencoded", async () => {
    const client = azure(KEYS.full, 'acme/mock x:1');
    const plain = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'slashed' }] });
    expect(plain.choices[0]?.message.content).toBe(`${MOCK_REPLY_PREFIX}slashed`);
    expect(plain.model).toBe('acme/mock x:1');
    const completed = await client.completions.create({ model: 'x', prompt: 'complete me', max_tokens: 20 });
    expect(completed.model).toBe('acme/mock x:1');
    expect((await client.embeddings.create({ model: 'x', input: 'one' })).model).toBe('acme/mock x:1');
  });

  it('refuses a wrong api-key with 401 and an unknown deployment with 404 model_not_found', async () => {
    await expect(azure('sk-tg-wrong').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
    await expect(azure(KEYS.full, 'no-such-deployment').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });

  it('answers embeddings and legacy completions at their deployment URLs too', async () => {
    const client = azure(KEYS.full);
    const embedded = await client.embeddings.create({ model: 'ignored-by-azure', input: ['one', 'two'] });
    expect(embedded.data).toHaveLength(2);
    expect(embedded.data[0]!.embedding.length).toBeGreaterThan(0);
    expect(embedded.model).toBe('mock-gpt');
    const completed = await client.completions.create({ model: 'ignored-by-azure', prompt: 'complete me', max_tokens: 20 });
    expect(completed.choices[0]?.text).toContain('complete me');
    // An unknown deployment is a 404 there too.
    await expect(azure(KEYS.full, 'no-such-deployment').embeddings.create({ model: 'x', input: 'x' })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it("answers the AzureOpenAI client's Responses API, which names the deployment in the body", async () => {
    const answer = await azure(KEYS.full).responses.create({ model: 'mock-gpt', input: 'from azure responses' });
    expect(answer.output_text).toBe(`${MOCK_REPLY_PREFIX}from azure responses`);
    expect(answer.model).toBe('mock-gpt');
  });

  it('answers 404 for other deployment operations', async () => {
    const res = await fetch(`${t.baseUrl}/openai/deployments/mock-gpt/images/generations?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'api-key': KEYS.full, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

// Azure's v1 API: the plain OpenAI client at `https://<resource>.openai.azure.com/openai/v1`, model in the body.
describe('Azure v1 API routes under /openai/v1', () => {
  let t: TestDataPlane;
  beforeAll(async () => {
    t = await startTestDataPlane();
  });
  afterAll(() => t.close());

  it('answers the OpenAI client pointed at /openai/v1: chat plain and streamed, Responses, models, by Bearer or api-key', async () => {
    const client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/openai/v1`, maxRetries: 0 });
    const plain = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'v1 route' }] });
    expect(plain.choices[0]?.message.content).toBe(`${MOCK_REPLY_PREFIX}v1 route`);
    const stream = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'streamed' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(`${MOCK_REPLY_PREFIX}streamed`);
    const response = await client.responses.create({ model: 'mock-gpt', input: 'responses too' });
    expect(response.output_text).toBe(`${MOCK_REPLY_PREFIX}responses too`);
    expect((await client.models.list()).data.map((m) => m.id)).toContain('mock-gpt');
    expect((await client.models.retrieve('mock-gpt')).id).toBe('mock-gpt');

    // Azure's own header, as its SDKs send it on the v1 API; and the wrong key is a 401.
    const viaHeader = await fetch(`${t.baseUrl}/openai/v1/chat/completions?api-version=preview`, {
      method: 'POST',
      headers: { 'api-key': KEYS.full, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'by api-key' }] }),
    });
    expect(viaHeader.status).toBe(200);
    await expect(new OpenAI({ apiKey: 'sk-tg-wrong', baseURL: `${t.baseUrl}/openai/v1`, maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('keeps Anthropic routes out of it, and answers an unknown path 404', async () => {
    for (const path of ['/openai/v1/messages', '/openai/v1/nothing-here']) {
      const res = await fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });
});

// An Azure deployment pinned to an api-version from before stream_options (2024-06-01 and earlier, still common):
// Azure refuses any request that carries them, so the gateway sends none, counts the stream's usage itself and writes
// the usage chunk a client asked for. Against the Azure stand-in, which refuses them as Azure does.
describe('an Azure deployment whose api-version predates stream_options', () => {
  let t: TestDataPlane;
  let standIn: OpenAiStandIn;
  let client: OpenAI;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ azure: true });
    process.env.TG_TEST_AZURE_OLD_KEY = STAND_IN_API_KEY;
    const snapshot = fixtureSnapshot();
    const azure = { provider: 'azure' as const, providerModel: 'prod-gpt4o', apiBase: standIn.url, apiKeyRef: 'env:TG_TEST_AZURE_OLD_KEY' };
    snapshot.models.push(model({ id: 'm30', name: 'azure-old', apiVersion: '2024-06-01', ...azure }), model({ id: 'm31', name: 'azure-new', apiVersion: '2024-10-21', ...azure }));
    t = await startTestDataPlane({ snapshot });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await standIn.close();
    delete process.env.TG_TEST_AZURE_OLD_KEY;
  });

  const usageEvent = (id: string | null | undefined) => waitFor(() => t.cp.acknowledged.get(id!), 'usage event');
  const messages = [{ role: 'user' as const, content: 'pinned to an old version' }];

  it('streams, with the usage chunk the client asked for counted by the gateway, and bills that count, marked estimated', async () => {
    const { data: stream, response } = await client.chat.completions.create({ model: 'azure-old', messages, stream: true, stream_options: { include_usage: true } }).withResponse();
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: pinned to an old version');
    expect(standIn.requests.at(-1)!.body).not.toHaveProperty('stream_options');
    // The last chunk is the usage chunk, in the stream's own id and model.
    const last = chunks.at(-1)!;
    expect(last).toMatchObject({ id: chunks[0]!.id, object: 'chat.completion.chunk', model: chunks[0]!.model, choices: [] });
    const output = countTextTokens('Echo: pinned to an old version');
    expect(last.usage).toMatchObject({ completion_tokens: output, total_tokens: last.usage!.prompt_tokens + output });
    expect(last.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(await usageEvent(response.headers.get('x-request-id'))).toMatchObject({ provider: 'azure', promptTokens: last.usage!.prompt_tokens, completionTokens: output, estimated: true });
  });

  it('writes the usage chunk of a legacy completions stream too, as a text_completion', async () => {
    const stream = await client.completions.create({ model: 'azure-old', prompt: 'complete this', stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(standIn.requests.at(-1)!.path).toBe('/openai/deployments/prod-gpt4o/completions');
    expect(standIn.requests.at(-1)!.body).not.toHaveProperty('stream_options');
    const text = chunks.map((c) => c.choices[0]?.text ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.at(-1)).toMatchObject({ id: chunks[0]!.id, object: 'text_completion', choices: [], usage: { completion_tokens: countTextTokens(text) } });
  });

  it('sends no usage chunk to a client that did not ask for one', async () => {
    const stream = await client.chat.completions.create({ model: 'azure-old', messages, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: pinned to an old version');
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it("sends the output cap the SDK sets (max_completion_tokens) as max_tokens, the only name the old version knows, plain and streamed", async () => {
    const plain = await client.chat.completions.create({ model: 'azure-old', messages, max_completion_tokens: 50 });
    expect(plain.choices[0]!.message.content).toBe('Echo: pinned to an old version');
    expect(standIn.requests.at(-1)!.body).toMatchObject({ max_tokens: 50 });
    expect(standIn.requests.at(-1)!.body).not.toHaveProperty('max_completion_tokens');
    const azureClient = new AzureOpenAI({ endpoint: t.baseUrl, apiKey: KEYS.full, apiVersion: '2024-06-01', deployment: 'azure-old', maxRetries: 0 });
    const stream = await azureClient.chat.completions.create({ model: 'azure-old', messages, max_completion_tokens: 3, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(standIn.requests.at(-1)!.body).toMatchObject({ max_tokens: 3 });
    expect(standIn.requests.at(-1)!.body).not.toHaveProperty('max_completion_tokens');
    // A newer version takes it as it is.
    await client.chat.completions.create({ model: 'azure-new', messages, max_completion_tokens: 50 });
    expect(standIn.requests.at(-1)!.body).toMatchObject({ max_completion_tokens: 50 });
  });

  it('asks a newer api-version for the usage chunk, and bills its counts', async () => {
    const { data: stream, response } = await client.chat.completions.create({ model: 'azure-new', messages, stream: true }).withResponse();
    for await (const chunk of stream) expect(chunk.usage ?? undefined).toBeUndefined();
    expect(standIn.requests.at(-1)!.body).toMatchObject({ stream_options: { include_usage: true } });
    expect(await usageEvent(response.headers.get('x-request-id'))).toMatchObject({ provider: 'azure', estimated: false });
  });

  it("passes on Azure's content-filter verdict: code content_filter on Azure's route, content_policy_violation on OpenAI's, innererror on both", async () => {
    const filtered = [{ role: 'user' as const, content: directive({ fault: { kind: 'http', status: 400, code: 'content_filter' } }) }];
    const innererror = { code: 'ResponsibleAIPolicyViolation', content_filter_result: expect.objectContaining({ violence: { filtered: true, severity: 'high' } }) };
    const viaAzure = new AzureOpenAI({ endpoint: t.baseUrl, apiKey: KEYS.full, apiVersion: '2024-10-21', deployment: 'azure-new', maxRetries: 0 });
    for (const stream of [false, true]) {
      await expect(viaAzure.chat.completions.create({ model: 'x', messages: filtered, stream })).rejects.toMatchObject({ status: 400, code: 'content_filter', error: expect.objectContaining({ innererror }) });
      await expect(client.chat.completions.create({ model: 'azure-new', messages: filtered, stream })).rejects.toMatchObject({ status: 400, code: 'content_policy_violation', error: expect.objectContaining({ innererror }) });
    }
  });
});

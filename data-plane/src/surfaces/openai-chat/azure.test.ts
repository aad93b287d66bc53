import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_REPLY_PREFIX } from '../../providers/mock/reply.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { KEYS } from '../../test-support/fixtures.js';

// Clients built for Azure OpenAI reach Tollgate unchanged: the deployment in the URL is the model name.
describe('Azure-style route POST /openai/deployments/{deployment}/chat/completions', () => {
  let t: TestDataPlane;

  beforeAll(async () => {
    t = await startTestDataPlane();
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

  it('refuses a wrong api-key with 401 and an unknown deployment with 404 model_not_found', async () => {
    await expect(azure('sk-tg-wrong').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
    await expect(azure(KEYS.full, 'no-such-deployment').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
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

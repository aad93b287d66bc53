import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startOpenAiStandIn, type OpenAiStandIn } from '../stand-ins/openai/server.js';

/**
 * What a deployment does to the requests it is sent (`dropParams`, `defaultParams`, `extraHeaders`), set through the
 * control plane's API and carried to a real data plane process, in its snapshot and then in a live change: a strict
 * server (Mistral-like, refusing fields it does not know) behind a proxy that wants its own headers.
 */
describe("a deployment's request settings, from the API to the upstream", () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;
  let strict: OpenAiStandIn;
  let client: OpenAI;
  let modelId: string;

  beforeAll(async () => {
    strict = await startOpenAiStandIn({ apiKey: null, strictBody: true });
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    api = admin(cp.graphqlUrl, cp.masterKey);
    const created = await api.call<{ createModel: { id: string } }>('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: {
        name: 'mistral-small',
        provider: 'openai_compatible',
        providerModel: 'mistral-small-latest',
        apiBase: strict.url,
        inputCostPerMillion: 0.1,
        outputCostPerMillion: 0.3,
        dropParams: ['metadata', 'user'],
        defaultParams: { safe_prompt: false },
        extraHeaders: { 'X-Title': 'Acme', 'X-Proxy-Key': 'env:TG_TEST_PROXY_KEY' },
      },
    });
    modelId = created.createModel.id;
    const key = (await api.createKey({ alias: 'requests' })).key;
    dp = await startDataPlaneProcess({ controlPlane: cp, env: { TG_TEST_PROXY_KEY: 'proxy-0123456789' } });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: 'the model on the data plane' });
    client = new OpenAI({ apiKey: key, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
    await strict?.close();
  });

  const request = { model: 'mistral-small', messages: [{ role: 'user' as const, content: 'hello' }], metadata: { trace: 'abc' }, user: 'end-user-7' };

  it('sends the request without the dropped fields, with the defaults and the extra headers (the reference resolved)', async () => {
    strict.requests.length = 0;
    const answer = await client.chat.completions.create(request);
    expect(answer.choices[0]!.message.content).toBe('Echo: hello');
    const sent = strict.requests.at(-1)!;
    expect(sent.body).toEqual({ model: 'mistral-small-latest', messages: request.messages, safe_prompt: false });
    expect(sent.headers).toMatchObject({ 'x-title': 'Acme', 'x-proxy-key': 'proxy-0123456789' });
  });

  it('applies a change made through the API to the next request, without a restart', async () => {
    await api.call('mutation($id: ID!, $i: UpdateModelInput!) { updateModel(id: $id, input: $i) { id } }', { id: modelId, i: { dropParams: [] } });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: 'the change on the data plane' });
    // The strict server now sees the client's metadata and user, and refuses them, naming each.
    const refused = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    expect((refused as Error).message).toContain('body.metadata: Extra inputs are not permitted; body.user: Extra inputs are not permitted');
  });
});

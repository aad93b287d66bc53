import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startEntraStandIn, type EntraStandIn } from '../stand-ins/entra/server.js';
import { startOpenAiStandIn, type OpenAiStandIn } from '../stand-ins/openai/server.js';

const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
const SECRET = 'entra-client-secret-value-0123456789';

/**
 * An Azure OpenAI resource with key access disabled, set up through the control plane's API with an app
 * registration's client credentials (references, never the secret), and called through a real data plane process:
 * the data plane resolves the secret from its own environment, gets an Entra ID token and sends it.
 */
describe('Azure OpenAI with Microsoft Entra ID, from the API to the upstream', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let entra: EntraStandIn;
  let azure: OpenAiStandIn;
  let api: ReturnType<typeof admin>;
  let client: OpenAI;

  beforeAll(async () => {
    entra = await startEntraStandIn([{ tenant: TENANT, clientId: CLIENT, clientSecret: SECRET }]);
    azure = await startOpenAiStandIn({ azure: true, entra, keyAuthDisabled: true });
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    api = admin(cp.graphqlUrl, cp.masterKey);
    await api.call('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: {
        name: 'gpt-4o-entra',
        provider: 'azure',
        providerModel: 'gpt-4o',
        apiBase: azure.url,
        apiVersion: '2024-10-21',
        azureAdTenantId: TENANT,
        azureAdClientId: CLIENT,
        azureAdClientSecretRef: 'env:TG_TEST_ENTRA_SECRET',
        azureAdAuthorityHost: entra.url,
        inputCostPerMillion: 2.5,
        outputCostPerMillion: 10,
      },
    });
    const key = (await api.createKey({ alias: 'entra' })).key;
    dp = await startDataPlaneProcess({ controlPlane: cp, env: { TG_TEST_ENTRA_SECRET: SECRET } });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: 'the model on the data plane' });
    client = new OpenAI({ apiKey: key, baseURL: `${dp.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
    await azure?.close();
    await entra?.close();
  });

  it('answers through the deployment with the token Entra ID issued for the data plane', async () => {
    const answer = await client.chat.completions.create({ model: 'gpt-4o-entra', messages: [{ role: 'user', content: 'hello' }] });
    expect(answer.choices[0]!.message.content).toBe('Echo: hello');
    const sent = azure.inferenceRequests().at(-1)!;
    expect(sent.path).toBe('/openai/deployments/gpt-4o/chat/completions');
    expect(sent.headers['api-key']).toBeUndefined();
    expect(entra.verify(String(sent.headers.authorization).replace(/^Bearer /, ''))).toBe(true);
    expect(entra.requests.at(-1)!.form).toMatchObject({ client_id: CLIENT, client_secret: SECRET, grant_type: 'client_credentials' });
  });

  it('keeps the secret out of the API: the model reads back with its reference', async () => {
    const { models } = await api.call<{ models: Array<Record<string, unknown>> }>(
      '{ models { name apiKeyRef azureAdTenantId azureAdClientId azureAdClientSecretRef azureAdClientAssertionRef azureAdTokenRef azureAdAuthorityHost } }',
    );
    expect(models.find((m) => m['name'] === 'gpt-4o-entra')).toEqual({
      name: 'gpt-4o-entra',
      apiKeyRef: null,
      azureAdTenantId: TENANT,
      azureAdClientId: CLIENT,
      azureAdClientSecretRef: 'env:TG_TEST_ENTRA_SECRET',
      azureAdClientAssertionRef: null,
      azureAdTokenRef: null,
      azureAdAuthorityHost: entra.url,
    });
    expect(JSON.stringify(models)).not.toContain(SECRET);
  });
});

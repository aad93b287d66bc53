import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEntraStandIn, type EntraStandIn } from '../../../../test/stand-ins/entra/server.js';
import { startOpenAiStandIn, type OpenAiStandIn } from '../../../../test/stand-ins/openai/server.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';

const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '5e0b9c1a-3d2f-4a6b-8c7d-9e0f1a2b3c4d';

/**
 * Azure OpenAI with key access disabled, through the real data plane: every way a request reaches an Azure
 * deployment (the same-protocol fast path, the translated path from Anthropic's and the Responses API, embeddings)
 * carries the Entra ID token the gateway got with its client credentials, and a refused credential is an error the
 * client can act on.
 */
describe('Azure OpenAI through Microsoft Entra ID, end to end', () => {
  let entra: EntraStandIn;
  let azure: OpenAiStandIn;
  /** A resource that trusts another tenant: Azure refuses every token this Entra ID issues for it. */
  let otherTenant: OpenAiStandIn;
  let t: TestDataPlane;
  let openai: OpenAI;

  beforeAll(async () => {
    process.env['TG_TEST_ENTRA_SECRET'] = 'entra-client-secret-value';
    process.env['TG_TEST_WRONG_ENTRA_SECRET'] = 'an-expired-secret';
    entra = await startEntraStandIn([{ tenant: TENANT, clientId: CLIENT, clientSecret: 'entra-client-secret-value' }], { system: true, userAssigned: [], identityHeader: 'unused' });
    // The instance metadata service of the "host" the data plane runs on.
    process.env['AZURE_POD_IDENTITY_AUTHORITY_HOST'] = entra.url;
    azure = await startOpenAiStandIn({ azure: true, entra, keyAuthDisabled: true });
    otherTenant = await startOpenAiStandIn({ azure: true, entra: { verify: () => false }, keyAuthDisabled: true });
    const entraAuth = { azureAdTenantId: TENANT, azureAdClientId: CLIENT, azureAdClientSecretRef: 'env:TG_TEST_ENTRA_SECRET', azureAdAuthorityHost: entra.url };
    const snapshot = fixtureSnapshot();
    snapshot.models = [
      model({ id: 'az1', name: 'az-gpt', provider: 'azure', providerModel: 'gpt-4o-mini', apiBase: azure.url, apiVersion: '2024-10-21', ...entraAuth }),
      model({ id: 'az2', name: 'az-embed', provider: 'azure', providerModel: 'text-embedding-3-small', apiBase: azure.url, apiVersion: '2024-10-21', ...entraAuth }),
      model({ id: 'az3', name: 'az-wrong', provider: 'azure', providerModel: 'gpt-4o-mini', apiBase: azure.url, apiVersion: '2024-10-21', ...entraAuth, azureAdClientSecretRef: 'env:TG_TEST_WRONG_ENTRA_SECRET' }),
      model({ id: 'az5', name: 'az-managed', provider: 'azure', providerModel: 'gpt-4o-mini', apiBase: azure.url, apiVersion: '2024-10-21', azureAdManagedIdentity: true }),
      model({ id: 'az6', name: 'az-other-tenant', provider: 'azure', providerModel: 'gpt-4o-mini', apiBase: otherTenant.url, apiVersion: '2024-10-21', ...entraAuth }),
      model({ id: 'az4', name: 'az-key', provider: 'azure', providerModel: 'gpt-4o-mini', apiBase: azure.url, apiVersion: '2024-10-21', apiKeyRef: 'env:TG_TEST_ENTRA_SECRET' }),
    ];
    t = await startTestDataPlane({ snapshot });
    openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    delete process.env['AZURE_POD_IDENTITY_AUTHORITY_HOST'];
    await t?.close();
    await azure?.close();
    await otherTenant?.close();
    await entra?.close();
  });

  /** The credentials the stand-in saw on its inference requests since `from`. */
  const credentials = (from: number) =>
    azure.inferenceRequests().slice(from).map((r) => ({ path: r.path, apiKey: r.headers['api-key'], bearer: /^Bearer (.+)$/.exec(String(r.headers.authorization))?.[1] }));

  it('sends the token the gateway got for its app registration on every path, and gets it once', async () => {
    const from = azure.inferenceRequests().length;
    const before = entra.requests.length;
    const [plain, streamed] = await Promise.all([
      openai.chat.completions.create({ model: 'az-gpt', messages: [{ role: 'user', content: 'Hello' }] }),
      (async () => {
        let text = '';
        for await (const chunk of await openai.chat.completions.create({ model: 'az-gpt', stream: true, messages: [{ role: 'user', content: 'Hello' }] })) text += chunk.choices[0]?.delta.content ?? '';
        return text;
      })(),
    ]);
    expect(plain.choices[0]!.message.content).toBeTruthy();
    expect(streamed).toBe(plain.choices[0]!.message.content);

    const anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'az-gpt', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] });
    expect(message.content[0]).toMatchObject({ type: 'text', text: plain.choices[0]!.message.content });
    const response = await openai.responses.create({ model: 'az-gpt', input: 'Hello' });
    expect(response.output_text).toBe(plain.choices[0]!.message.content);
    const embedding = await openai.embeddings.create({ model: 'az-embed', input: 'Hello' });
    expect(embedding.data[0]!.embedding.length).toBeGreaterThan(0);

    const seen = credentials(from);
    expect(seen).toHaveLength(5);
    expect(seen.map((c) => c.path)).toEqual(expect.arrayContaining(['/openai/deployments/gpt-4o-mini/chat/completions', '/openai/deployments/text-embedding-3-small/embeddings']));
    for (const c of seen) {
      expect(c.apiKey).toBeUndefined();
      expect(entra.verify(c.bearer!)).toBe(true);
    }
    expect(new Set(seen.map((c) => c.bearer)).size).toBe(1);
    // Both deployments share the app registration, so its one token.
    expect(entra.requests.length - before).toBe(1);
  });

  it('drops a token Azure refuses and tries once more with a new one, so the client sees no failure', async () => {
    const anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
    const ask = {
      chat: () => openai.chat.completions.create({ model: 'az-gpt', messages: [{ role: 'user', content: 'Hello' }] }),
      translated: () => anthropic.messages.create({ model: 'az-gpt', max_tokens: 20, messages: [{ role: 'user', content: 'Hello' }] }),
      embeddings: () => openai.embeddings.create({ model: 'az-embed', input: 'Hello' }),
    };
    for (const [path, request] of Object.entries(ask)) {
      await request();
      entra.expireAll(); // revoked at Entra ID: Azure answers 401 to it from now on
      const before = entra.requests.length;
      const from = azure.inferenceRequests().length;
      const { response } = await request().withResponse();
      // Refused with the old token, answered with the new one: two calls to Azure, one to Entra ID.
      expect(response.headers.get('x-tollgate-attempts'), path).toBe('2');
      const sent = credentials(from);
      expect(sent, path).toHaveLength(2);
      expect(entra.verify(sent[0]!.bearer!), path).toBe(false);
      expect(entra.verify(sent[1]!.bearer!), path).toBe(true);
      expect(entra.requests.length - before, path).toBe(1);
    }
  });

  it('tries a renewed token once: a deployment that refuses it too fails the request with what Azure said', async () => {
    const refused = await openai.chat.completions.create({ model: 'az-other-tenant', messages: [{ role: 'user', content: 'Hello' }] }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 502, code: 'upstream_auth_failed' });
    expect(String((refused as Error).message)).toMatch(/Access token is missing, invalid, audience is incorrect/);
    // The SDK is told not to retry what only the gateway's operator can fix.
    expect((refused as InstanceType<typeof OpenAI.APIError>).headers?.get('x-should-retry')).toBe('false');
    expect(otherTenant.inferenceRequests()).toHaveLength(2);
  });

  it("sends the token of the host's managed identity", async () => {
    const answer = await openai.chat.completions.create({ model: 'az-managed', messages: [{ role: 'user', content: 'Hello' }] });
    expect(answer.choices[0]!.message.content).toBeTruthy();
    const sent = azure.inferenceRequests().at(-1)!;
    expect(sent.headers['api-key']).toBeUndefined();
    expect(entra.verify(String(sent.headers.authorization).replace(/^Bearer /, ''))).toBe(true);
    expect(entra.requests.at(-1)).toMatchObject({ tenant: 'imds', form: { resource: 'https://cognitiveservices.azure.com' } });
  });

  it("answers a credential Entra ID refuses with a 502 that says so in the client's format, without calling Azure", async () => {
    const from = azure.inferenceRequests().length;
    const err = await openai.chat.completions.create({ model: 'az-wrong', messages: [{ role: 'user', content: 'Hello' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({ status: 502, code: 'upstream_auth_failed' });
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toMatch(/Microsoft Entra ID refused the gateway's credentials: invalid_client: AADSTS7000215: Invalid client secret provided/);

    const anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
    const translated = await anthropic.messages.create({ model: 'az-wrong', max_tokens: 20, messages: [{ role: 'user', content: 'Hello' }] }).catch((e: unknown) => e);
    expect(translated).toMatchObject({ status: 502, error: { type: 'error', error: { type: 'api_error', message: expect.stringContaining('AADSTS7000215') } } });
    expect(azure.inferenceRequests().length).toBe(from);
  });

  it("passes on Azure's refusal of an api-key on a resource whose key access is disabled", async () => {
    const err = await openai.chat.completions.create({ model: 'az-key', messages: [{ role: 'user', content: 'Hello' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toMatch(/Key based authentication is disabled for this resource/);
  });
});

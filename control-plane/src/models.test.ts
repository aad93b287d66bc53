import { applyConfigChanges, ConfigMessage, ProviderKind, type ConfigSnapshot } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { roundTrip, startTestControlPlane, subscribe, type GraphQLResponse, type TestControlPlane } from './testing/harness.js';

/** An ISO 8601 time as the config carries `createdAt`. */
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let db: TestDatabase;
let cp: TestControlPlane;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

const MODEL_FIELDS = `id name provider providerModel apiBase apiKeyRef apiVersion region
  awsAccessKeyIdRef awsSecretAccessKeyRef awsSessionTokenRef
  azureAdTenantId azureAdClientId azureAdClientSecretRef azureAdClientAssertionRef azureAdTokenRef azureAdAuthorityHost azureAdManagedIdentity
  timeoutMs inputCostPerMillion outputCostPerMillion
  cachedInputCostPerMillion cacheWriteCostPerMillion reasoningCostPerMillion costPerRequest costPerImage rpmLimit tpmLimit weight maxInputTokens streamIdleTimeoutMs responsesApi dropParams defaultParams extraHeaders accessGroups tags`;
const CREATE_MODEL = `mutation($input: CreateModelInput!) { createModel(input: $input) { ${MODEL_FIELDS} } }`;
const UPDATE_MODEL = `mutation($id: ID!, $input: UpdateModelInput!) { updateModel(id: $id, input: $input) { ${MODEL_FIELDS} } }`;

interface ModelResult {
  id: string;
  [field: string]: unknown;
}

const NULLS = {
  apiBase: null,
  apiKeyRef: null,
  apiVersion: null,
  region: null,
  awsAccessKeyIdRef: null,
  awsSecretAccessKeyRef: null,
  awsSessionTokenRef: null,
  azureAdTenantId: null,
  azureAdClientId: null,
  azureAdClientSecretRef: null,
  azureAdClientAssertionRef: null,
  azureAdTokenRef: null,
  azureAdAuthorityHost: null,
  azureAdManagedIdentity: false,
  timeoutMs: null,
  cachedInputCostPerMillion: null,
  cacheWriteCostPerMillion: null,
  reasoningCostPerMillion: null,
  costPerRequest: null,
  costPerImage: null,
  rpmLimit: null,
  tpmLimit: null,
  weight: 1,
  maxInputTokens: null,
  streamIdleTimeoutMs: null,
  responsesApi: false,
  dropParams: [],
  defaultParams: {},
  extraHeaders: {},
  accessGroups: [],
  tags: [],
};
const costs = { inputCostPerMillion: 1.5, outputCostPerMillion: 3 };

/** One valid model per provider kind, with the fields that kind requires (and some it merely accepts). */
const EXAMPLES: Record<ProviderKind, Record<string, unknown>> = {
  mock: { provider: 'mock', providerModel: 'mock-gpt' },
  openai: { provider: 'openai', providerModel: 'gpt-4o-mini', apiKeyRef: 'env:OPENAI_API_KEY', timeoutMs: 30_000 },
  azure: {
    provider: 'azure',
    providerModel: 'gpt-4o',
    apiBase: 'https://example-resource.openai.azure.com/openai/deployments/gpt-4o',
    apiVersion: '2024-10-21',
    apiKeyRef: 'env:AZURE_OPENAI_API_KEY',
  },
  openai_compatible: { provider: 'openai_compatible', providerModel: 'llama3.1', apiBase: 'http://127.0.0.1:11434/v1' },
  anthropic: { provider: 'anthropic', providerModel: 'claude-sonnet-4', apiKeyRef: 'file:/run/secrets/anthropic', apiVersion: '2023-06-01' },
  gemini: { provider: 'gemini', providerModel: 'gemini-2.0-flash', apiKeyRef: 'env:GEMINI_API_KEY' },
  bedrock: {
    provider: 'bedrock',
    providerModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    region: 'eu-central-1',
    awsAccessKeyIdRef: 'env:BEDROCK_AWS_ACCESS_KEY_ID',
    awsSecretAccessKeyRef: 'file:/run/secrets/bedrock-secret',
    awsSessionTokenRef: 'env:BEDROCK_AWS_SESSION_TOKEN',
  },
};

const errorsOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions;
const configVersion = async () => (await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion;

async function createModel(input: Record<string, unknown>): Promise<ModelResult> {
  return (await cp.admin<{ createModel: ModelResult }>(CREATE_MODEL, { input })).createModel;
}

/** Asks for a create that must fail; returns its field errors and checks nothing was written. */
async function refusedCreate(input: Record<string, unknown>): Promise<Record<string, string[]>> {
  const before = await configVersion();
  const res = await cp.gql(CREATE_MODEL, { input }, cp.masterKey);
  expect(errorsOf(res)?.code).toBe('BAD_USER_INPUT');
  expect(res.data).toBeNull();
  expect(await configVersion()).toBe(before);
  return errorsOf(res)?.fieldErrors ?? {};
}

describe('createModel for each provider kind', () => {
  it.each(ProviderKind.options)('should create a model of kind %s from its required fields and list it', async (kind) => {
    const input = { name: `example-${kind}`, ...EXAMPLES[kind], ...costs };
    const created = await createModel(input);
    expect(created).toEqual({ id: expect.any(String), ...NULLS, ...input });
    const { models } = await cp.admin<{ models: ModelResult[] }>(`{ models { ${MODEL_FIELDS} } }`);
    expect(models).toContainEqual(created);
  });

  it('should carry the new fields in the gatewayConfig snapshot', async () => {
    const client = cp.ws(cp.dataPlaneToken);
    try {
      const sub = subscribe<{ gatewayConfig: { message: unknown } }>(client, 'subscription { gatewayConfig { message } }');
      const message = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (message.kind !== 'snapshot') throw new Error('expected a snapshot first');
      const bedrock = message.snapshot.models.find((m) => m.name === 'example-bedrock');
      expect(bedrock).toEqual({ id: expect.any(String), name: 'example-bedrock', ...NULLS, ...EXAMPLES.bedrock, ...costs, createdAt: expect.stringMatching(ISO_TIME) });
      const openai = message.snapshot.models.find((m) => m.name === 'example-openai');
      expect(openai).toMatchObject({ timeoutMs: 30_000, apiKeyRef: 'env:OPENAI_API_KEY' });
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });
});

describe('createModel validation', () => {
  it.each([
    ['azure', { apiBase: null, apiVersion: null }, ['apiBase', 'apiVersion']],
    ['azure', { apiVersion: '   ' }, ['apiVersion']],
    ['openai_compatible', { apiBase: undefined }, ['apiBase']],
    ['openai_compatible', { apiBase: '' }, ['apiBase']],
    ['bedrock', { region: null }, ['region']],
  ] as const)('should refuse %s without its required fields: %j', async (kind, missing, fields) => {
    const fieldErrors = await refusedCreate({ name: `missing-${kind}`, ...EXAMPLES[kind], ...missing, ...costs });
    expect(Object.keys(fieldErrors).sort()).toEqual(fields);
    for (const field of fields) expect(fieldErrors[field]).toEqual([`is required for provider ${kind}`]);
  });

  it('should refuse a plaintext secret in every reference field, saying to use env: or file:, without echoing it', async () => {
    const secrets = {
      apiKeyRef: 'sk-proj-plaintext0123456789',
      awsAccessKeyIdRef: 'AKIAIOSFODNN7EXAMPLE',
      awsSecretAccessKeyRef: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      awsSessionTokenRef: 'env:', // a reference with no name is not one either
    };
    const before = await configVersion();
    const res = await cp.gql(CREATE_MODEL, { input: { name: 'leaky', ...EXAMPLES.bedrock, ...secrets, ...costs } }, cp.masterKey);
    expect(errorsOf(res)?.code).toBe('BAD_USER_INPUT');
    const fieldErrors = errorsOf(res)?.fieldErrors ?? {};
    expect(Object.keys(fieldErrors).sort()).toEqual(Object.keys(secrets).sort());
    for (const messages of Object.values(fieldErrors)) {
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/env:NAME or file:\/path/);
    }
    const body = JSON.stringify(res);
    for (const secret of Object.values(secrets).slice(0, 3)) {
      expect(body).not.toContain(secret);
      expect(cp.logger.lines.join('\n')).not.toContain(secret);
    }
    expect(await configVersion()).toBe(before);
  });

  it('should refuse a credential in apiBase (a password, a key in the query), without echoing it; an api-version is no credential', async () => {
    for (const apiBase of ['https://bob:hunter2-secret@llm.example.com/v1', 'https://llm.example.com/v1?api_key=sk-in-the-query-123', 'https://llm.example.com/v1?token=tok-in-the-query-123']) {
      const res = await cp.gql(CREATE_MODEL, { input: { name: 'leaky-base', ...EXAMPLES.openai_compatible, apiBase, ...costs } }, cp.masterKey);
      expect(errorsOf(res)?.fieldErrors).toEqual({ apiBase: [expect.stringMatching(/^must carry no credential .* put the key in apiKeyRef/)] });
      expect(JSON.stringify(res)).not.toMatch(/hunter2|in-the-query/);
    }
    const versioned = await cp.gql(CREATE_MODEL, { input: { name: 'versioned-base', ...EXAMPLES.openai_compatible, apiBase: 'https://llm.example.com/v1?api-version=2024-10-21', ...costs } }, cp.masterKey);
    expect(versioned.errors).toBeUndefined();
  });

  it('should take responsesApi for azure and openai_compatible deployments only, saying why elsewhere', async () => {
    expect(await createModel({ name: 'azure-responses', ...EXAMPLES.azure, ...costs, responsesApi: true })).toMatchObject({ responsesApi: true });
    const vllm = await createModel({ name: 'vllm-responses', ...EXAMPLES.openai_compatible, ...costs });
    expect(vllm).toMatchObject({ responsesApi: false });
    const updated = await cp.admin<{ updateModel: ModelResult }>(UPDATE_MODEL, { id: vllm.id, input: { responsesApi: true } });
    expect(updated.updateModel).toMatchObject({ responsesApi: true });
    expect(await refusedCreate({ name: 'openai-responses', ...EXAMPLES.openai, ...costs, responsesApi: true })).toEqual({
      responsesApi: ['is implied for provider openai (its deployments always serve the Responses API); leave it out'],
    });
    expect(await refusedCreate({ name: 'claude-responses', ...EXAMPLES.anthropic, ...costs, responsesApi: true })).toEqual({
      responsesApi: ['is only for providers azure and openai_compatible; anthropic deployments get Responses requests translated'],
    });
    // false is what every deployment has unless told otherwise, so it is accepted from any provider.
    expect(await createModel({ name: 'claude-plain', ...EXAMPLES.anthropic, ...costs, responsesApi: false })).toMatchObject({ responsesApi: false });
  });

  it('should take body fields to drop, each once, and refuse what names no field or one every request needs', async () => {
    const mistral = await createModel({ name: 'mistral', ...EXAMPLES.openai_compatible, ...costs, dropParams: ['metadata', ' user ', 'metadata', 'tools.*.function.strict'] });
    expect(mistral).toMatchObject({ dropParams: ['metadata', 'user', 'tools.*.function.strict'] });
    const cleared = await cp.admin<{ updateModel: ModelResult }>(UPDATE_MODEL, { id: mistral.id, input: { dropParams: [] } });
    expect(cleared.updateModel).toMatchObject({ dropParams: [] });
    const shape = 'must name a body field, with dots into objects and * for every element of an array, such as metadata or tools.*.function.strict';
    for (const bad of ['tools.*', 'a..b', '.a', 'a b', '*', '']) {
      expect(await refusedCreate({ name: 'bad-drop', ...EXAMPLES.openai_compatible, ...costs, dropParams: ['metadata', bad] }), bad).toEqual({ dropParams: [shape] });
    }
    expect(await refusedCreate({ name: 'bad-drop', ...EXAMPLES.openai_compatible, ...costs, dropParams: ['messages'] })).toEqual({ dropParams: ['cannot drop messages: every request needs it'] });
    expect(await refusedCreate({ name: 'bad-drop', ...EXAMPLES.openai_compatible, ...costs, dropParams: Array.from({ length: 51 }, (_, i) => `f${i}`) })).toEqual({ dropParams: ['must have at most 50 entries'] });
  });

  it('should take default body fields, and refuse ones every request sets itself or too much JSON', async () => {
    const defaults = { reasoning_effort: 'low', chat_template_kwargs: { enable_thinking: false } };
    const qwen = await createModel({ name: 'qwen', ...EXAMPLES.openai_compatible, ...costs, defaultParams: defaults });
    expect(qwen).toMatchObject({ defaultParams: defaults });
    const cleared = await cp.admin<{ updateModel: ModelResult }>(UPDATE_MODEL, { id: qwen.id, input: { defaultParams: {} } });
    expect(cleared.updateModel).toMatchObject({ defaultParams: {} });
    expect(await refusedCreate({ name: 'bad-defaults', ...EXAMPLES.openai_compatible, ...costs, defaultParams: { temperature: 0, model: 'other', stream: true } })).toEqual({
      defaultParams: ['cannot set model, stream: the gateway sets it for every request'],
    });
    expect(await refusedCreate({ name: 'bad-defaults', ...EXAMPLES.openai_compatible, ...costs, defaultParams: { big: 'x'.repeat(17_000) } })).toEqual({ defaultParams: ['must be at most 16 KB of JSON'] });
    expect(Object.keys(await refusedCreate({ name: 'bad-defaults', ...EXAMPLES.openai_compatible, ...costs, defaultParams: ['not', 'an', 'object'] }))).toEqual(['defaultParams']);
  });

  it('should take extra headers, refusing what the gateway sets, what is not a header, and a credential given as text', async () => {
    const headers = { 'HTTP-Referer': 'https://acme.example', 'X-Title': 'Acme', 'Ocp-Apim-Subscription-Key': 'os.environ/APIM_KEY' };
    const refused = await refusedCreate({ name: 'proxied', ...EXAMPLES.openai_compatible, ...costs, extraHeaders: headers });
    // os.environ/ is a config file's way (normalised there); through the API a reference is env:NAME.
    expect(refused).toEqual({ extraHeaders: ['Ocp-Apim-Subscription-Key carries a credential, so its value must be a secret reference such as env:NAME or file:/path, not the secret itself'] });
    const proxied = await createModel({ name: 'proxied', ...EXAMPLES.openai_compatible, ...costs, extraHeaders: { ...headers, 'Ocp-Apim-Subscription-Key': 'env:APIM_KEY' } });
    expect(proxied).toMatchObject({ extraHeaders: { 'X-Title': 'Acme', 'Ocp-Apim-Subscription-Key': 'env:APIM_KEY' } });

    const secret = 'sk-live-plaintext-0123456789';
    const res = await cp.gql(CREATE_MODEL, { input: { name: 'leaky-headers', ...EXAMPLES.openai_compatible, ...costs, extraHeaders: { Authorization: 'Bearer x', 'X-Api-Token': secret, 'bad name': 'v', 'X-Amz-Date': 'today', 'X-Two': 'a\nb' } } }, cp.masterKey);
    expect(errorsOf(res)?.fieldErrors).toEqual({
      extraHeaders: [
        'Authorization is set by the gateway (credentials, content type, framing) and cannot be set here',
        'X-Api-Token carries a credential, so its value must be a secret reference such as env:NAME or file:/path, not the secret itself',
        '"bad name" is not an HTTP header name',
        "X-Amz-Date: x-amz-* headers belong to AWS's request signature; Bedrock credentials are set with the aws*Ref fields",
        'X-Two: the value must be one line of at most 4096 characters',
      ],
    });
    expect(JSON.stringify(res)).not.toContain(secret);
    expect(cp.logger.lines.join('\n')).not.toContain(secret);
  });

  it("should take x-api-key (a reference) for a server behind an API gateway, but not on Anthropic or Azure deployments, whose own key header it is", async () => {
    const gateway = await createModel({ name: 'behind-apigw', ...EXAMPLES.openai_compatible, ...costs, extraHeaders: { 'x-api-key': 'env:APIGW_KEY' } });
    expect(gateway).toMatchObject({ extraHeaders: { 'x-api-key': 'env:APIGW_KEY' } });
    expect(await refusedCreate({ name: 'claude-apigw', ...EXAMPLES.anthropic, ...costs, extraHeaders: { 'X-Api-Key': 'env:APIGW_KEY' } })).toEqual({
      extraHeaders: ['X-Api-Key is set by the gateway for provider anthropic (its key, apiKeyRef) and cannot be set here'],
    });
    expect(await refusedCreate({ name: 'azure-apigw', ...EXAMPLES.azure, ...costs, extraHeaders: { 'api-key': 'env:APIGW_KEY' } })).toEqual({
      extraHeaders: ['api-key is set by the gateway for provider azure (its key, apiKeyRef) and cannot be set here'],
    });
  });

  it('should refuse AWS references that do not belong together', async () => {
    const bedrock = { name: 'half-aws', provider: 'bedrock', providerModel: 'm', region: 'us-east-1', ...costs };
    expect(await refusedCreate({ ...bedrock, awsAccessKeyIdRef: 'env:ID' })).toEqual({
      awsSecretAccessKeyRef: ['is required together with awsAccessKeyIdRef'],
    });
    expect(await refusedCreate({ ...bedrock, awsSecretAccessKeyRef: 'env:SECRET', awsSessionTokenRef: 'env:TOKEN' })).toEqual({
      awsAccessKeyIdRef: ['is required together with awsSecretAccessKeyRef'],
      awsSessionTokenRef: ['needs awsAccessKeyIdRef and awsSecretAccessKeyRef as well'],
    });
    // No references at all: the data plane uses its own AWS_* environment.
    expect(await createModel(bedrock)).toMatchObject({ awsAccessKeyIdRef: null, awsSecretAccessKeyRef: null });
  });

  it('should refuse malformed values field by field, all at once', async () => {
    const fieldErrors = await refusedCreate({
      name: 'malformed',
      provider: 'azure',
      providerModel: 'gpt-4o',
      apiBase: 'ftp://example.com',
      apiVersion: '2024-10-21\r\nx-injected: 1',
      region: 'us-east-1.evil.example',
      timeoutMs: 0,
      ...costs,
    });
    expect(fieldErrors).toEqual({
      apiBase: ['must be an http(s) URL'],
      apiVersion: ['must be a version such as 2024-10-21'],
      region: ['must be an AWS region such as us-east-1'],
      timeoutMs: ['must be positive'],
    });
    expect(Object.keys(await refusedCreate({ name: 'slow', ...EXAMPLES.mock, timeoutMs: 3_600_001, ...costs }))).toEqual(['timeoutMs']);
    const unknown = await refusedCreate({ name: 'unknown', provider: 'vertex', providerModel: 'x', ...costs });
    expect(Object.keys(unknown)).toEqual(['provider']);
  });
});

describe('Azure OpenAI through Microsoft Entra ID', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const CLIENT = '00000000-0000-4000-8000-00000000c11e';
  /** An azure deployment without its api-key, to which each case adds its way to a token. */
  const { apiKeyRef: _apiKeyRef, ...azure } = EXAMPLES.azure;
  const clientSecret = { azureAdTenantId: TENANT, azureAdClientId: CLIENT, azureAdClientSecretRef: 'env:AZURE_CLIENT_SECRET' };
  const workloadIdentity = {
    azureAdTenantId: 'contoso.onmicrosoft.com',
    azureAdClientId: CLIENT,
    azureAdClientAssertionRef: 'file:/var/run/secrets/azure/tokens/azure-identity-token',
    azureAdAuthorityHost: 'https://login.microsoftonline.us',
  };
  const token = { azureAdTokenRef: 'file:/run/secrets/azure-ad-token' };
  const systemAssigned = { azureAdManagedIdentity: true };
  const userAssigned = { azureAdManagedIdentity: true, azureAdClientId: CLIENT };
  const NOT_WITH_MANAGED_IDENTITY = "cannot go with azureAdManagedIdentity: the host's managed identity gets the token itself";
  const API_KEY_UNUSED = 'must be left out: the deployment authenticates with Microsoft Entra ID (azureAd* fields), so an api-key would not be used';

  /**
   * Creates the deployments, checks each reads back as sent (in `createModel`'s answer and the `models` list), and
   * returns them with what the data planes' snapshot carries for each.
   */
  async function createAndShip(entries: ReadonlyArray<readonly [string, Record<string, unknown>]>): Promise<Array<{ model: ModelResult; shipped: unknown }>> {
    const created: ModelResult[] = [];
    for (const [name, entra] of entries) {
      const input = { name, ...azure, ...entra, ...costs };
      const model = await createModel(input);
      expect(model).toEqual({ id: expect.any(String), ...NULLS, ...input });
      created.push(model);
    }
    const { models } = await cp.admin<{ models: ModelResult[] }>(`{ models { ${MODEL_FIELDS} } }`);
    for (const model of created) expect(models).toContainEqual(model);
    const client = cp.ws(cp.dataPlaneToken);
    try {
      const sub = subscribe<{ gatewayConfig: { message: unknown } }>(client, 'subscription { gatewayConfig { message } }');
      const message = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (message.kind !== 'snapshot') throw new Error('expected a snapshot first');
      sub.dispose();
      return created.map((model) => ({ model, shipped: message.snapshot.models.find((m) => m.id === model.id) }));
    } finally {
      await client.dispose();
    }
  }

  it('should create deployments with client credentials or a token reference, return the references and ship them to data planes', async () => {
    // The config carries references only, exactly as the API returns them; the data plane reads the secrets.
    for (const { model, shipped } of await createAndShip([['entra-secret', clientSecret], ['entra-workload', workloadIdentity], ['entra-token', token]])) {
      expect(shipped).toEqual({ ...model, createdAt: expect.stringMatching(ISO_TIME) });
    }
  });

  it('should refuse what is not exactly one way to a token, at the field that is missing or in the way', async () => {
    const refuse = (entra: Record<string, unknown>, base: Record<string, unknown> = azure) => refusedCreate({ name: 'entra-refused', ...base, ...entra, ...costs });
    const credentials = 'Entra ID client credentials (azureAdTenantId, azureAdClientId, and azureAdClientSecretRef or azureAdClientAssertionRef)';
    expect(await refuse(token, EXAMPLES.openai)).toEqual({ azureAdTokenRef: ['is only for provider azure (Microsoft Entra ID)'] });
    expect(await refuse({ azureAdClientSecretRef: 'env:AZURE_CLIENT_SECRET' })).toEqual({
      azureAdTenantId: [`is required for ${credentials}`],
      azureAdClientId: [`is required for ${credentials}`],
    });
    expect(await refuse({ azureAdTenantId: TENANT, azureAdClientId: CLIENT })).toEqual({
      azureAdClientSecretRef: ['is required for Entra ID client credentials, unless azureAdClientAssertionRef (a federated token) is given instead'],
    });
    expect(await refuse({ ...clientSecret, azureAdClientAssertionRef: 'file:/var/run/token' })).toEqual({
      azureAdClientAssertionRef: ['cannot go with azureAdClientSecretRef: client credentials are a client secret or a client assertion, not both'],
    });
    expect(await refuse({ ...token, azureAdClientId: CLIENT, azureAdAuthorityHost: 'https://login.microsoftonline.us' })).toEqual({
      azureAdClientId: ['cannot go with azureAdTokenRef: Entra ID authentication is either a token (azureAdTokenRef) or client credentials, not both'],
      azureAdAuthorityHost: ['is only for Entra ID client credentials; the token of azureAdTokenRef is used as it is'],
    });
    expect(await refuse(token, EXAMPLES.azure)).toEqual({
      apiKeyRef: ['must be left out: the deployment authenticates with Microsoft Entra ID (azureAd* fields), so an api-key would not be used'],
    });
  });

  it("should create deployments with the host's managed identity, system- or user-assigned, and ship the flag to data planes", async () => {
    for (const { model, shipped } of await createAndShip([['entra-system-assigned', systemAssigned], ['entra-user-assigned', userAssigned]])) {
      expect(shipped).toEqual({ ...model, createdAt: expect.stringMatching(ISO_TIME) });
      expect(shipped).toMatchObject({ azureAdManagedIdentity: true, apiKeyRef: null, azureAdTenantId: null });
    }
  });

  it('should refuse a managed identity elsewhere than azure, with another way to a token, or beside an api-key', async () => {
    const refuse = (entra: Record<string, unknown>, base: Record<string, unknown> = azure) => refusedCreate({ name: 'entra-managed-refused', ...base, ...entra, ...costs });
    expect(await refuse(systemAssigned, EXAMPLES.openai)).toEqual({ azureAdManagedIdentity: ['is only for provider azure (Microsoft Entra ID)'] });
    expect(await refuse(userAssigned, EXAMPLES.openai)).toEqual({
      azureAdClientId: ['is only for provider azure (Microsoft Entra ID)'],
      azureAdManagedIdentity: ['is only for provider azure (Microsoft Entra ID)'],
    });
    expect(await refuse({ ...systemAssigned, azureAdTenantId: TENANT })).toEqual({ azureAdTenantId: [NOT_WITH_MANAGED_IDENTITY] });
    // The client id may stay (a user-assigned identity); the tenant and the secret are in the way.
    expect(await refuse({ ...systemAssigned, ...clientSecret })).toEqual({
      azureAdTenantId: [NOT_WITH_MANAGED_IDENTITY],
      azureAdClientSecretRef: [NOT_WITH_MANAGED_IDENTITY],
    });
    expect(await refuse({ ...systemAssigned, ...token })).toEqual({ azureAdTokenRef: [NOT_WITH_MANAGED_IDENTITY] });
    expect(await refuse({ ...userAssigned, azureAdClientAssertionRef: workloadIdentity.azureAdClientAssertionRef, azureAdAuthorityHost: workloadIdentity.azureAdAuthorityHost })).toEqual({
      azureAdClientAssertionRef: [NOT_WITH_MANAGED_IDENTITY],
      azureAdAuthorityHost: [NOT_WITH_MANAGED_IDENTITY],
    });
    expect(await refuse(systemAssigned, EXAMPLES.azure)).toEqual({ apiKeyRef: [API_KEY_UNUSED] });
    expect(await refuse({ ...systemAssigned, azureAdClientId: 'my-identity' })).toEqual({
      azureAdClientId: ["must be the app registration's application (client) id, a GUID"],
    });
  });

  it('should refuse malformed Entra ID values field by field, a secret without echoing it, and http but to a loopback host', async () => {
    const secret = 'Xq98Q~plaintext.client-secret_0123456789';
    const res = await cp.gql(CREATE_MODEL, {
      input: { name: 'entra-malformed', ...azure, ...costs, azureAdTenantId: 'contoso..onmicrosoft.com', azureAdClientId: 'my-app', azureAdClientSecretRef: secret, azureAdAuthorityHost: 'http://login.example.com' },
    }, cp.masterKey);
    expect(errorsOf(res)?.fieldErrors).toEqual({
      azureAdTenantId: ['must be a tenant id (a GUID) or a domain name such as contoso.onmicrosoft.com'],
      azureAdClientId: ["must be the app registration's application (client) id, a GUID"],
      azureAdClientSecretRef: ['must be a secret reference such as env:NAME or file:/path, not the secret itself'],
      azureAdAuthorityHost: ['must be an https URL such as https://login.microsoftonline.us (http only for 127.0.0.1, localhost or [::1])'],
    });
    expect(JSON.stringify(res)).not.toContain(secret);
    expect(cp.logger.lines.join('\n')).not.toContain(secret);
    expect(await refusedCreate({ name: 'entra-common', ...azure, ...clientSecret, azureAdTenantId: 'common', ...costs })).toEqual({
      azureAdTenantId: ['must name one tenant: common is for user sign-ins across tenants, and client credentials are issued in one'],
    });
    expect(await refusedCreate({ name: 'entra-query', ...azure, ...clientSecret, azureAdAuthorityHost: 'https://login.example.com/?tenant=x', ...costs })).toEqual({
      azureAdAuthorityHost: ['must be a URL without credentials, query or fragment, such as https://login.microsoftonline.us'],
    });
    // A local stand-in for Entra ID, as tests run one.
    for (const host of ['http://127.0.0.1:8400', 'http://localhost:8400', 'http://[::1]:8400']) {
      expect(await createModel({ name: 'entra-stand-in', ...azure, ...clientSecret, azureAdAuthorityHost: host, ...costs })).toMatchObject({ azureAdAuthorityHost: host });
    }
  });

  it('should hold an update to the rules as the model will be after it', async () => {
    const model = await createModel({ name: 'entra-update', ...EXAMPLES.azure, ...costs });
    const update = (input: Record<string, unknown>) => cp.gql(UPDATE_MODEL, { id: model.id, input }, cp.masterKey);
    // Moving from an api-key to Entra ID clears the key in the same update.
    expect(errorsOf(await update(token))?.fieldErrors).toEqual({
      apiKeyRef: ['must be left out: the deployment authenticates with Microsoft Entra ID (azureAd* fields), so an api-key would not be used'],
    });
    expect((await update({ ...token, apiKeyRef: null })).data?.updateModel).toMatchObject({ ...token, apiKeyRef: null });
    // The token the model has stays in the way of client credentials until the update clears it.
    expect(Object.keys(errorsOf(await update(clientSecret))?.fieldErrors ?? {}).sort()).toEqual(Object.keys(clientSecret).sort());
    const switched = (await update({ ...clientSecret, azureAdTokenRef: null })).data?.updateModel;
    expect(switched).toMatchObject({ ...clientSecret, azureAdTokenRef: null });
    // Another provider takes none of them, including those the update did not name.
    expect(errorsOf(await update({ provider: 'openai', apiBase: null, apiVersion: null }))?.fieldErrors).toEqual(
      Object.fromEntries(Object.keys(clientSecret).map((field) => [field, ['is only for provider azure (Microsoft Entra ID)']])),
    );
    const back = await update({ azureAdTenantId: null, azureAdClientId: null, azureAdClientSecretRef: null, apiKeyRef: 'env:AZURE_OPENAI_API_KEY' });
    expect(back.data?.updateModel).toEqual(model);
  });

  it('should refuse an update that turns the managed identity on while a client secret is set, and take null as off', async () => {
    const model = await createModel({ name: 'entra-managed-update', ...azure, ...clientSecret, ...costs });
    const update = (input: Record<string, unknown>) => cp.gql(UPDATE_MODEL, { id: model.id, input }, cp.masterKey);
    expect(errorsOf(await update(systemAssigned))?.fieldErrors).toEqual({
      azureAdTenantId: [NOT_WITH_MANAGED_IDENTITY],
      azureAdClientSecretRef: [NOT_WITH_MANAGED_IDENTITY],
    });
    // Cleared in the same update, the app registration's client id stays and names a user-assigned identity.
    const switched = (await update({ ...systemAssigned, azureAdTenantId: null, azureAdClientSecretRef: null })).data?.updateModel;
    expect(switched).toEqual({ ...model, ...userAssigned, azureAdTenantId: null, azureAdClientSecretRef: null });
    // Null turns it off (the default), which leaves that client id as incomplete client credentials.
    const credentials = 'Entra ID client credentials (azureAdTenantId, azureAdClientId, and azureAdClientSecretRef or azureAdClientAssertionRef)';
    expect(errorsOf(await update({ azureAdManagedIdentity: null }))?.fieldErrors).toEqual({
      azureAdTenantId: [`is required for ${credentials}`],
      azureAdClientSecretRef: ['is required for Entra ID client credentials, unless azureAdClientAssertionRef (a federated token) is given instead'],
    });
    const back = await update({ azureAdManagedIdentity: null, ...clientSecret });
    expect(back.data?.updateModel).toEqual(model);
  });
});

describe('routing, capacity and pricing fields', () => {
  it('should store them, validate them and ship them to data planes', async () => {
    const settings = {
      cachedInputCostPerMillion: 0.3,
      cacheWriteCostPerMillion: 3.75,
      reasoningCostPerMillion: 15,
      costPerRequest: 0.005,
      costPerImage: 0.0012,
      rpmLimit: 500,
      tpmLimit: 3_000_000_000,
      weight: 3,
      maxInputTokens: 200_000,
      streamIdleTimeoutMs: 60_000,
      accessGroups: ['claude', 'beta'],
      tags: ['eu'],
    };
    const model = await createModel({ name: 'claude-eu', ...EXAMPLES.anthropic, ...costs, ...settings });
    expect(model).toMatchObject(settings);
    const client = cp.ws(cp.dataPlaneToken);
    try {
      const sub = subscribe<{ gatewayConfig: { message: unknown } }>(client, 'subscription { gatewayConfig { message } }');
      const message = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (message.kind !== 'snapshot') throw new Error('expected a snapshot');
      expect(message.snapshot.models.find((m) => m.id === model.id)).toMatchObject(settings);
      sub.dispose();
    } finally {
      await client.dispose();
    }
    const res = await cp.gql(CREATE_MODEL, { input: { name: 'bad-caps', ...EXAMPLES.mock, ...costs, weight: 0, maxInputTokens: -1, cachedInputCostPerMillion: -2, costPerImage: -1 } }, cp.masterKey);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { weight: ['must be positive'], maxInputTokens: ['must be positive'], cachedInputCostPerMillion: ['must not be negative'], costPerImage: ['must not be negative'] },
    });
  });
});

describe('updateModel', () => {
  it('should change a field and send data planes an upsertModel delta carrying the new fields', async () => {
    const model = await createModel({ name: 'to-update', ...EXAMPLES.openai, ...costs });
    const client = cp.ws(cp.dataPlaneToken);
    try {
      const sub = subscribe<{ gatewayConfig: { version: number; message: unknown } }>(
        client,
        'subscription { gatewayConfig { version message } }',
      );
      const first = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      await roundTrip(client);

      const changes = {
        provider: 'bedrock',
        region: 'us-west-2',
        awsAccessKeyIdRef: 'env:AWS_ID',
        awsSecretAccessKeyRef: 'env:AWS_SECRET',
        timeoutMs: 45_000,
        apiKeyRef: null,
        reasoningCostPerMillion: 12,
        costPerRequest: 0.01,
        dropParams: ['metadata', 'tools.*.function.strict'],
        defaultParams: { temperature: 0, chat_template_kwargs: { enable_thinking: false } },
        extraHeaders: { 'X-Title': 'Tollgate', 'Ocp-Apim-Subscription-Key': 'env:APIM_KEY' },
      };
      const { updateModel } = await cp.admin<{ updateModel: ModelResult }>(UPDATE_MODEL, { id: model.id, input: changes });
      expect(updateModel).toEqual({ ...model, ...changes });

      const delta = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      expect(delta).toEqual({
        kind: 'delta',
        fromVersion: first.version,
        version: await configVersion(),
        // With when the deployment was made, which model lists show.
        changes: [{ op: 'upsertModel', value: { ...updateModel, createdAt: expect.stringMatching(ISO_TIME) } }],
      });
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });

  it('should keep fields left out, and record nothing when nothing changes', async () => {
    const model = await createModel({ name: 'partial', ...EXAMPLES.azure, ...costs });
    const { updateModel } = await cp.admin<{ updateModel: ModelResult }>(UPDATE_MODEL, {
      id: model.id,
      input: { outputCostPerMillion: 10 },
    });
    expect(updateModel).toEqual({ ...model, outputCostPerMillion: 10 });

    const before = await configVersion();
    const same = await cp.admin<{ updateModel: ModelResult }>(UPDATE_MODEL, {
      id: model.id,
      input: { apiVersion: model.apiVersion, outputCostPerMillion: 10 },
    });
    expect(same.updateModel).toEqual(updateModel);
    expect(await cp.admin(UPDATE_MODEL, { id: model.id, input: {} })).toEqual({ updateModel });
    expect(await configVersion()).toBe(before);
  });

  it('should hold the result to the rules of a create, including fields the update did not name', async () => {
    const model = await createModel({ name: 'strict', ...EXAMPLES.mock, ...costs });
    const before = await configVersion();
    const refuse = async (input: Record<string, unknown>) => {
      const res = await cp.gql(UPDATE_MODEL, { id: model.id, input }, cp.masterKey);
      expect(errorsOf(res)?.code).toBe('BAD_USER_INPUT');
      return errorsOf(res)?.fieldErrors;
    };
    expect(await refuse({ provider: 'azure' })).toEqual({
      apiBase: ['is required for provider azure'],
      apiVersion: ['is required for provider azure'],
    });
    expect(await refuse({ apiKeyRef: 'sk-plaintext-key-123' })).toEqual({
      apiKeyRef: ['must be a secret reference such as env:NAME or file:/path, not the secret itself'],
    });
    expect(await refuse({ name: null, inputCostPerMillion: null })).toEqual({
      name: ['cannot be cleared; leave it out to keep the current value'],
      inputCostPerMillion: ['cannot be cleared; leave it out to keep the current value'],
    });
    expect(await configVersion()).toBe(before);

    // Clearing a field a provider requires is refused too.
    const azure = await createModel({ name: 'strict-azure', ...EXAMPLES.azure, ...costs });
    const res = await cp.gql(UPDATE_MODEL, { id: azure.id, input: { apiVersion: null } }, cp.masterKey);
    expect(errorsOf(res)?.fieldErrors).toEqual({ apiVersion: ['is required for provider azure'] });
  });

  it('should answer NOT_FOUND for an unknown, malformed or deleted id, and move a renamed model into the group of a taken name', async () => {
    const taken = await createModel({ name: 'taken', ...EXAMPLES.mock, ...costs });
    const other = await createModel({ name: 'other', ...EXAMPLES.mock, ...costs });
    // Several deployments may share a name: the renamed model joins the group.
    const joined = await cp.admin<{ updateModel: ModelResult }>(UPDATE_MODEL, { id: other.id, input: { name: taken.name } });
    expect(joined.updateModel).toMatchObject({ id: other.id, name: 'taken' });
    const { models } = await cp.admin<{ models: ModelResult[] }>('{ models(name: "taken") { id } }');
    expect(models.map((m) => m.id).sort()).toEqual([taken.id, other.id].sort());

    await cp.admin('mutation($id: ID!) { deleteModel(id: $id) }', { id: taken.id });
    for (const id of [taken.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await cp.gql(UPDATE_MODEL, { id, input: { timeoutMs: 1000 } }, cp.masterKey);
      expect(errorsOf(res)?.code).toBe('NOT_FOUND');
    }
    // Deleting one deployment leaves the rest of its group.
    expect((await cp.admin<{ models: ModelResult[] }>('{ models(name: "taken") { id } }')).models).toEqual([{ id: other.id }]);
  });

  it('should be refused to the data-plane credential', async () => {
    const model = await createModel({ name: 'guarded', ...EXAMPLES.mock, ...costs });
    const res = await cp.gql(UPDATE_MODEL, { id: model.id, input: { timeoutMs: 5 } }, cp.dataPlaneToken);
    expect(errorsOf(res)?.code).toBe('FORBIDDEN');
  });

  it('should leave a subscriber that followed the deltas with the same models as a fresh snapshot', async () => {
    const client = cp.ws(cp.dataPlaneToken);
    try {
      type Update = { gatewayConfig: { message: unknown } };
      const query = 'subscription { gatewayConfig { message } }';
      const sub = subscribe<Update>(client, query);
      const first = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (first.kind !== 'snapshot') throw new Error('expected a snapshot first');
      let view: ConfigSnapshot = first.snapshot;
      await roundTrip(client);

      const model = await createModel({ name: 'followed', ...EXAMPLES.gemini, ...costs });
      await cp.admin(UPDATE_MODEL, { id: model.id, input: { timeoutMs: 12_000, apiKeyRef: 'file:/etc/tollgate/gemini' } });
      const target = await configVersion();
      while (view.version < target) {
        const message = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
        view = message.kind === 'snapshot' ? message.snapshot : applyConfigChanges(view, message.version, message.changes);
      }
      const fresh = subscribe<Update>(client, query);
      const snapshot = ConfigMessage.parse((await fresh.next()).gatewayConfig.message);
      if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot first');
      const byId = (s: ConfigSnapshot) => [...s.models].sort((a, b) => a.id.localeCompare(b.id));
      expect(byId(view)).toEqual(byId(snapshot.snapshot));
      expect(view.models.find((m) => m.id === model.id)).toMatchObject({
        timeoutMs: 12_000,
        apiKeyRef: 'file:/etc/tollgate/gemini',
      });
      sub.dispose();
      fresh.dispose();
    } finally {
      await client.dispose();
    }
  });
});

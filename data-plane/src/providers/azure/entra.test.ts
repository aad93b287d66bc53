import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEntraStandIn, type EntraStandIn } from '../../../../test/stand-ins/entra/server.js';
import { secretResolver } from '../../upstream/secrets.js';
import { azureAuth, EntraTokens } from './entra.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0b4e7c4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d';
const WORKLOAD = '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const ASSERTION = 'eyJhbGciOiJSUzI1NiJ9.federated-workload-identity.signature';
const USER_ASSIGNED = '7d6c5b4a-3928-4170-8e6d-5c4b3a291807';

let entra: EntraStandIn;
const dir = mkdtempSync(join(tmpdir(), 'tollgate-entra-'));
const assertionFile = join(dir, 'azure-identity-token');
const secrets = secretResolver({ ENTRA_SECRET: 'the-right-client-secret', WRONG_SECRET: 'not-the-secret', STATIC_TOKEN: 'eyJ-static-token' });

beforeAll(async () => {
  entra = await startEntraStandIn(
    [
      { tenant: TENANT, clientId: CLIENT, clientSecret: 'the-right-client-secret' },
      { tenant: TENANT, clientId: WORKLOAD, clientAssertion: ASSERTION },
    ],
    { system: true, userAssigned: [USER_ASSIGNED], identityHeader: 'app-service-identity-header' },
  );
});
afterAll(async () => {
  await entra?.close();
});

const deployment = (fields: Partial<ModelConfig>): ModelConfig =>
  ModelConfig.parse({
    id: 'd1',
    name: 'gpt-4o-entra',
    provider: 'azure',
    providerModel: 'gpt-4o',
    apiBase: 'https://contoso.openai.azure.com',
    apiVersion: '2024-10-21',
    inputCostPerMillion: 1,
    outputCostPerMillion: 1,
    azureAdTenantId: TENANT,
    azureAdClientId: CLIENT,
    azureAdClientSecretRef: 'env:ENTRA_SECRET',
    azureAdAuthorityHost: entra.url,
    ...fields,
  });

/** A clock the test moves. */
function clock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const tokenOf = (bearer: string) => bearer.replace(/^Bearer /, '');

describe('Microsoft Entra ID tokens for Azure OpenAI', () => {
  it('tells the three ways apart: api-key, a token kept elsewhere, client credentials', () => {
    expect(azureAuth(deployment({ azureAdTenantId: null, azureAdClientId: null, azureAdClientSecretRef: null }))).toBe('api-key');
    expect(azureAuth(deployment({ azureAdTenantId: null, azureAdClientId: null, azureAdClientSecretRef: null, azureAdTokenRef: 'env:STATIC_TOKEN' }))).toBe('token');
    expect(azureAuth(deployment({}))).toBe('client-credentials');
    expect(azureAuth(deployment({ azureAdClientSecretRef: null, azureAdClientAssertionRef: `file:${assertionFile}` }))).toBe('client-credentials');
  });

  it('exchanges the client secret once for every concurrent first request, and sends the token Entra issued', async () => {
    const tokens = new EntraTokens();
    const target = deployment({});
    const before = entra.requests.length;
    const waits = Array.from({ length: 20 }, () => tokens.ready(target, secrets));
    expect(waits.every((w) => w !== undefined)).toBe(true);
    await Promise.all(waits);
    expect(entra.requests.length - before).toBe(1);
    expect(entra.requests.at(-1)).toMatchObject({
      tenant: TENANT,
      form: { client_id: CLIENT, client_secret: 'the-right-client-secret', grant_type: 'client_credentials', scope: 'https://cognitiveservices.azure.com/.default' },
    });
    const bearer = tokens.bearer(target, secrets);
    expect(entra.verify(tokenOf(bearer))).toBe(true);
    // Held now: no waiting, no exchange, for this deployment and another of the same app registration.
    expect(tokens.ready(target, secrets)).toBeUndefined();
    expect(tokens.bearer(deployment({ id: 'd2', name: 'gpt-4o-mini-entra', providerModel: 'gpt-4o-mini' }), secrets)).toBe(bearer);
    expect(entra.requests.length - before).toBe(1);
  });

  it('renews a token in the background in its last five minutes, and waits only once it has expired', async () => {
    const time = clock();
    const tokens = new EntraTokens({ now: time.now });
    const target = deployment({});
    await tokens.ready(target, secrets);
    const first = tokens.bearer(target, secrets);

    time.advance(3599_000 - 4 * 60_000); // four minutes left: renewed while the old one is still sent
    const before = entra.requests.length;
    expect(tokens.ready(target, secrets)).toBeUndefined();
    expect(tokens.bearer(target, secrets)).toBe(first);
    await waitUntil(() => tokens.bearer(target, secrets) !== first);
    expect(entra.requests.length - before).toBe(1);
    const second = tokens.bearer(target, secrets);
    expect(entra.verify(tokenOf(second))).toBe(true);

    time.advance(3600_000); // expired: the next request waits for a new one
    expect(() => tokens.bearer(target, secrets)).toThrow();
    const wait = tokens.ready(target, secrets);
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(tokens.bearer(target, secrets)).not.toBe(second);
  });

  it("answers a refused secret with Entra's reason, without its trace ids, and asks again only after a pause", async () => {
    const time = clock();
    const tokens = new EntraTokens({ now: time.now });
    const target = deployment({ azureAdClientSecretRef: 'env:WRONG_SECRET' });
    const before = entra.requests.length;
    await tokens.ready(target, secrets);
    const failure = () => {
      try {
        tokens.bearer(target, secrets);
      } catch (err) {
        return err as { status: number; code: string; message: string };
      }
      throw new Error('expected no token');
    };
    expect(failure()).toMatchObject({
      status: 502,
      code: 'upstream_auth_failed',
      message: `azure: model 'gpt-4o-entra': Microsoft Entra ID refused the gateway's credentials: invalid_client: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${CLIENT}'.`,
    });
    expect(failure().message).not.toMatch(/Trace ID|Correlation ID/);
    // Clients meanwhile get that reason at once, and Entra ID is not asked again for five seconds.
    expect(tokens.ready(target, secrets)).toBeUndefined();
    expect(entra.requests.length - before).toBe(1);
    time.advance(5_001);
    await tokens.ready(target, secrets);
    expect(entra.requests.length - before).toBe(2);
  });

  it("names the tenant or application Entra ID does not know", async () => {
    const tokens = new EntraTokens();
    const unknownApp = deployment({ azureAdClientId: '11111111-2222-4333-8444-555555555555' });
    await tokens.ready(unknownApp, secrets);
    expect(() => tokens.bearer(unknownApp, secrets)).toThrow(/unauthorized_client: AADSTS700016: Application with identifier '11111111-2222-4333-8444-555555555555' was not found/);
    const unknownTenant = deployment({ azureAdTenantId: 'fabrikam.onmicrosoft.com' });
    await tokens.ready(unknownTenant, secrets);
    expect(() => tokens.bearer(unknownTenant, secrets)).toThrow(/invalid_request: AADSTS90002: Tenant 'fabrikam.onmicrosoft.com' not found/);
  });

  it('presents a federated assertion from its file, read again when the file is replaced', async () => {
    writeFileSync(assertionFile, 'an-assertion-from-yesterday\n');
    const time = clock();
    const tokens = new EntraTokens({ now: time.now });
    const files = secretResolver({});
    const target = deployment({ azureAdClientId: WORKLOAD, azureAdClientSecretRef: null, azureAdClientAssertionRef: `file:${assertionFile}` });
    await tokens.ready(target, files);
    expect(() => tokens.bearer(target, files)).toThrow(/invalid_client: AADSTS700213: No matching federated identity record/);

    // The kubelet replaces the projected token; the next exchange (after the pause) presents the new one.
    writeFileSync(assertionFile, `${ASSERTION}\n`);
    utimesSync(assertionFile, new Date(), new Date(Date.now() + 10_000));
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // resolvers look at a file at most once a second
    time.advance(5_001);
    await tokens.ready(target, files);
    expect(entra.requests.at(-1)!.form).toMatchObject({ client_id: WORKLOAD, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: ASSERTION });
    expect(entra.verify(tokenOf(tokens.bearer(target, files)))).toBe(true);
  });

  it('sends a token kept fresh elsewhere as it stands, without asking Entra ID', () => {
    const tokens = new EntraTokens();
    const target = deployment({ azureAdTenantId: null, azureAdClientId: null, azureAdClientSecretRef: null, azureAdAuthorityHost: null, azureAdTokenRef: 'env:STATIC_TOKEN' });
    expect(tokens.ready(target, secrets)).toBeUndefined();
    expect(tokens.bearer(target, secrets)).toBe('Bearer eyJ-static-token');
  });

  describe("the host's managed identity", () => {
    const managed = (clientId: string | null = null) =>
      deployment({ azureAdTenantId: null, azureAdClientId: clientId, azureAdClientSecretRef: null, azureAdAuthorityHost: null, azureAdManagedIdentity: true });
    const imds = () => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: entra.url });

    it("asks the instance metadata service for the system-assigned identity's token, or a user-assigned one's by client id", async () => {
      const tokens = new EntraTokens({ env: imds() });
      expect(azureAuth(managed())).toBe('managed-identity');
      await tokens.ready(managed(), secrets);
      expect(entra.requests.at(-1)).toMatchObject({ tenant: 'imds', form: { 'api-version': '2018-02-01', resource: 'https://cognitiveservices.azure.com' } });
      expect(entra.requests.at(-1)!.form).not.toHaveProperty('client_id');
      const system = tokens.bearer(managed(), secrets);
      expect(entra.verify(tokenOf(system))).toBe(true);

      await tokens.ready(managed(USER_ASSIGNED), secrets);
      expect(entra.requests.at(-1)!.form).toMatchObject({ client_id: USER_ASSIGNED });
      const user = tokens.bearer(managed(USER_ASSIGNED), secrets);
      expect(entra.verify(tokenOf(user))).toBe(true);
      expect(user).not.toBe(system);
      // Held, and renewed like any other.
      expect(tokens.ready(managed(), secrets)).toBeUndefined();
    });

    it("asks App Service's identity endpoint, with its header secret, where IDENTITY_ENDPOINT is set, and renews by its expires_on", async () => {
      const time = clock();
      const env = { IDENTITY_ENDPOINT: `${entra.url}/msi/token`, IDENTITY_HEADER: 'app-service-identity-header', AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:1' };
      const tokens = new EntraTokens({ env, now: time.now });
      await tokens.ready(managed(), secrets);
      expect(entra.requests.at(-1)).toMatchObject({ tenant: 'app-service', form: { 'api-version': '2019-08-01', resource: 'https://cognitiveservices.azure.com' } });
      const first = tokens.bearer(managed(), secrets);
      expect(entra.verify(tokenOf(first))).toBe(true);
      time.advance(3599_000 - 60_000);
      expect(tokens.ready(managed(), secrets)).toBeUndefined();
      await waitUntil(() => tokens.bearer(managed(), secrets) !== first);
    });

    it("says when the host has no such identity, or none at all", async () => {
      const tokens = new EntraTokens({ env: imds() });
      const stranger = managed('00000000-1111-4222-8333-444444444444');
      await tokens.ready(stranger, secrets);
      expect(() => tokens.bearer(stranger, secrets)).toThrow(
        expect.objectContaining({ status: 502, code: 'upstream_auth_failed', message: "azure: model 'gpt-4o-entra': the host's managed identity endpoint refused: invalid_request: Identity not found" }),
      );
      const port = await closedPort();
      const nowhere = new EntraTokens({ env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${port}` } });
      await nowhere.ready(managed(), secrets);
      expect(() => nowhere.bearer(managed(), secrets)).toThrow(
        expect.objectContaining({ code: 'upstream_unreachable', message: `azure: could not reach the host's managed identity endpoint at http://127.0.0.1:${port} for model 'gpt-4o-entra' (ECONNREFUSED)` }),
      );
    });
  });

  it('says when Entra ID cannot be reached', async () => {
    const tokens = new EntraTokens({ timeoutMs: 2_000 });
    const port = await closedPort();
    const target = deployment({ azureAdAuthorityHost: `http://127.0.0.1:${port}` });
    await tokens.ready(target, secrets);
    expect(() => tokens.bearer(target, secrets)).toThrow(
      expect.objectContaining({ status: 502, code: 'upstream_unreachable', message: `azure: could not reach Microsoft Entra ID at http://127.0.0.1:${port} for model 'gpt-4o-entra' (ECONNREFUSED)` }),
    );
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import { CONFIG_FEATURES_PARAM, ConfigStreamMessage, HealthCheckMessage, isHealthCheckMessage, type ModelHealthResult } from '@tollgate/schema';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { roundTrip, startTestControlPlane, testSecret, type TestControlPlane } from './testing/harness.js';

// Two control planes on one database, as two replicas behind a load balancer: data planes, admins and reports may each
// reach either.
let db: TestDatabase;
let a: TestControlPlane;
let b: TestControlPlane;
const ids: Record<'east' | 'west' | 'embed', string> = { east: '', west: '', embed: '' };
let viewerToken: string;

const modelHealth = { waitMs: 3_000, ackMs: 600, pollMs: 200 };

beforeAll(async () => {
  db = await createTestDatabase();
  const shared = { databaseUrl: db.url, masterKey: testSecret('sk-tg-master-test-'), dataPlaneToken: testSecret('tg-dp-test-'), jobs: false as const, modelHealth };
  a = await startTestControlPlane(shared);
  b = await startTestControlPlane(shared);
  const create = async (name: string, providerModel: string) =>
    (await a.admin<{ createModel: { id: string } }>('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: { name, provider: 'openai', providerModel, apiKeyRef: 'env:OPENAI_API_KEY', inputCostPerMillion: 1, outputCostPerMillion: 2 },
    })).createModel.id;
  ids.east = await create('gpt', 'gpt-4o-mini');
  ids.west = await create('gpt', 'gpt-4o-mini');
  ids.embed = await create('vectors', 'text-embedding-3-small');
  await a.admin('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', {
    i: { email: 'viewer@health.example', role: 'proxy_admin_viewer', organizationId: null, password: 'correct horse battery staple' },
  });
  const login = await a.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', {
    i: { email: 'viewer@health.example', password: 'correct horse battery staple' },
  });
  viewerToken = login.data!.login.token;
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await db?.drop();
});

const GATEWAY_CONFIG = 'subscription { gatewayConfig { version message } }';
const CHECK = 'mutation($ids: [ID!]) { checkModelHealth(modelIds: $ids) { modelId modelName dataPlaneId healthy latencyMs mode error checkedAt requestId } }';
const REPORT = 'mutation($r: ID, $results: [ModelHealthInput!]!) { reportModelHealth(requestId: $r, results: $results) }';
const LIST = 'query($id: ID) { modelHealth(modelId: $id) { modelId modelName dataPlaneId healthy latencyMs mode error checkedAt requestId } }';

interface Health {
  modelId: string;
  modelName: string;
  dataPlaneId: string;
  healthy: boolean;
  latencyMs: number;
  mode: string;
  error: string | null;
  checkedAt: string;
  requestId: string | null;
}

/** What a fake data plane answers for one deployment; the default: healthy, except `west`, whose provider is down. */
type Answer = (modelId: string) => Pick<ModelHealthResult, 'healthy' | 'error' | 'mode'>;
const usual: Answer = (id) =>
  id === ids.west
    ? { healthy: false, error: 'openai: The server had an error while processing your request.', mode: 'chat' }
    : { healthy: true, error: null, mode: id === ids.embed ? 'embedding' : 'chat' };

/**
 * A data plane as the control plane sees one: a `gatewayConfig` subscriber on `on` that lists `features`, follows its
 * config, and answers health-check requests with `reportModelHealth` on `reportTo` (unless `answer` is null).
 */
async function fakeDataPlane(on: TestControlPlane, options: { name: string; features?: string[]; reportTo?: TestControlPlane; answer?: Answer | null }) {
  const client = createClient({
    url: on.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${on.dataPlaneToken}`, [CONFIG_FEATURES_PARAM]: options.features ?? ['healthChecks'] },
    retryAttempts: 0,
    lazy: true,
  });
  const reportTo = options.reportTo ?? on;
  const answer = options.answer === undefined ? usual : options.answer;
  const healthChecks: HealthCheckMessage[] = [];
  const configMessages: ConfigStreamMessage[] = [];
  const failures: unknown[] = [];
  let models: string[] = [];
  /** Reports in arrival order, one at a time, as a data plane's runner would. */
  let reporting: Promise<void> = Promise.resolve();
  const handle = async (message: unknown): Promise<void> => {
    if (!isHealthCheckMessage(message)) {
      const config = ConfigStreamMessage.parse(message);
      configMessages.push(config);
      if (config.kind === 'snapshot') models = config.snapshot.models.map((m) => m.id);
      return;
    }
    const request = HealthCheckMessage.parse(message);
    healthChecks.push(request);
    if (answer === null) return;
    const results = (request.modelIds ?? models).map((id) => ({ deploymentId: id, latencyMs: 42, checkedAt: new Date().toISOString(), dataPlaneId: options.name, ...answer(id) }));
    const res = await reportTo.gql(REPORT, { r: request.requestId, results }, reportTo.dataPlaneToken);
    if (res.errors) throw new Error(`reportModelHealth failed: ${JSON.stringify(res.errors)}`);
  };
  const dispose = client.subscribe<{ gatewayConfig: { version: number; message: unknown } }>(
    { query: GATEWAY_CONFIG },
    {
      next: (update) => {
        const message = update.data?.gatewayConfig.message;
        reporting = reporting.then(() => handle(message)).catch((err: unknown) => void failures.push(err));
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  await roundTrip(client);
  await waitUntil(() => configMessages.length > 0);
  return {
    healthChecks,
    configMessages,
    async close() {
      dispose();
      await client.dispose();
      await reporting;
      expect(failures).toEqual([]);
    },
  };
}

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('checkModelHealth', () => {
  it("should ask the connected data plane, return its results in the order asked, store them, and audit the request", async () => {
    const dp = await fakeDataPlane(a, { name: 'dp-a' });
    try {
      const { checkModelHealth } = await a.admin<{ checkModelHealth: Health[] }>(CHECK, { ids: [ids.west, ids.east] });
      expect(checkModelHealth).toEqual([
        { modelId: ids.west, modelName: 'gpt', dataPlaneId: 'dp-a', healthy: false, latencyMs: 42, mode: 'chat', error: 'openai: The server had an error while processing your request.', checkedAt: expect.any(String), requestId: expect.any(String) },
        { modelId: ids.east, modelName: 'gpt', dataPlaneId: 'dp-a', healthy: true, latencyMs: 42, mode: 'chat', error: null, checkedAt: expect.any(String), requestId: checkModelHealth[0]!.requestId },
      ]);
      expect(dp.healthChecks).toEqual([{ kind: 'healthCheck', requestId: checkModelHealth[0]!.requestId, modelIds: [ids.west, ids.east] }]);

      const { auditLog } = await a.admin<{ auditLog: { entries: Array<{ action: string; entityId: string; after: { requestId: string } }> } }>(
        '{ auditLog(filter: { action: "model.check" }) { entries { action entityId after } } }',
      );
      expect(auditLog.entries.map((e) => [e.entityId, e.after.requestId]).sort()).toEqual(
        [[ids.west, checkModelHealth[0]!.requestId], [ids.east, checkModelHealth[0]!.requestId]].sort(),
      );
    } finally {
      await dp.close();
    }
  });

  it('should check every live deployment when no ids are given, and list the latest results through modelHealth and Model.health', async () => {
    const dp = await fakeDataPlane(a, { name: 'dp-all' });
    try {
      const { checkModelHealth } = await a.admin<{ checkModelHealth: Health[] }>(CHECK);
      expect(dp.healthChecks.at(-1)?.modelIds).toBeNull();
      const every = (await a.admin<{ models: Array<{ id: string }> }>('{ models { id } }')).models.map((m) => m.id);
      expect(checkModelHealth.map((h) => h.modelId)).toEqual(every);
      expect(checkModelHealth.find((h) => h.modelId === ids.embed)).toMatchObject({ modelName: 'vectors', mode: 'embedding', healthy: true });

      // Readers of models see the results, through either replica.
      const listed = await b.gql<{ modelHealth: Health[] }>(LIST, { id: ids.west }, viewerToken);
      expect(listed.errors).toBeUndefined();
      expect(listed.data!.modelHealth.find((h) => h.dataPlaneId === 'dp-all')).toMatchObject({ modelId: ids.west, healthy: false, requestId: checkModelHealth[0]!.requestId });
      const { models } = await b.admin<{ models: Array<{ id: string; health: Array<{ dataPlaneId: string; healthy: boolean }> }> }>('{ models(name: "gpt") { id health { dataPlaneId healthy } } }');
      expect(models.find((m) => m.id === ids.east)?.health).toContainEqual({ dataPlaneId: 'dp-all', healthy: true });
      expect(models.find((m) => m.id === ids.west)?.health).toContainEqual({ dataPlaneId: 'dp-all', healthy: false });
    } finally {
      await dp.close();
    }
  });

  it('should reach a data plane connected to another replica, whichever replica its report reaches', async () => {
    const onB = await fakeDataPlane(b, { name: 'dp-b', reportTo: b });
    try {
      const viaB = await a.admin<{ checkModelHealth: Health[] }>(CHECK, { ids: [ids.east] });
      expect(viaB.checkModelHealth).toEqual([expect.objectContaining({ modelId: ids.east, dataPlaneId: 'dp-b', healthy: true })]);
    } finally {
      await onB.close();
    }
    const reportsToA = await fakeDataPlane(b, { name: 'dp-b-to-a', reportTo: a });
    try {
      const viaA = await b.admin<{ checkModelHealth: Health[] }>(CHECK, { ids: [ids.west] });
      expect(viaA.checkModelHealth).toEqual([expect.objectContaining({ modelId: ids.west, dataPlaneId: 'dp-b-to-a', healthy: false })]);
    } finally {
      await reportsToA.close();
    }
  });

  it('should say no data plane is connected when none listed the healthChecks feature, and send older data planes nothing', async () => {
    const older = await fakeDataPlane(a, { name: 'dp-old', features: ['snapshotParts', 'governedSubjects', 'routing'] });
    try {
      const started = Date.now();
      const res = await a.gql(CHECK, { ids: [ids.east] }, a.masterKey);
      expect(res.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/^No data plane is connected to run health checks: .*healthChecks feature/),
        extensions: { code: 'UNAVAILABLE' },
      });
      expect(Date.now() - started).toBeLessThan(modelHealth.waitMs);
      expect(older.healthChecks).toEqual([]);
    } finally {
      await older.close();
    }
  });

  it('should give up after the wait when the data plane that got the request never answers', async () => {
    const silent = await fakeDataPlane(a, { name: 'dp-silent', answer: null });
    try {
      const res = await a.gql(CHECK, { ids: [ids.east] }, a.masterKey);
      expect(res.errors?.[0]).toMatchObject({ message: 'No data plane reported health results within 3 s; results that arrive later are listed by modelHealth.', extensions: { code: 'UNAVAILABLE' } });
      expect(silent.healthChecks).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });

  it('should leave the config stream as it was: versions and deltas go on after a health-check request', async () => {
    const dp = await fakeDataPlane(a, { name: 'dp-stream' });
    try {
      await a.admin(CHECK, { ids: [ids.east] });
      await a.admin('mutation { createKey(input: { alias: "after-health" }) { key } }');
      await waitUntil(() => dp.configMessages.length >= 2);
      const [snapshot, delta] = dp.configMessages;
      expect(delta).toMatchObject({ kind: 'delta', fromVersion: snapshot!.version, changes: [{ op: 'upsertKey', value: { alias: 'after-health' } }] });
    } finally {
      await dp.close();
    }
  });

  it('should be for proxy admins only, and refuse unknown deployments and too many', async () => {
    const dp = await fakeDataPlane(a, { name: 'dp-auth' });
    try {
      for (const token of [viewerToken, a.dataPlaneToken]) {
        const refused = await a.gql(CHECK, { ids: [ids.east] }, token);
        expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      expect((await a.gql(CHECK, { ids: [ids.east] })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await a.gql(CHECK, { ids: ['00000000-0000-4000-8000-00000000abcd'] }, a.masterKey)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const tooMany = await a.gql(CHECK, { ids: Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`) }, a.masterKey);
      expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { modelIds: [expect.stringContaining('at most 100')] } });
      expect(dp.healthChecks).toEqual([]);
    } finally {
      await dp.close();
    }
  });
});

describe('reportModelHealth', () => {
  const result = (overrides: Partial<ModelHealthResult>) => ({
    deploymentId: ids.east,
    healthy: true,
    latencyMs: 10,
    mode: 'chat',
    error: null,
    checkedAt: new Date().toISOString(),
    dataPlaneId: 'dp-periodic',
    ...overrides,
  });

  it('should take reports from the data-plane credential only', async () => {
    for (const token of [a.masterKey, viewerToken]) {
      const refused = await a.gql(REPORT, { r: null, results: [result({})] }, token);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('should keep the latest result per deployment and data plane, skip ids that name no model, and validate results', async () => {
    const now = Date.now();
    const report = (results: unknown[]) => a.gql<{ reportModelHealth: number }>(REPORT, { r: null, results }, a.dataPlaneToken);
    expect((await report([result({ checkedAt: new Date(now).toISOString(), healthy: false, error: 'openai: down' }), result({ deploymentId: 'no-such-model' })])).data).toEqual({ reportModelHealth: 1 });
    // An older check arriving late does not replace the newer one.
    expect((await report([result({ checkedAt: new Date(now - 60_000).toISOString(), healthy: true })])).data).toEqual({ reportModelHealth: 0 });
    const listed = (await a.admin<{ modelHealth: Health[] }>(LIST, { id: ids.east })).modelHealth.filter((h) => h.dataPlaneId === 'dp-periodic');
    expect(listed).toEqual([expect.objectContaining({ healthy: false, error: 'openai: down', requestId: null, checkedAt: new Date(now).toISOString() })]);

    const invalid = await report([result({ mode: 'dance' as never, latencyMs: -1 })]);
    expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('should answer NOT_FOUND for modelHealth of a deployment that does not exist', async () => {
    const res = await a.gql(LIST, { id: '00000000-0000-4000-8000-00000000abcd' }, a.masterKey);
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

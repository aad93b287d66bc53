import { ConfigMessage, DEFAULT_ROUTER_CONFIG, type ConfigFeature, type ConfigSnapshot } from '@tollgate/schema';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from './db/entities/index.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { dataPlaneClient, roundTrip, startTestControlPlane, subscribe, type GraphQLResponse, type TestControlPlane } from './testing/harness.js';

/**
 * Model groups (several deployments behind one model name) and the gateway-wide router settings, through the real
 * GraphQL API, PostgreSQL and the gatewayConfig subscription.
 */
let db: TestDatabase;
let cp: TestControlPlane;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url, jobs: false });
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

interface Update {
  gatewayConfig: { version: number; message: unknown };
}
const GATEWAY_CONFIG = 'subscription { gatewayConfig { version message } }';
const ROUTER_FIELDS = `strategy groupStrategies numRetries retryPolicy backoffMs maxBackoffMs maxRetryAfterMs fallbacks
  contextWindowFallbacks contentPolicyFallbacks allowedFails allowedFailsPolicy failureWindowMs cooldownMs managedBy updatedAt`;
const UPDATE_ROUTER = `mutation($input: RouterSettingsInput!) { updateRouterSettings(input: $input) { ${ROUTER_FIELDS} } }`;
const CREATE_MODEL = 'mutation($input: CreateModelInput!) { createModel(input: $input) { id name weight rpmLimit deployment } }';

const errorsOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions;
const configVersion = async () => (await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion;

async function createModel(name: string, extra: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
  const input = { name, provider: 'mock', providerModel: 'mock-gpt', inputCostPerMillion: 1, outputCostPerMillion: 2, ...extra };
  return (await cp.admin<{ createModel: { id: string; name: string } }>(CREATE_MODEL, { input })).createModel;
}

/** A data plane subscribing with the given config features (none: a data plane that predates them). */
const dataPlane = (features: ConfigFeature[]): Client => dataPlaneClient(cp, features);

async function snapshotOf(client: Client): Promise<ConfigSnapshot> {
  const sub = subscribe<Update>(client, GATEWAY_CONFIG);
  const message = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
  sub.dispose();
  if (message.kind !== 'snapshot') throw new Error(`expected a snapshot, got ${message.kind}`);
  return message.snapshot;
}

let orgId: string | undefined;
/** A user of `role` (in an organization unless the role is proxy-wide) and a session token for them. */
async function sessionOf(email: string, role: string): Promise<string> {
  const password = 'correct horse battery staple';
  orgId ??= (await cp.admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "router-org" }) { id } }')).createOrganization.id;
  const organizationId = role.startsWith('proxy_') ? null : orgId;
  await cp.admin('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role, password, organizationId } });
  const res = await cp.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email, password } });
  return res.data!.login.token;
}

describe('model groups', () => {
  it('should create several deployments of one name, list them as a group and ship each to data planes', async () => {
    const east = await createModel('grouped', { weight: 3, rpmLimit: 600 });
    const west = await createModel('grouped', { provider: 'openai_compatible', providerModel: 'llama', apiBase: 'http://10.0.0.2:8000/v1', weight: 1 });
    await createModel('ungrouped');

    const { models } = await cp.admin<{ models: Array<{ id: string; name: string; weight: number; deployment: string | null }> }>('{ models(name: "grouped") { id name weight deployment } }');
    expect(models).toEqual([
      { id: east.id, name: 'grouped', weight: 3, deployment: null },
      { id: west.id, name: 'grouped', weight: 1, deployment: null },
    ]);

    const client = dataPlane(['routing']);
    try {
      const snapshot = await snapshotOf(client);
      expect(snapshot.models.filter((m) => m.name === 'grouped').map((m) => [m.id, m.provider, m.weight, m.rpmLimit]).sort()).toEqual(
        [
          [east.id, 'mock', 3, 600],
          [west.id, 'openai_compatible', 1, null],
        ].sort(),
      );
    } finally {
      await client.dispose();
    }
  });

  it('should delete one deployment and keep the others, and let a rename move a deployment into a group', async () => {
    const first = await createModel('shrinking');
    const second = await createModel('shrinking');
    await cp.admin('mutation($id: ID!) { deleteModel(id: $id) }', { id: first.id });
    const names = async (name: string) => (await cp.admin<{ models: Array<{ id: string }> }>('query($n: String) { models(name: $n) { id } }', { n: name })).models.map((m) => m.id);
    expect(await names('shrinking')).toEqual([second.id]);

    const loner = await createModel('joining');
    await cp.admin('mutation($id: ID!) { updateModel(id: $id, input: { name: "shrinking" }) { id } }', { id: loner.id });
    expect((await names('shrinking')).sort()).toEqual([second.id, loner.id].sort());
    expect(await names('joining')).toEqual([]);
  });
});

describe('routerSettings', () => {
  it('should answer the defaults before any change, to every role that reads models', async () => {
    const expected = { ...DEFAULT_ROUTER_CONFIG, managedBy: null, updatedAt: null };
    expect((await cp.admin<{ routerSettings: unknown }>(`{ routerSettings { ${ROUTER_FIELDS} } }`)).routerSettings).toEqual(expected);
    const viewer = await sessionOf('router-viewer@example.com', 'internal_viewer');
    expect((await cp.gql(`{ routerSettings { ${ROUTER_FIELDS} } }`, {}, viewer)).data?.routerSettings).toEqual(expected);
  });

  it('should be changed by proxy admins only', async () => {
    const callers = {
      proxyViewer: await sessionOf('router-proxy-viewer@example.com', 'proxy_admin_viewer'),
      internalUser: await sessionOf('router-user@example.com', 'internal_user'),
      dataPlane: cp.dataPlaneToken,
    };
    const before = await configVersion();
    for (const [caller, token] of Object.entries(callers)) {
      const res = await cp.gql(UPDATE_ROUTER, { input: { numRetries: 5 } }, token);
      expect({ caller, code: errorsOf(res)?.code }).toEqual({ caller, code: 'FORBIDDEN' });
    }
    expect(errorsOf(await cp.gql(UPDATE_ROUTER, { input: { numRetries: 5 } }))?.code).toBe('UNAUTHENTICATED');
    expect(await configVersion()).toBe(before);
  });

  it('should refuse invalid settings field by field, naming what is wrong, and write nothing', async () => {
    await createModel('valid-a');
    await createModel('valid-b');
    const before = await configVersion();
    const refuse = async (input: Record<string, unknown>) => {
      const res = await cp.gql(UPDATE_ROUTER, { input }, cp.masterKey);
      expect(errorsOf(res)?.code).toBe('BAD_USER_INPUT');
      return errorsOf(res)?.fieldErrors;
    };
    // The shared contract's own rules.
    expect(await refuse({ strategy: 'fastest', numRetries: 11, retryPolicy: { flaky: 1 }, cooldownMs: 10 })).toEqual({
      strategy: [expect.stringContaining('"weighted"')],
      numRetries: [expect.stringContaining('<=10')],
      retryPolicy: [expect.stringContaining('flaky')],
      cooldownMs: [expect.stringContaining('>=1000')],
    });
    // Rules between settings.
    expect(
      await refuse({
        fallbacks: { 'valid-a': ['valid-a', 'valid-b'] },
        contextWindowFallbacks: { 'valid-a': ['valid-b', 'valid-b'] },
        backoffMs: 2000,
        maxBackoffMs: 1000,
      }),
    ).toEqual({
      fallbacks: ['"valid-a" falls back to itself'],
      contextWindowFallbacks: ['"valid-a" lists "valid-b" more than once'],
      maxBackoffMs: ['must be at least backoffMs (2000)'],
    });
    // Every model name must be a model group.
    expect(
      await refuse({
        groupStrategies: { ghost: 'least_busy' },
        fallbacks: { 'valid-a': ['phantom'] },
        contentPolicyFallbacks: { nowhere: ['valid-b'] },
      }),
    ).toEqual({
      groupStrategies: ['"ghost" is not a model name'],
      fallbacks: ['"phantom" (a fallback of "valid-a") is not a model name'],
      contentPolicyFallbacks: ['"nowhere" is not a model name'],
    });
    expect(await configVersion()).toBe(before);
  });

  it('should apply a partial change, audit it with before and after, ship it to routing data planes only, and record nothing for a repeat', async () => {
    await createModel('primary');
    await createModel('primary');
    await createModel('backup');
    const routing = dataPlane(['governedSubjects', 'routing']);
    const older = dataPlane([]);
    try {
      const sub = subscribe<Update>(routing, GATEWAY_CONFIG);
      const oldSub = subscribe<Update>(older, GATEWAY_CONFIG);
      const first = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      const oldFirst = ConfigMessage.parse((await oldSub.next()).gatewayConfig.message);
      // Every snapshot carries the router settings; a data plane that predates them strips them on parse.
      expect(first).toMatchObject({ kind: 'snapshot', snapshot: { router: DEFAULT_ROUTER_CONFIG } });
      expect(oldFirst).toMatchObject({ kind: 'snapshot', snapshot: { router: DEFAULT_ROUTER_CONFIG } });
      await roundTrip(routing);
      await roundTrip(older);

      const input = {
        strategy: 'least_busy',
        groupStrategies: { primary: 'lowest_latency' },
        fallbacks: { primary: ['backup'] },
        retryPolicy: { rate_limit: 0 },
        cooldownMs: 5000,
      };
      const { updateRouterSettings: updated } = await cp.admin<{ updateRouterSettings: Record<string, unknown> }>(UPDATE_ROUTER, { input });
      const expected = { ...DEFAULT_ROUTER_CONFIG, ...input };
      expect(updated).toEqual({ ...expected, managedBy: null, updatedAt: expect.any(String) });

      const delta = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      const oldDelta = ConfigMessage.parse((await oldSub.next()).gatewayConfig.message);
      expect(delta).toEqual({ kind: 'delta', fromVersion: first.version, version: expect.any(Number), changes: [{ op: 'setRouter', value: expected }] });
      // The older data plane moves to the same version without the op it would refuse the whole delta for.
      expect(oldDelta).toEqual({ kind: 'delta', fromVersion: oldFirst.version, version: delta.version, changes: [] });

      const [entry] = await cp.orm.em.fork().find(AuditEntry, { action: 'router.update' }, { orderBy: { id: 'desc' }, limit: 1 });
      expect(entry).toMatchObject({ entityType: 'router_settings', actorId: 'master', before: DEFAULT_ROUTER_CONFIG, after: expected });

      // Null returns a setting to its default; fields left out keep theirs.
      const reset = await cp.admin<{ updateRouterSettings: Record<string, unknown> }>(UPDATE_ROUTER, { input: { cooldownMs: null, numRetries: 4 } });
      expect(reset.updateRouterSettings).toMatchObject({ strategy: 'least_busy', cooldownMs: DEFAULT_ROUTER_CONFIG.cooldownMs, numRetries: 4 });
      expect(((await sub.next()).gatewayConfig.message as { changes: unknown[] }).changes).toEqual([
        { op: 'setRouter', value: { ...expected, cooldownMs: DEFAULT_ROUTER_CONFIG.cooldownMs, numRetries: 4 } },
      ]);
      await oldSub.next();

      // The same change again changes nothing: no config version, no audit entry.
      const version = await configVersion();
      const audits = await cp.orm.em.fork().count(AuditEntry, { action: 'router.update' });
      await cp.admin(UPDATE_ROUTER, { input: { numRetries: 4, strategy: 'least_busy', fallbacks: { primary: ['backup'] }, retryPolicy: { rate_limit: 0 } } });
      expect(await configVersion()).toBe(version);
      expect(await cp.orm.em.fork().count(AuditEntry, { action: 'router.update' })).toBe(audits);

      // A fresh snapshot has the settings in force, for every subscriber.
      expect((await snapshotOf(older)).router).toEqual({ ...expected, cooldownMs: DEFAULT_ROUTER_CONFIG.cooldownMs, numRetries: 4 });
      sub.dispose();
      oldSub.dispose();
    } finally {
      await routing.dispose();
      await older.dispose();
    }
  });

  it('should refuse to delete or rename away the last deployment of a name the router settings use, but not another of its group', async () => {
    const [one, two] = [await createModel('routed-to'), await createModel('routed-to')];
    await createModel('routed-from');
    await cp.admin(UPDATE_ROUTER, { input: { contextWindowFallbacks: { 'routed-from': ['routed-to'] } } });
    await cp.admin('mutation($id: ID!) { deleteModel(id: $id) }', { id: one.id });

    const deleted = await cp.gql('mutation($id: ID!) { deleteModel(id: $id) }', { id: two.id }, cp.masterKey);
    expect(errorsOf(deleted)?.code).toBe('CONFLICT');
    expect(deleted.errors?.[0]?.message).toBe(
      'The router settings name "routed-to" (contextWindowFallbacks of "routed-from") and this is its last deployment; change the router settings first.',
    );
    const renamed = await cp.gql('mutation($id: ID!) { updateModel(id: $id, input: { name: "elsewhere" }) { id } }', { id: two.id }, cp.masterKey);
    expect(errorsOf(renamed)?.code).toBe('CONFLICT');

    await cp.admin(UPDATE_ROUTER, { input: { contextWindowFallbacks: null } });
    await cp.admin('mutation($id: ID!) { deleteModel(id: $id) }', { id: two.id });
  });
});

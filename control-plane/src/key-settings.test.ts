import { KeyConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualKey } from './db/entities/index.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';

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

const SETTINGS = `id maxBudget softBudget budgetDuration budgetResetAt rpmLimit tpmLimit maxParallelRequests modelLimits modelAliases
  metadata tags guardrails enforcedParams allowedIps allowedRoutes tempBudgetIncrease tempBudgetExpiresAt autoRotateDays managedBy`;
const CREATE = `mutation($i: CreateKeyInput!) { createKey(input: $i) { key virtualKey { ${SETTINGS} } } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateKeyInput!) { updateKey(id: $id, input: $i) { ${SETTINGS} } }`;

const errorOf = (res: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => res.errors?.[0]?.extensions;

describe('key settings', () => {
  it('stores budgets, limits, aliases, metadata and restrictions, and ships them to data planes', async () => {
    const before = Date.now();
    const { createKey } = await cp.admin<{ createKey: { key: string; virtualKey: Record<string, unknown> & { id: string; budgetResetAt: string } } }>(CREATE, {
      i: {
        alias: 'full',
        maxBudget: 50,
        softBudget: 40,
        budgetDuration: '7d',
        rpmLimit: 60,
        tpmLimit: 5_000_000_000,
        maxParallelRequests: 4,
        modelLimits: { 'gpt-4o': { rpm: 10, maxBudget: 5 } },
        modelAliases: { fast: 'gpt-4o-mini' },
        metadata: { costCenter: 'r&d' },
        tags: ['prod', 'prod', 'search'],
        guardrails: ['pii'],
        enforcedParams: ['user', 'metadata.generation_name'],
        allowedIps: ['10.0.0.0/8', '2001:db8::1'],
        allowedRoutes: ['/v1/chat/completions'],
        autoRotateDays: 90,
      },
    });
    expect(createKey.virtualKey).toMatchObject({
      maxBudget: 50,
      softBudget: 40,
      budgetDuration: '7d',
      tpmLimit: 5_000_000_000,
      modelLimits: { 'gpt-4o': { rpm: 10, maxBudget: 5 } },
      tags: ['prod', 'search'],
      allowedIps: ['10.0.0.0/8', '2001:db8::1'],
      managedBy: null,
    });
    const reset = Date.parse(createKey.virtualKey.budgetResetAt);
    expect(reset - before).toBeGreaterThanOrEqual(7 * 86_400_000 - 1000);
    expect(reset - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);

    const client = cp.ws(cp.dataPlaneToken);
    const config = subscribe<{ gatewayConfig: { message: { snapshot: { keys: unknown[] } } } }>(client, 'subscription { gatewayConfig { message } }');
    const shipped = (await config.next()).gatewayConfig.message.snapshot.keys.map((k) => KeyConfig.parse(k)).find((k) => k.id === createKey.virtualKey.id);
    await client.dispose();
    expect(shipped).toMatchObject({
      softBudget: 40,
      budgetDuration: '7d',
      rpmLimit: 60,
      maxParallelRequests: 4,
      modelAliases: { fast: 'gpt-4o-mini' },
      metadata: { costCenter: 'r&d' },
      enforcedParams: ['user', 'metadata.generation_name'],
      allowedRoutes: ['/v1/chat/completions'],
    });
  });

  it('names each invalid setting', async () => {
    const res = await cp.gql(CREATE, {
      i: {
        budgetDuration: 'weekly',
        rpmLimit: 0,
        allowedIps: ['10.0.0.0/33'],
        enforcedParams: ['user name'],
        modelLimits: { 'gpt-4o': { rpm: 1, burst: 5 }, 'claude-sonnet': { rpm: -3 } },
        allowedRoutes: ['v1/chat'],
        metadata: { blob: 'x'.repeat(20_000) },
      },
    }, cp.masterKey);
    expect(errorOf(res)).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: {
        budgetDuration: [expect.stringContaining('1h, 1d, 7d, 30d, 1mo')],
        rpmLimit: ['must be positive'],
        allowedIps: [expect.stringContaining('CIDR')],
        enforcedParams: [expect.stringContaining('parameter path')],
        // Each entry's problem names the entry.
        modelLimits: [expect.stringMatching(/^gpt-4o: /), 'claude-sonnet.rpm: must be positive'],
        allowedRoutes: [expect.stringContaining('path')],
        metadata: ['must be at most 16 KB of JSON'],
      },
    });
  });

  it('raises the budget for a while, and clears the raise', async () => {
    const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>(CREATE, { i: { maxBudget: 10 } });
    const id = createKey.virtualKey.id;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const raised = await cp.admin<{ updateKey: Record<string, unknown> }>(UPDATE, { id, i: { tempBudgetIncrease: 25, tempBudgetExpiresAt: until } });
    expect(raised.updateKey).toMatchObject({ maxBudget: 10, tempBudgetIncrease: 25, tempBudgetExpiresAt: until });
    const half = await cp.gql(UPDATE, { id, i: { tempBudgetIncrease: 5 } }, cp.masterKey);
    expect(errorOf(half)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { tempBudgetExpiresAt: [expect.any(String)] } });
    const past = await cp.gql(UPDATE, { id, i: { tempBudgetIncrease: 5, tempBudgetExpiresAt: new Date(Date.now() - 1000).toISOString() } }, cp.masterKey);
    expect(errorOf(past)).toMatchObject({ fieldErrors: { tempBudgetExpiresAt: ['must be in the future'] } });
    const cleared = await cp.admin<{ updateKey: Record<string, unknown> }>(UPDATE, { id, i: { tempBudgetIncrease: null, tempBudgetExpiresAt: null } });
    expect(cleared.updateKey).toMatchObject({ tempBudgetIncrease: null, tempBudgetExpiresAt: null, maxBudget: 10 });
  });

  it('refuses to change or delete a key declared in the config file', async () => {
    const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>(CREATE, { i: { alias: 'declared' } });
    const id = createKey.virtualKey.id;
    await cp.orm.em.fork().nativeUpdate(VirtualKey, { id }, { managedBy: 'file' });
    for (const [query, vars] of [
      [UPDATE, { id, i: { blocked: true } }],
      ['mutation($id: ID!) { deleteKey(id: $id) }', { id }],
      ['mutation($id: ID!) { regenerateKey(id: $id) { key } }', { id }],
    ] as const) {
      const res = await cp.gql(query, vars, cp.masterKey);
      expect(res.errors?.[0]).toMatchObject({ message: expect.stringContaining('config file'), extensions: { code: 'CONFLICT' } });
    }
  });
});

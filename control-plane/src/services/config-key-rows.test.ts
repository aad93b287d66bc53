import { randomUUID } from 'node:crypto';
import { ref } from '@mikro-orm/core';
import { hashKey, KeyConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Team, VirtualKey } from '../db/entities/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { MemoryLogger, startTestControlPlane, type TestControlPlane } from '../testing/harness.js';
import { usageEvent } from '../testing/usage-event.js';
import { ConfigLog } from './config-log.js';
import { keyConfig } from './config-mappers.js';
import { ConfigSource } from './config-source.js';

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

describe('snapshot keys read as rows', () => {
  it('ship exactly what keyConfig(entity) ships, without the default fields, and only live llm_api keys', async () => {
    const em = cp.orm.em.fork();
    const team = em.create(Team, { name: `rows-${randomUUID()}`, models: ['a'] });
    const key = (n: string, settings: Partial<VirtualKey> = {}) =>
      em.create(VirtualKey, { hash: hashKey(n), prefix: n.slice(0, 10), ...settings });
    const plain = key('sk-tg-plain', { createdAt: new Date(Date.now() - 1000) });
    const full = key('sk-tg-full', {
      alias: 'full',
      team: ref(team),
      models: ['a', 'b'],
      maxBudget: 12.345678901234,
      softBudget: 0.1,
      budgetDuration: '1mo',
      budgetResetAt: new Date('2026-12-01T00:00:00.000Z'),
      rpmLimit: 60,
      tpmLimit: 5_000_000_000,
      maxParallelRequests: 3,
      spend: 7.000000000001,
      blocked: true,
      expiresAt: new Date('2027-01-01T00:00:00.000Z'),
      modelLimits: { a: { rpm: 5, maxBudget: 1.5 } },
      modelAliases: { fast: 'a' },
      metadata: { env: 'prod', nested: { none: null, list: [1, 'two'] }, unicode: 'ünï' },
      tags: ['x', 'y'],
      guardrails: ['pii'],
      enforcedParams: ['user'],
      allowedIps: ['10.0.0.0/8'],
      allowedRoutes: ['/v1/chat/completions'],
      tempBudgetIncrease: 2,
      tempBudgetExpiresAt: new Date('2026-12-02T00:00:00.000Z'),
      previousHash: hashKey('sk-tg-full-old'),
      previousHashExpiresAt: new Date('2026-11-26T00:00:00.000Z'),
    });
    const deleted = key('sk-tg-deleted', { deletedAt: new Date() });
    const management = key('sk-tg-management', { keyType: 'management' });
    // Invalid for the schema (a negative budget): left out, and logged, by both paths.
    const invalid = key('sk-tg-invalid', { maxBudget: -1 });
    await em.flush();
    // Timestamps with microseconds, which the entity path truncates to milliseconds.
    await em.execute(`update "virtual_key" set "expires_at" = '2027-03-04 05:06:07.891234+00', "budget_reset_at" = '1999-12-31 23:59:59.999999+00' where "id" = ?`, [full.id]);
    // Made in the same millisecond, the two would be ordered by their random ids: make the creation order certain.
    await em.execute(`update "virtual_key" set "created_at" = now() - interval '1 second' where "id" = ?`, [plain.id]);

    const logger = new MemoryLogger();
    const source = new ConfigSource(cp.orm, new ConfigLog(cp.orm, () => undefined), logger);
    const snapshot = await source.snapshot();
    const sent = new Map(snapshot.keys.map((k) => [k.id, k]));
    expect(sent.has(deleted.id) || sent.has(management.id) || sent.has(invalid.id)).toBe(false);
    expect(logger.lines.some((l) => l.includes('fails the schema') && l.includes(invalid.id))).toBe(true);
    // Creation order, as before (the two keys are a second apart).
    expect(snapshot.keys.map((k) => k.id).filter((id) => id === plain.id || id === full.id)).toEqual([plain.id, full.id]);

    const entities = await cp.orm.em.fork().find(VirtualKey, { id: { $in: [plain.id, full.id] } }, { populate: ['hash', 'previousHash'] });
    for (const entity of entities) {
      expect(KeyConfig.parse(sent.get(entity.id))).toEqual(keyConfig(entity));
    }
    expect(sent.get(plain.id)).toEqual({ id: plain.id, hash: hashKey('sk-tg-plain'), prefix: 'sk-tg-plai' });
    expect(sent.get(full.id)).toMatchObject({ expiresAt: '2027-03-04T05:06:07.891Z', budgetResetAt: '1999-12-31T23:59:59.999Z', tpmLimit: 5_000_000_000, spend: 7.000000000001 });
  });
});

describe("a key's per-model budgets", () => {
  it("carry what the key spent on each model in its period, in the snapshot and in the key's config changes alike", async () => {
    const model = async (name: string) =>
      (await cp.admin<{ createModel: { id: string } }>('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
        i: { name, provider: 'openai', providerModel: 'gpt-4o', inputCostPerMillion: 1, outputCostPerMillion: 1 },
      })).createModel.id;
    const budgeted = await model(`budgeted-${randomUUID()}`);
    const other = await model(`other-${randomUUID()}`);
    const budgetedName = (await cp.orm.em.fork().execute<Array<{ name: string }>>(`select "name" from "model" where "id" = ?`, [budgeted]))[0]!.name;
    const otherName = (await cp.orm.em.fork().execute<Array<{ name: string }>>(`select "name" from "model" where "id" = ?`, [other]))[0]!.name;
    const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', {
      i: { alias: 'per-model', budgetDuration: '1d', modelLimits: { [budgetedName]: { maxBudget: 5 }, [otherName]: { rpm: 3 } } },
    });
    const keyId = createKey.virtualKey.id;
    // Answered by the budgeted model's deployment: 1.25 + 0.5 in this period, 3 in the one before; by another: 7.
    const ingested = await cp.gql('mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged } }', { events: [
      usageEvent(keyId, 1.25, { modelId: budgeted, model: budgetedName }),
      usageEvent(keyId, 0.5, { modelId: budgeted, model: 'an-alias' }),
      usageEvent(keyId, 3, { modelId: budgeted, model: budgetedName, startedAt: new Date(Date.now() - 2 * 86_400_000).toISOString() }),
      usageEvent(keyId, 7, { modelId: other, model: otherName }),
    ] }, cp.dataPlaneToken);
    expect(ingested.errors).toBeUndefined();
    const expected = { [budgetedName]: { maxBudget: 5, spend: 1.75 }, [otherName]: { rpm: 3 } };

    const source = new ConfigSource(cp.orm, new ConfigLog(cp.orm, () => undefined), new MemoryLogger());
    expect((await source.snapshot()).keys.find((k) => k.id === keyId)?.modelLimits).toEqual(expected);
    const { head } = await source.changesAfter(0, 1_000_000);
    await cp.admin('mutation($id: ID!) { updateKey(id: $id, input: { alias: "per-model-renamed" }) { id } }', { id: keyId });
    const { changes } = await source.changesAfter(head, 1_000);
    expect(changes.map((c) => c.change)).toContainEqual({ op: 'upsertKey', value: expect.objectContaining({ id: keyId, alias: 'per-model-renamed', modelLimits: expected }) });
  });
});

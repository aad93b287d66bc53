import { ConfigMessage, type ConfigChange, type ConfigSnapshot } from '@tollgate/schema';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetReset } from './jobs/governance.js';
import { JobRunner } from './jobs/runner.js';
import { silentLogger } from './logger.js';
import { AdminWriter } from './services/audit.js';
import { ConfigLog } from './services/config-log.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { dataPlaneClient, roundTrip, startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';

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

/** A data plane of this release: it lists the `governedSubjects` feature. */
function governedClient(): Client {
  return dataPlaneClient(cp);
}

const sql = (query: string, params: unknown[] = []) => cp.orm.em.fork().execute(query, params);
const id = <T extends Record<string, { id: string }>>(data: T) => Object.values(data)[0]!.id;

async function snapshotOf(client: Client): Promise<ConfigSnapshot> {
  const sub = subscribe<Update>(client, GATEWAY_CONFIG);
  const message = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
  sub.dispose();
  if (message.kind !== 'snapshot') throw new Error(`expected a snapshot, got ${message.kind}`);
  return message.snapshot;
}

describe('governed subjects in the gatewayConfig snapshot', () => {
  it('carries organizations, users, tags with settings and end users with settings (their tier resolved), each with its period spend', async () => {
    const org = id(await cp.admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "snap-org", models: ["mock-gpt"], maxBudget: 50 }) { id } }'));
    const user = id(await cp.admin<{ createUser: { id: string } }>('mutation($o: ID) { createUser(input: { email: "snap@example.com", role: "internal_user", organizationId: $o }) { id } }', { o: org }));
    const team = id(await cp.admin<{ createTeam: { id: string } }>('mutation($o: ID) { createTeam(input: { name: "snap-team", organizationId: $o }) { id } }', { o: org }));
    const key = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($t: ID, $u: ID) { createKey(input: { teamId: $t, ownerId: $u }) { virtualKey { id } } }', { t: team, u: user })).createKey.virtualKey.id;
    const tier = id(await cp.admin<{ saveBudgetTier: { id: string } }>('mutation { saveBudgetTier(input: { name: "snap-tier", maxBudget: 3, budgetDuration: "1d", rpmLimit: 7 }) { id } }'));
    await cp.admin('mutation { saveTag(input: { name: "snap-limited", tpmLimit: 1000 }) { id } }');
    await cp.admin('mutation { saveTag(input: { name: "snap-plain", description: "no settings" }) { id } }');
    await cp.admin('mutation($t: ID) { saveEndUser(input: { externalId: "snap-tiered", budgetTierId: $t, rpmLimit: 9 }) { externalId } }', { t: tier });
    await cp.admin('mutation { saveEndUser(input: { externalId: "snap-blocked", blocked: true }) { externalId } }');
    // End users made on first sight by usage ingest have no settings: there may be millions, and they are not sent.
    await sql(`insert into "end_user" ("id", "external_id", "spend") values (gen_random_uuid(), 'snap-anonymous', 5)`);
    for (const [table, rowId, spend] of [['organization', org, 12.5], ['app_user', user, 2.25], ['team', team, 4], ['virtual_key', key, 1.125]] as const) {
      await sql(`update "${table}" set "spend" = ? where "id" = ?`, [spend, rowId]);
    }
    await sql(`update "end_user" set "spend" = 0.5 where "external_id" = 'snap-tiered'`);

    const client = governedClient();
    try {
      const snapshot = await snapshotOf(client);
      expect(snapshot.orgs.find((o) => o.id === org)).toEqual({
        id: org, name: 'snap-org', models: ['mock-gpt'], maxBudget: 50, softBudget: null, budgetDuration: null, budgetResetAt: null,
        rpmLimit: null, tpmLimit: null, maxParallelRequests: null, spend: 12.5, blocked: false, tags: [],
      });
      expect(snapshot.users.find((u) => u.id === user)).toMatchObject({ id: user, orgId: org, blocked: false, spend: 2.25 });
      expect(snapshot.teams.find((t) => t.id === team)).toMatchObject({ orgId: org, spend: 4 });
      expect(snapshot.keys.find((k) => k.id === key)).toMatchObject({ userId: user, orgId: org, spend: 1.125 });
      expect(snapshot.tags.map((t) => t.name)).toEqual(['snap-limited']);
      expect(snapshot.tags[0]).toMatchObject({ tpmLimit: 1000, spend: 0 });
      expect(snapshot.endUsers.map((e) => e.externalId).sort()).toEqual(['snap-blocked', 'snap-tiered']);
      // The tier's budget and period, the end user's own rpm limit over the tier's, the end user's own spend.
      expect(snapshot.endUsers.find((e) => e.externalId === 'snap-tiered')).toMatchObject({
        maxBudget: 3, budgetDuration: '1d', budgetResetAt: expect.any(String), rpmLimit: 9, spend: 0.5, blocked: false,
      });
      expect(snapshot.endUsers.find((e) => e.externalId === 'snap-blocked')).toMatchObject({ blocked: true, maxBudget: null });
    } finally {
      await client.dispose();
    }
  });
});

describe('governed subjects in gatewayConfig deltas', () => {
  it('sends each mutation of an organization, user, tag, budget tier or end user as its op, and nothing of them to older data planes', async () => {
    const governed = governedClient();
    const older = cp.ws(cp.dataPlaneToken);
    try {
      const sub = subscribe<Update>(governed, GATEWAY_CONFIG);
      const oldSub = subscribe<Update>(older, GATEWAY_CONFIG);
      let version = ConfigMessage.parse((await sub.next()).gatewayConfig.message).version;
      expect(ConfigMessage.parse((await oldSub.next()).gatewayConfig.message).version).toBe(version);
      await roundTrip(governed);
      await roundTrip(older);

      /** Makes a change and returns the changes of the delta it brings to each subscriber. */
      const change = async (mutation: string, variables: Record<string, unknown> = {}) => {
        const data = await cp.admin<Record<string, { id?: string } | boolean>>(mutation, variables);
        const delta = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
        const oldDelta = ConfigMessage.parse((await oldSub.next()).gatewayConfig.message);
        if (delta.kind !== 'delta' || oldDelta.kind !== 'delta') throw new Error('expected deltas');
        expect(delta.fromVersion).toBe(version);
        // The older data plane moves to the same version, without the ops it would not understand.
        expect(oldDelta).toEqual({ kind: 'delta', fromVersion: version, version: delta.version, changes: [] });
        version = delta.version;
        const result = Object.values(data)[0];
        return { changes: delta.changes as ConfigChange[], id: typeof result === 'object' ? result.id : undefined };
      };

      const org = await change('mutation { createOrganization(input: { name: "delta-org" }) { id } }');
      expect(org.changes).toEqual([{ op: 'upsertOrg', value: expect.objectContaining({ id: org.id, name: 'delta-org', blocked: false, models: [] }) }]);
      expect((await change('mutation($id: ID!) { updateOrganization(id: $id, input: { blocked: true, models: ["mock-gpt"] }) { id } }', { id: org.id })).changes).toEqual([
        { op: 'upsertOrg', value: expect.objectContaining({ id: org.id, blocked: true, models: ['mock-gpt'] }) },
      ]);

      const user = await change('mutation($o: ID) { createUser(input: { email: "delta@example.com", role: "internal_user", organizationId: $o }) { id } }', { o: org.id });
      expect(user.changes).toEqual([{ op: 'upsertUser', value: expect.objectContaining({ id: user.id, orgId: org.id, blocked: false }) }]);
      expect((await change('mutation($id: ID!) { updateUser(id: $id, input: { blocked: true }) { id } }', { id: user.id })).changes).toEqual([
        { op: 'upsertUser', value: expect.objectContaining({ id: user.id, blocked: true }) },
      ]);
      expect((await change('mutation($id: ID!) { deleteUser(id: $id) }', { id: user.id })).changes).toEqual([{ op: 'deleteUser', id: user.id }]);
      expect((await change('mutation($id: ID!) { deleteOrganization(id: $id) }', { id: org.id })).changes).toEqual([{ op: 'deleteOrg', id: org.id }]);

      const tag = await change('mutation { saveTag(input: { name: "delta-tag", maxBudget: 20, budgetDuration: "7d" }) { id } }');
      expect(tag.changes).toEqual([{ op: 'upsertTag', value: expect.objectContaining({ id: tag.id, name: 'delta-tag', maxBudget: 20, budgetDuration: '7d', spend: 0 }) }]);
      // Without a budget or a limit, a tag is not in the config.
      expect((await change('mutation { saveTag(input: { name: "delta-tag" }) { id } }')).changes).toEqual([{ op: 'deleteTag', id: tag.id }]);
      await change('mutation { saveTag(input: { name: "delta-tag", rpmLimit: 5 }) { id } }');
      expect((await change('mutation { deleteTag(name: "delta-tag") }')).changes).toEqual([{ op: 'deleteTag', id: tag.id }]);

      // A tier alone is not in the config (no change is recorded), only its end users are.
      const before = (await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion;
      const tier = id(await cp.admin<{ saveBudgetTier: { id: string } }>('mutation { saveBudgetTier(input: { name: "delta-tier", maxBudget: 1, rpmLimit: 2 }) { id } }'));
      expect((await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion).toBe(before);
      const endUser = await change('mutation($t: ID) { saveEndUser(input: { externalId: "delta-customer", budgetTierId: $t }) { externalId } }', { t: tier });
      expect(endUser.changes).toEqual([{ op: 'upsertEndUser', value: expect.objectContaining({ externalId: 'delta-customer', maxBudget: 1, rpmLimit: 2, blocked: false }) }]);
      const endUserId = (endUser.changes[0] as Extract<ConfigChange, { op: 'upsertEndUser' }>).value.id;
      // A change to the tier is a change to each of its end users.
      expect((await change('mutation { saveBudgetTier(input: { name: "delta-tier", maxBudget: 4 }) { id } }')).changes).toEqual([
        { op: 'upsertEndUser', value: expect.objectContaining({ id: endUserId, maxBudget: 4, rpmLimit: null }) },
      ]);
      expect((await change('mutation { saveEndUser(input: { externalId: "delta-customer", blocked: true }) { externalId } }')).changes).toEqual([
        { op: 'upsertEndUser', value: expect.objectContaining({ id: endUserId, blocked: true, maxBudget: null }) },
      ]);
      // Off the tier, not blocked, no limits: no longer in the config.
      expect((await change('mutation { saveEndUser(input: { externalId: "delta-customer" }) { externalId } }')).changes).toEqual([{ op: 'deleteEndUser', id: endUserId }]);
      sub.dispose();
      oldSub.dispose();
    } finally {
      await governed.dispose();
      await older.dispose();
    }
  });

  it('sends every subject whose budget period the reset job ended, with spend 0 and its next reset time', async () => {
    const org = id(await cp.admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "reset-org" }) { id } }'));
    const tier = id(await cp.admin<{ saveBudgetTier: { id: string } }>('mutation { saveBudgetTier(input: { name: "reset-tier", maxBudget: 1, budgetDuration: "1h" }) { id } }'));
    await cp.admin('mutation($t: ID) { saveEndUser(input: { externalId: "reset-customer", budgetTierId: $t }) { externalId } }', { t: tier });
    await cp.admin('mutation { saveTag(input: { name: "reset-tag", maxBudget: 5, budgetDuration: "1d" }) { id } }');
    await sql(`update "organization" set "spend" = 3, "budget_duration" = '1d', "budget_reset_at" = now() - interval '1 minute' where "id" = ?`, [org]);
    // The end user has no period of its own: its tier's hourly one applies.
    await sql(`update "end_user" set "spend" = 0.9, "budget_reset_at" = now() - interval '1 minute' where "external_id" = 'reset-customer'`);
    await sql(`update "tag" set "spend" = 4, "budget_reset_at" = now() - interval '1 minute' where "name" = 'reset-tag'`);

    const client = governedClient();
    try {
      const sub = subscribe<Update>(client, GATEWAY_CONFIG);
      let view = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (view.kind !== 'snapshot') throw new Error('expected a snapshot');
      expect(view.snapshot.endUsers.find((e) => e.externalId === 'reset-customer')?.spend).toBe(0.9);
      await roundTrip(client);

      // Another writer, as the job runs on whichever replica: its change reaches this one over LISTEN/NOTIFY.
      const runner = new JobRunner(cp.orm, silentLogger).register(budgetReset(new AdminWriter(new ConfigLog(cp.orm, () => undefined))));
      expect((await runner.runNow('budget-reset')).outcome).toBe('succeeded');
      await runner.stop();

      const changes: ConfigChange[] = [];
      const target = (await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion;
      while (view.version < target) {
        view = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
        if (view.kind === 'delta') changes.push(...view.changes);
      }
      const later = (iso: string | null) => iso !== null && Date.parse(iso) > Date.now();
      const orgChange = changes.find((c) => c.op === 'upsertOrg' && c.value.id === org);
      expect(orgChange).toMatchObject({ value: { spend: 0, budgetDuration: '1d' } });
      expect(later((orgChange as Extract<ConfigChange, { op: 'upsertOrg' }>).value.budgetResetAt)).toBe(true);
      const endUserChange = changes.find((c) => c.op === 'upsertEndUser' && c.value.externalId === 'reset-customer') as Extract<ConfigChange, { op: 'upsertEndUser' }>;
      expect(endUserChange.value).toMatchObject({ spend: 0, budgetDuration: '1h', maxBudget: 1 });
      expect(Date.parse(endUserChange.value.budgetResetAt!) - Date.now()).toBeLessThanOrEqual(3_600_000);
      expect(later(endUserChange.value.budgetResetAt)).toBe(true);
      expect(changes.find((c) => c.op === 'upsertTag' && c.value.name === 'reset-tag')).toMatchObject({ value: { spend: 0 } });
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });
});

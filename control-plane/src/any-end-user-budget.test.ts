import { ConfigMessage, type UsageEventInput } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from './db/entities/index.js';
import { budgetReset } from './jobs/governance.js';
import { JobRunner } from './jobs/runner.js';
import { silentLogger } from './logger.js';
import { createServices } from './services/index.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { dataPlaneClient, roundTrip, startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';
import { usageEvent } from './testing/usage-event.js';
import { followsAnyEndUserSql } from './services/budget-period.js';

/**
 * The budget of the end user `*`: every end user without settings of its own (a follower) gets it for itself, in `*`'s
 * budget period. The control plane counts each follower's spend in that period, alerts at `*`'s budgets per follower,
 * recounts them all when `*`'s period starts anew, and sends their spend with `*` so data planes seed their counters.
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

interface EndUserRow {
  id: string;
  externalId: string;
  spend: number;
  budgetResetAt: string | null;
}
interface Alert {
  threshold: string;
  subjectId: string;
  subjectName: string;
  period: string;
  budget: number;
  spend: number;
}

const KEY = '00000000-0000-4000-8000-0000000000e1';
const sql = (query: string, params: unknown[] = []) => cp.orm.em.fork().execute<Array<Record<string, unknown>>>(query, params);
const saveEndUser = async (input: Record<string, unknown>) =>
  (await cp.admin<{ saveEndUser: EndUserRow }>('mutation($i: SaveEndUserInput!) { saveEndUser(input: $i) { id externalId spend budgetResetAt } }', { i: input })).saveEndUser;
const endUser = async (externalId: string) =>
  (await cp.admin<{ endUsers: EndUserRow[] }>('query($s: String) { endUsers(search: $s) { id externalId spend budgetResetAt } }', { s: externalId })).endUsers.find((e) => e.externalId === externalId)!;
const spendOf = async (externalId: string) => (await endUser(externalId)).spend;
/** The alerts of one end user, oldest first. */
const alertsOf = async (externalId: string) => {
  const found = await endUser(externalId);
  if (found === undefined) return [];
  const { budgetAlerts } = await cp.admin<{ budgetAlerts: { alerts: Alert[] } }>(
    'query($f: BudgetAlertFilter) { budgetAlerts(filter: $f, first: 100) { alerts { threshold subjectId subjectName period budget spend } } }',
    { f: { subjectKind: 'end_user', subjectId: found.id } },
  );
  return budgetAlerts.alerts.reverse();
};
async function ingest(...events: UsageEventInput[]): Promise<void> {
  const res = await cp.gql('mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged rejected { reason } } }', { events }, cp.dataPlaneToken);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  expect((res.data as { ingestUsage: { rejected: unknown[] } }).ingestUsage.rejected).toEqual([]);
}
const spent = (user: string, cost: number, overrides: Partial<UsageEventInput> = {}) => usageEvent(KEY, cost, { endUser: user, ...overrides });
const HOUR = 3_600_000;

describe('the budget of the end user *', () => {
  let any: EndUserRow;

  it("counts each follower's spend in the period of * from when * gets its budget, and alerts at its budgets for each", async () => {
    // Spend before * had a budget: a month of it, which the new period must not inherit.
    await ingest(spent('alice', 2), spent('vip', 2));
    await saveEndUser({ externalId: 'vip', maxBudget: 100 });
    expect(await spendOf('alice')).toBe(2);
    const follows = async (externalId: string) =>
      (await cp.admin<{ endUsers: Array<{ externalId: string; followsAnyEndUser: boolean }> }>('query($s: String) { endUsers(search: $s) { externalId followsAnyEndUser } }', { s: externalId })).endUsers.find((e) => e.externalId === externalId)!.followsAnyEndUser;
    expect([await follows('alice'), await follows('vip')]).toEqual([true, false]);

    any = await saveEndUser({ externalId: '*', maxBudget: 1, softBudget: 0.5, budgetDuration: '1d' });
    expect(Date.parse(any.budgetResetAt!) - Date.now()).toBeGreaterThan(24 * HOUR - 60_000);
    // A new period for every follower: what the ledger holds of it (nothing yet). An end user with settings keeps its own.
    expect(await spendOf('alice')).toBe(0);
    expect(await spendOf('vip')).toBe(2);

    await ingest(spent('alice', 0.3), spent('bob', 0.2));
    expect(await alertsOf('alice')).toEqual([]);
    await ingest(spent('alice', 0.3));
    expect(await spendOf('alice')).toBeCloseTo(0.6, 9);
    const [soft] = await alertsOf('alice');
    expect(soft).toEqual({ threshold: 'soft_budget', subjectId: (await endUser('alice')).id, subjectName: 'alice', period: any.budgetResetAt, budget: 0.5, spend: 0.6 });
    // Once per period: more spend over the soft budget raises nothing more.
    await ingest(spent('alice', 0.1));
    expect(await alertsOf('alice')).toHaveLength(1);
    expect(await alertsOf('bob')).toEqual([]);

    // A request from before the period began (a data plane's backlog) is not this period's; for an end user with a
    // budget of its own and no period, everything counts.
    const yesterday = new Date(Date.now() - 25 * HOUR).toISOString();
    await ingest(spent('alice', 5, { startedAt: yesterday }), spent('vip', 5, { startedAt: yesterday }));
    expect(await spendOf('alice')).toBeCloseTo(0.7, 9);
    expect(await spendOf('vip')).toBe(7);
    expect(await alertsOf('vip')).toEqual([]);
  });

  it('never counts spend under * itself, whose row holds the defaults (an older data plane may send the name)', async () => {
    const before = await spendOf('*');
    await ingest(spent('*', 0.4));
    expect(await spendOf('*')).toBe(before);
  });

  it("files the hard-budget alert of a follower that a data plane refused under the budget of *, once, in *'s period", async () => {
    const refusal = (at = new Date()) =>
      spent('carol', 0, { status: 'error', httpStatus: 429, errorType: 'budget_exceeded', refusedBy: { kind: 'end_user', id: `${any.id}/carol` }, startedAt: at.toISOString() });
    // A refusal from before the period began (a backlog) was the old period's.
    await ingest(refusal(new Date(Date.now() - 25 * HOUR)));
    expect(await alertsOf('carol')).toEqual([]);
    await ingest(refusal(), refusal());
    expect(await alertsOf('carol')).toEqual([{ threshold: 'max_budget', subjectId: (await endUser('carol')).id, subjectName: 'carol', period: any.budgetResetAt, budget: 1, spend: 0 }]);
  });

  it('sends data planes the spend of each follower with *, and none for end users with settings', async () => {
    const client = dataPlaneClient(cp);
    try {
      const sub = subscribe<{ gatewayConfig: { message: unknown } }>(client, 'subscription { gatewayConfig { version message } }');
      const snapshot = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot');
      const sent = snapshot.snapshot.endUsers.find((e) => e.externalId === '*')!;
      expect(sent).toMatchObject({ id: any.id, maxBudget: 1, softBudget: 0.5, budgetDuration: '1d', budgetResetAt: any.budgetResetAt });
      expect(new Map(sent.spendByEndUser)).toEqual(new Map([['alice', expect.closeTo(0.7, 9)], ['bob', 0.2]]));
      expect(snapshot.snapshot.endUsers.find((e) => e.externalId === 'vip')!.spendByEndUser).toBeUndefined();
      await roundTrip(client);

      // A change of * carries them too (a data plane applies it in place of the * it had).
      await saveEndUser({ externalId: '*', maxBudget: 2, softBudget: 0.5, budgetDuration: '1d' });
      const delta = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (delta.kind !== 'delta') throw new Error('expected a delta');
      expect(delta.changes).toEqual([{ op: 'upsertEndUser', value: expect.objectContaining({ externalId: '*', maxBudget: 2, spendByEndUser: expect.arrayContaining([['bob', 0.2]]) }) }]);
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });

  it("starts a new period for every follower when the period of * ends, and they can alert again in it", async () => {
    // The period ended an hour ago; what the followers spent is older than that.
    await sql(`update "spend_log" set "started_at" = now() - interval '2 hours' where "end_user" in ('alice', 'bob')`);
    await sql(`update "end_user" set "budget_reset_at" = now() - interval '1 hour' where "external_id" = '*'`);
    const services = createServices({ orm: cp.orm, logger: silentLogger });
    const job = budgetReset(services.writer);
    const runner = new JobRunner(cp.orm, silentLogger).register(job);
    expect((await runner.runNow(job.name)).outcome).toBe('succeeded');
    await runner.stop();

    const renewed = await endUser('*');
    expect(Date.parse(renewed.budgetResetAt!) - Date.now()).toBeGreaterThan(22 * HOUR);
    expect(await spendOf('alice')).toBe(0);
    expect(await spendOf('bob')).toBe(0);
    expect(await spendOf('vip')).toBe(7);
    const [audit] = await cp.orm.em.fork().find(AuditEntry, { action: 'budget.reset', entityType: 'end_user' });
    expect(audit!.after).toMatchObject({ followersOfAnyEndUser: 2 });

    await ingest(spent('alice', 0.6));
    const alerts = await alertsOf('alice');
    expect(alerts.map((a) => [a.threshold, a.period])).toEqual([['soft_budget', any.budgetResetAt], ['soft_budget', renewed.budgetResetAt]]);
  });

  it('loses and leaks nothing when followers spend while the period of * starts anew', async () => {
    const services = createServices({ orm: cp.orm, logger: silentLogger });
    for (let round = 0; round < 3; round++) {
      const racers = Array.from({ length: 30 }, (_, i) => `racer-${round}-${i}`);
      // Each spent 50 in the period of * that ended a moment ago.
      const old = new Date(Date.now() - 10_000).toISOString();
      await ingest(...racers.map((user) => spent(user, 50, { startedAt: old })));
      await sql(`update "end_user" set "budget_reset_at" = now() - interval '1 second' where "external_id" = '*'`);
      // As the reset runs, each racer's batch brings a request of the new period ($1) and, from a data plane's backlog,
      // one of the old ($7): the new period must end up with exactly the $1.
      const batches = racers.map((user, i) =>
        new Promise((resolve) => setTimeout(resolve, i * 3)).then(() => services.usage.ingest([spent(user, 1), spent(user, 7, { startedAt: old })])),
      );
      await new Promise((resolve) => setTimeout(resolve, 40));
      const job = budgetReset(services.writer, 1);
      const runner = new JobRunner(cp.orm, silentLogger).register(job);
      expect((await runner.runNow(job.name)).outcome).toBe('succeeded');
      await runner.stop();
      await Promise.all(batches);
      const rows = await sql(`select "external_id", "spend"::float8 as "spend" from "end_user" where "external_id" like ?`, [`racer-${round}-%`]);
      expect(rows.filter((r) => r.spend !== 1), `round ${round}`).toEqual([]);
    }
  });

  it('counts an end user that drops its last setting as a follower, with what it spent in the period of *', async () => {
    // vip's own budget never resets: it counts everything, $7.25; of it only the $0.25 is in the current period of *.
    await ingest(spent('vip', 0.25));
    expect(await spendOf('vip')).toBe(7.25);
    const changes = await sql(`select count(*)::int as "n" from "config_change" where "entity_id" = ?`, [any.id]);
    expect((await saveEndUser({ externalId: 'vip', maxBudget: null })).spend).toBe(0.25);
    expect(await spendOf('vip')).toBe(0.25);
    // * is sent again, with vip among those whose spend it carries.
    expect(await sql(`select count(*)::int as "n" from "config_change" where "entity_id" = ?`, [any.id])).toEqual([{ n: (changes[0]!.n as number) + 1 }]);
  });

  it("lists the end users that spent most in their period first, for an app's biggest spenders", async () => {
    await ingest(spent('top-a', 0.9), spent('top-b', 0.4), spent('top-c', 0.4));
    const { endUsers } = await cp.admin<{ endUsers: EndUserRow[] }>('{ endUsers(search: "top-", orderBy: "spend", first: 2) { externalId spend } }');
    expect(endUsers).toEqual([{ externalId: 'top-a', spend: 0.9 }, { externalId: 'top-b', spend: 0.4 }]);
    const wrong = await cp.gql('{ endUsers(orderBy: "cost") { externalId } }', {}, cp.masterKey);
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { orderBy: ['must be externalId or spend'] } });
  });

  it('agrees everywhere on who follows *: the API, the SQL that counts spend, and the config that data planes get', async () => {
    const { saveBudgetTier: tier } = await cp.admin<{ saveBudgetTier: { id: string } }>('mutation { saveBudgetTier(input: { name: "drift-tier", maxBudget: 3 }) { id } }');
    const cases: Array<[string, Record<string, unknown>]> = [
      ['drift-none', {}],
      ['drift-alias', { alias: 'only a name' }],
      ['drift-max', { maxBudget: 1 }],
      ['drift-soft', { softBudget: 1 }],
      ['drift-rpm', { rpmLimit: 1 }],
      ['drift-tpm', { tpmLimit: 1 }],
      ['drift-parallel', { maxParallelRequests: 1 }],
      ['drift-blocked', { blocked: true }],
      ['drift-tier', { budgetTierId: tier.id }],
    ];
    for (const [externalId, settings] of cases) await saveEndUser({ externalId, ...settings });
    const api = (await cp.admin<{ endUsers: Array<{ externalId: string; followsAnyEndUser: boolean }> }>('{ endUsers(search: "drift-") { externalId followsAnyEndUser } }')).endUsers;
    const followersByApi = api.filter((e) => e.followsAnyEndUser).map((e) => e.externalId).sort();
    const followersBySql = (await sql(`select t."external_id" from "end_user" t where t."external_id" like 'drift-%' and ${followsAnyEndUserSql('t')} order by 1`)).map((r) => r.external_id);
    const client = dataPlaneClient(cp, []);
    try {
      const sub = subscribe<{ gatewayConfig: { message: unknown } }>(client, 'subscription { gatewayConfig { version message } }');
      const snapshot = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot');
      const sent = new Set(snapshot.snapshot.endUsers.map((e) => e.externalId));
      const followersByConfig = cases.map(([externalId]) => externalId).filter((externalId) => !sent.has(externalId)).sort();
      expect(followersByApi).toEqual(['drift-alias', 'drift-none']);
      expect(followersBySql).toEqual(followersByApi);
      expect(followersByConfig).toEqual(followersByApi);
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });

  it('alerts at once for every follower already past a budget of * that an admin lowers', async () => {
    expect((await alertsOf('top-a')).filter((a) => a.budget === 0.3)).toEqual([]);
    const current = await endUser('*');
    await saveEndUser({ externalId: '*', maxBudget: 2, softBudget: 0.3, budgetDuration: '1d' });
    expect((await endUser('*')).budgetResetAt).toBe(current.budgetResetAt);
    // No request since: top-a (0.9) and the top-b and top-c (0.4) are past it; racers ($1 each) too.
    for (const name of ['top-a', 'top-b', 'top-c', 'racer-2-0']) {
      expect((await alertsOf(name)).filter((a) => a.threshold === 'soft_budget' && a.budget === 0.3), name).toHaveLength(1);
    }
    expect((await alertsOf('vip')).filter((a) => a.budget === 0.3)).toEqual([]);
  });
});

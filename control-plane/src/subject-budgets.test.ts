import { randomUUID } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMessage, hashKey, type ConfigChange, type UsageEventInput } from '@tollgate/schema';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { dataPlaneClient, roundTrip, startTestControlPlane, subscribe, type GraphQLResponse, type TestControlPlane } from './testing/harness.js';
import { usageEvent } from './testing/usage-event.js';

/**
 * Budgets and limits of organizations, teams and users through the API, and the rules every admin change of a
 * subject's budgets follows (keys, teams, organizations, users, end users, tags, budget tiers): the soft budget within
 * the hard one, alerts checked at once, and a new duration starting a new period whose spend is the ledger's.
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

const GOVERNED = 'maxBudget softBudget spend budgetDuration budgetResetAt rpmLimit tpmLimit maxParallelRequests';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Governed {
  id: string;
  maxBudget: number | null;
  softBudget: number | null;
  spend: number;
  budgetDuration: string | null;
  budgetResetAt: string | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallelRequests: number | null;
}

const admin = <T = Record<string, Governed>>(query: string, variables?: Record<string, unknown>) => cp.admin<T>(query, variables);
const first = <T>(data: Record<string, T>): T => Object.values(data)[0]!;
const fieldErrors = (res: GraphQLResponse) => {
  const extensions = res.errors?.[0]?.extensions;
  return extensions?.code === 'BAD_USER_INPUT' ? extensions.fieldErrors : { code: extensions?.code ?? 'ok' };
};
const sql = (query: string, params: unknown[] = []) => cp.orm.em.fork().execute<Array<Record<string, unknown>>>(query, params);

let counter = 0;
const unique = (name: string) => `${name}-${(counter += 1)}`;

const createOrg = async (input: Record<string, unknown> = {}) =>
  first(await admin(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id ${GOVERNED} } }`, { i: { name: unique('org'), ...input } }));
const updateOrg = async (id: string, input: Record<string, unknown>) =>
  first(await admin(`mutation($id: ID!, $i: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $i) { id ${GOVERNED} } }`, { id, i: input }));
const createTeam = async (input: Record<string, unknown> = {}) =>
  first(await admin(`mutation($i: CreateTeamInput!) { createTeam(input: $i) { id ${GOVERNED} } }`, { i: { name: unique('team'), ...input } }));
const updateTeam = async (id: string, input: Record<string, unknown>) =>
  first(await admin(`mutation($id: ID!, $i: UpdateTeamInput!) { updateTeam(id: $id, input: $i) { id ${GOVERNED} } }`, { id, i: input }));
const createUser = async (organizationId: string, input: Record<string, unknown> = {}) =>
  first(
    await admin(`mutation($i: CreateUserInput!) { createUser(input: $i) { id ${GOVERNED} } }`, {
      i: { email: `${unique('user')}@budgets.example`, role: 'internal_user', organizationId, ...input },
    }),
  );
const updateUser = async (id: string, input: Record<string, unknown>) =>
  first(await admin(`mutation($id: ID!, $i: UpdateUserInput!) { updateUser(id: $id, input: $i) { id ${GOVERNED} } }`, { id, i: input }));
const createKey = async (input: Record<string, unknown> = {}) =>
  first(await admin<{ createKey: { virtualKey: Governed } }>(`mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id ${GOVERNED} } } }`, { i: input })).virtualKey;
const updateKey = async (id: string, input: Record<string, unknown>) =>
  first(await admin(`mutation($id: ID!, $i: UpdateKeyInput!) { updateKey(id: $id, input: $i) { id ${GOVERNED} } }`, { id, i: input }));
const saveTag = async (input: Record<string, unknown>) =>
  first(await admin(`mutation($i: SaveTagInput!) { saveTag(input: $i) { id maxBudget softBudget spend budgetDuration budgetResetAt } }`, { i: input }));
const saveEndUser = async (input: Record<string, unknown>) =>
  first(await admin(`mutation($i: SaveEndUserInput!) { saveEndUser(input: $i) { id maxBudget softBudget spend budgetDuration budgetResetAt } }`, { i: input }));
const saveTier = async (input: Record<string, unknown>) =>
  first(await admin(`mutation($i: SaveBudgetTierInput!) { saveBudgetTier(input: $i) { id } }`, { i: input }));
const endUser = async (externalId: string) =>
  (await admin<{ endUsers: Array<Governed & { externalId: string }> }>('query($s: String) { endUsers(search: $s) { id externalId spend budgetDuration budgetResetAt } }', { s: externalId })).endUsers.find(
    (e) => e.externalId === externalId,
  )!;

const event = usageEvent;

async function ingest(events: UsageEventInput[], on = cp): Promise<void> {
  const res = await on.gql('mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged } }', { events }, on.dataPlaneToken);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
}

interface Alert {
  threshold: string;
  subjectKind: string;
  period: string;
  budget: number;
  spend: number;
}
async function alertsFor(subjectId: string, on = cp): Promise<Alert[]> {
  const { budgetAlerts } = await on.admin<{ budgetAlerts: { alerts: Alert[] } }>(
    'query($f: BudgetAlertFilter) { budgetAlerts(filter: $f, first: 100) { alerts { threshold subjectKind period budget spend } } }',
    { f: { subjectId } },
  );
  return budgetAlerts.alerts;
}

/** A data plane of this release, which is sent organizations, users, tags and end users too. */
function dataPlane(): Client {
  return dataPlaneClient(cp);
}

/** `expected` ms from now, give or take a minute. */
const inAbout = (iso: string | null, expected: number) => {
  expect(iso).not.toBeNull();
  expect(Math.abs(Date.parse(iso!) - Date.now() - expected)).toBeLessThan(60_000);
};
const nextMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
};

describe('budgets and limits of organizations, teams and users', () => {
  it('are set at creation and by update, with a period when a duration is set, and shipped to data planes', async () => {
    const settings = { maxBudget: 100, softBudget: 80, rpmLimit: 600, tpmLimit: 2_000_000_000, maxParallelRequests: 20 };
    const org = await createOrg({ ...settings, budgetDuration: '30d' });
    expect(org).toMatchObject({ ...settings, spend: 0, budgetDuration: '30d' });
    inAbout(org.budgetResetAt, 30 * DAY);
    const team = await createTeam({ organizationId: org.id, ...settings, budgetDuration: '1d' });
    expect(team).toMatchObject({ ...settings, spend: 0, budgetDuration: '1d' });
    inAbout(team.budgetResetAt, DAY);
    const user = await createUser(org.id, { ...settings, budgetDuration: '1mo' });
    expect(user).toMatchObject({ ...settings, spend: 0, budgetDuration: '1mo', budgetResetAt: nextMonth() });

    const renamed = unique('renamed');
    const client = dataPlane();
    try {
      const sub = subscribe<{ gatewayConfig: { message: unknown } }>(client, 'subscription { gatewayConfig { version message } }');
      const snapshot = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot');
      expect(snapshot.snapshot.users.find((u) => u.id === user.id)).toMatchObject({ ...settings, budgetDuration: '1mo', budgetResetAt: user.budgetResetAt });
      await roundTrip(client);
      const delta = async () => {
        const message = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
        if (message.kind !== 'delta') throw new Error('expected a delta');
        return message.changes as ConfigChange[];
      };

      // The same duration sent back keeps the period; a changed limit is cleared with null.
      const sameOrg = await updateOrg(org.id, { maxBudget: 200, budgetDuration: '30d', rpmLimit: null });
      expect(sameOrg).toMatchObject({ maxBudget: 200, rpmLimit: null, budgetResetAt: org.budgetResetAt });
      expect(await delta()).toEqual([{ op: 'upsertOrg', value: expect.objectContaining({ id: org.id, maxBudget: 200, rpmLimit: null, budgetResetAt: org.budgetResetAt }) }]);

      const { updateTeam: changed } = await admin<{ updateTeam: Governed & { name: string; models: string[]; blocked: boolean } }>(
        `mutation($id: ID!, $i: UpdateTeamInput!) { updateTeam(id: $id, input: $i) { id name models blocked ${GOVERNED} } }`,
        { id: team.id, i: { name: renamed, models: ['mock-gpt'], blocked: true, tpmLimit: 5000, softBudget: null, budgetDuration: '7d' } },
      );
      expect(changed).toMatchObject({ name: renamed, models: ['mock-gpt'], blocked: true, tpmLimit: 5000, softBudget: null, maxBudget: 100, budgetDuration: '7d' });
      inAbout(changed.budgetResetAt, 7 * DAY);
      expect(await delta()).toEqual([
        { op: 'upsertTeam', value: expect.objectContaining({ id: team.id, name: renamed, models: ['mock-gpt'], blocked: true, tpmLimit: 5000, softBudget: null, budgetDuration: '7d', budgetResetAt: changed.budgetResetAt }) },
      ]);

      const limited = await updateUser(user.id, { maxBudget: 10, softBudget: 5, maxParallelRequests: 2, budgetDuration: null });
      expect(limited).toMatchObject({ maxBudget: 10, softBudget: 5, maxParallelRequests: 2, budgetDuration: null, budgetResetAt: null });
      expect(await delta()).toEqual([{ op: 'upsertUser', value: expect.objectContaining({ id: user.id, maxBudget: 10, softBudget: 5, maxParallelRequests: 2, budgetDuration: null }) }]);
      sub.dispose();
    } finally {
      await client.dispose();
    }

    // Audited with the subject before and after.
    const { auditLog } = await admin<{ auditLog: { entries: Array<{ action: string; before: Record<string, unknown>; after: Record<string, unknown> }> } }>(
      'query($f: AuditLogFilter) { auditLog(filter: $f, first: 10) { entries { action before after } } }',
      { f: { entityId: team.id } },
    );
    expect(auditLog.entries.map((e) => e.action)).toEqual(['team.update', 'team.create']);
    expect(auditLog.entries[0]).toMatchObject({
      before: { tpmLimit: 2_000_000_000, softBudget: 80, budgetDuration: '1d', blocked: false },
      after: { name: renamed, tpmLimit: 5000, softBudget: null, budgetDuration: '7d', blocked: true },
    });
  });

  it('refuse a duplicate team name, a team declared in the config file, and an unknown team', async () => {
    const taken = unique('taken');
    const a = await createTeam({ name: taken });
    const b = await createTeam();
    const rename = await cp.gql('mutation($id: ID!, $n: String!) { updateTeam(id: $id, input: { name: $n }) { id } }', { id: b.id, n: taken }, cp.masterKey);
    expect(rename.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await sql(`update "team" set "managed_by" = 'file' where "id" = ?`, [a.id]);
    expect((await cp.gql('mutation($id: ID!) { updateTeam(id: $id, input: { maxBudget: 1 }) { id } }', { id: a.id }, cp.masterKey)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await cp.gql('mutation($id: ID!) { updateTeam(id: $id, input: { maxBudget: 1 }) { id } }', { id: randomUUID() }, cp.masterKey)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuse a soft budget above the hard one, for every subject, naming the field', async () => {
    const org = await createOrg({ maxBudget: 10, softBudget: 5 });
    const team = await createTeam({ organizationId: org.id, maxBudget: 10, softBudget: 5 });
    const user = await createUser(org.id, { maxBudget: 10, softBudget: 5 });
    const key = await createKey({ maxBudget: 10, softBudget: 5 });
    const above = { maxBudget: 1, softBudget: 2 };
    const soft = { softBudget: [expect.stringContaining('must not be more than maxBudget (1)')] };
    const gql = (query: string, variables: Record<string, unknown>) => cp.gql(query, variables, cp.masterKey);

    expect(fieldErrors(await gql('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name: unique('o'), ...above } }))).toEqual(soft);
    expect(fieldErrors(await gql('mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }', { i: { name: unique('t'), ...above } }))).toEqual(soft);
    expect(fieldErrors(await gql('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email: `${unique('u')}@budgets.example`, role: 'internal_user', organizationId: org.id, ...above } }))).toEqual(soft);
    expect(fieldErrors(await gql('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: above }))).toEqual(soft);
    expect(fieldErrors(await gql('mutation($i: SaveTagInput!) { saveTag(input: $i) { id } }', { i: { name: unique('tag'), ...above } }))).toEqual(soft);
    expect(fieldErrors(await gql('mutation($i: SaveBudgetTierInput!) { saveBudgetTier(input: $i) { id } }', { i: { name: unique('tier'), ...above } }))).toEqual(soft);
    expect(fieldErrors(await gql('mutation($i: SaveEndUserInput!) { saveEndUser(input: $i) { id } }', { i: { externalId: unique('customer'), ...above } }))).toEqual(soft);

    // Updates are judged by the budgets they leave: a soft budget above the hard one the subject has, or a hard
    // budget lowered below its soft one.
    const tooSoft = { softBudget: [expect.stringContaining('must not be more than maxBudget (10)')] };
    const tooLow = { maxBudget: [expect.stringContaining('must not be less than softBudget (5)')] };
    for (const [mutation, input, id] of [
      ['updateOrganization', 'UpdateOrganizationInput', org.id],
      ['updateTeam', 'UpdateTeamInput', team.id],
      ['updateUser', 'UpdateUserInput', user.id],
      ['updateKey', 'UpdateKeyInput', key.id],
    ] as const) {
      const update = (i: Record<string, unknown>) => gql(`mutation($id: ID!, $i: ${input}!) { ${mutation}(id: $id, input: $i) { id } }`, { id, i });
      expect(fieldErrors(await update({ softBudget: 11 })), mutation).toEqual(tooSoft);
      expect(fieldErrors(await update({ maxBudget: 4 })), mutation).toEqual(tooLow);
      expect(fieldErrors(await update({ maxBudget: 4, softBudget: 4 })), mutation).toEqual({ code: 'ok' });
    }
    // Nothing of the refused changes was written.
    expect(await updateOrg(org.id, {})).toMatchObject({ maxBudget: 4, softBudget: 4 });
  });
});

describe('budget alerts after admin changes', () => {
  it('are raised at once when a budget is lowered below the spend already made, once per budget, for every kind of subject', async () => {
    const org = await createOrg();
    const team = await createTeam({ organizationId: org.id });
    const user = await createUser(org.id);
    const tagName = unique('alert-tag');
    const tag = await saveTag({ name: tagName, description: 'no budget yet' });
    const customer = unique('alert-customer');
    const key = await createKey({ teamId: team.id, ownerId: user.id, tags: [tagName] });
    await ingest([event(key.id, 2, { teamId: team.id, endUser: customer })]);
    const customerId = (await endUser(customer)).id;
    const subjects = [key.id, team.id, org.id, user.id, tag.id, customerId];
    for (const id of subjects) expect(await alertsFor(id)).toEqual([]);

    // Nobody sends another request (the key's hard budget would refuse it anyway): the changes alone alert.
    const lower = async () => {
      await updateKey(key.id, { maxBudget: 1 });
      await updateTeam(team.id, { softBudget: 1.5 });
      await updateOrg(org.id, { maxBudget: 1.75, softBudget: 1 });
      await updateUser(user.id, { softBudget: 2 });
      await saveTag({ name: tagName, maxBudget: 0.5 });
      await saveEndUser({ externalId: customer, softBudget: 1 });
    };
    await lower();
    const raised = async () =>
      Promise.all(subjects.map(async (id) => (await alertsFor(id)).map((a) => [a.subjectKind, a.threshold, a.budget, a.spend, a.period]).sort()));
    expect(await raised()).toEqual([
      [['key', 'max_budget', 1, 2, 'none']],
      [['team', 'soft_budget', 1.5, 2, 'none']],
      [['org', 'max_budget', 1.75, 2, 'none'], ['org', 'soft_budget', 1, 2, 'none']],
      [['user', 'soft_budget', 2, 2, 'none']],
      [['tag', 'max_budget', 0.5, 2, 'none']],
      [['end_user', 'soft_budget', 1, 2, 'none']],
    ]);
    // The same changes again: one alert per threshold, subject, period and budget.
    await lower();
    expect((await raised()).flat()).toHaveLength(7);
  });

  it("are raised for a budget tier's end users when the tier's budget is lowered below their spend", async () => {
    const name = unique('alert-tier');
    const tier = await saveTier({ name, maxBudget: 10 });
    const customer = unique('tier-customer');
    await saveEndUser({ externalId: customer, budgetTierId: tier.id });
    const key = await createKey();
    await ingest([event(key.id, 3, { endUser: customer })]);
    const { id } = await endUser(customer);
    expect(await alertsFor(id)).toEqual([]);
    await saveTier({ name, maxBudget: 2 });
    expect((await alertsFor(id)).map((a) => [a.threshold, a.budget, a.spend])).toEqual([['max_budget', 2, 3]]);
  });

  it('are not filed under a period that ended but was not reset yet', async () => {
    const key = await createKey({ budgetDuration: '1h' });
    await ingest([event(key.id, 2)]);
    // The period ended 10 s ago; the budget-reset job has not run yet.
    await sql(`update "virtual_key" set "budget_reset_at" = now() - interval '10 seconds' where "id" = ?`, [key.id]);
    await updateKey(key.id, { maxBudget: 1 });
    expect(await alertsFor(key.id)).toEqual([]);
  });
});

describe('a new budget duration', () => {
  it('starts a new period whose spend is what the ledger holds since it began: a key moved from 30 days to one day does not alert again', async () => {
    const key = await createKey({ softBudget: 1, budgetDuration: '30d' });
    // A request of the last month, before the key's period, is not its spend; one of today is.
    await ingest([event(key.id, 5, { startedAt: new Date(Date.now() - 40 * DAY).toISOString() }), event(key.id, 1.5)]);
    const alerted = await alertsFor(key.id);
    expect(alerted.map((a) => [a.threshold, a.spend])).toEqual([['soft_budget', 1.5]]);

    // A day that begins now: nothing of it spent yet.
    const daily = await updateKey(key.id, { budgetDuration: '1d' });
    expect(daily.spend).toBe(0);
    inAbout(daily.budgetResetAt, DAY);
    expect(await alertsFor(key.id)).toEqual(alerted);

    // The calendar month so far: today's request (the one 40 days ago was last month).
    const monthly = await updateKey(key.id, { budgetDuration: '1mo' });
    expect(monthly).toMatchObject({ spend: 1.5, budgetResetAt: nextMonth() });
    // Counted again under the new period, as data planes now enforce it.
    expect((await alertsFor(key.id)).map((a) => [a.period, a.spend])).toEqual([[nextMonth(), 1.5], [alerted[0]!.period, 1.5]]);

    // No duration: the budget no longer resets, and the period running now goes on with its spend.
    expect(await updateKey(key.id, { budgetDuration: null })).toMatchObject({ spend: 1.5, budgetResetAt: null });
  });

  it('does the same for teams, organizations, users, tags and end users', async () => {
    const org = await createOrg({ budgetDuration: '30d' });
    const team = await createTeam({ organizationId: org.id, budgetDuration: '30d' });
    const user = await createUser(org.id, { budgetDuration: '30d' });
    const tagName = unique('period-tag');
    await saveTag({ name: tagName, budgetDuration: '30d' });
    const customer = unique('period-customer');
    await saveEndUser({ externalId: customer, budgetDuration: '30d' });
    const key = await createKey({ teamId: team.id, ownerId: user.id, tags: [tagName] });
    await ingest([event(key.id, 2, { teamId: team.id, endUser: customer })]);

    const daily = { budgetDuration: '1d' };
    const changed = [
      await updateOrg(org.id, daily),
      await updateTeam(team.id, daily),
      await updateUser(user.id, daily),
      await saveTag({ name: tagName, ...daily }),
      await saveEndUser({ externalId: customer, ...daily }),
    ];
    for (const subject of changed) {
      expect(subject.spend).toBe(0);
      inAbout(subject.budgetResetAt, DAY);
    }
    const monthly = { budgetDuration: '1mo' };
    const recounted = [
      await updateOrg(org.id, monthly),
      await updateTeam(team.id, monthly),
      await updateUser(user.id, monthly),
      await saveTag({ name: tagName, ...monthly }),
      await saveEndUser({ externalId: customer, ...monthly }),
    ];
    expect(recounted.map((s) => [s.spend, s.budgetResetAt])).toEqual(Array(5).fill([2, nextMonth()]));
  });

  it("of a budget tier moves the periods of its end users that have none of their own, and tells data planes", async () => {
    const name = unique('period-tier');
    const tier = await saveTier({ name, maxBudget: 100, budgetDuration: '30d' });
    const onTier = unique('tier-period');
    const ownPeriod = unique('own-period');
    await saveEndUser({ externalId: onTier, budgetTierId: tier.id });
    await saveEndUser({ externalId: ownPeriod, budgetTierId: tier.id, budgetDuration: '7d' });
    const key = await createKey();
    await ingest([event(key.id, 2, { endUser: onTier }), event(key.id, 3, { endUser: ownPeriod })]);
    const own = await endUser(ownPeriod);
    const before = await endUser(onTier);
    inAbout(before.budgetResetAt, 30 * DAY);
    expect(before.spend).toBe(2);
    const changes = async () => Number((await sql(`select count(*)::int as "n" from "config_change" where "entity_id" = ?`, [before.id]))[0]!['n']);
    const recorded = await changes();

    await saveTier({ name, maxBudget: 100, budgetDuration: '1d' });
    const moved = await endUser(onTier);
    expect(moved.spend).toBe(0);
    inAbout(moved.budgetResetAt, DAY);
    expect(await changes()).toBe(recorded + 1);
    // Its own period is its own.
    expect(await endUser(ownPeriod)).toEqual(own);

    await saveTier({ name, maxBudget: 100, budgetDuration: '1mo' });
    expect(await endUser(onTier)).toMatchObject({ spend: 2, budgetResetAt: nextMonth() });
    // A tier saved again with its duration leaves the periods where they are.
    await sql(`update "end_user" set "spend" = 7 where "id" = ?`, [before.id]);
    await saveTier({ name, maxBudget: 50, budgetDuration: '1mo' });
    expect(await endUser(onTier)).toMatchObject({ spend: 7, budgetResetAt: nextMonth() });
  });
});

describe('budgets changed in the config file', () => {
  let fileDb: TestDatabase;
  let fileCp: TestControlPlane;
  let dir: string;
  const file = (org: string, key: string) => `
organizations:
  - name: file-budgets
${org}
keys:
  - alias: file-budget-key
    keyHash: ${hashKey('sk-file-budgets-test-secret')}
    organization: file-budgets
${key}
`;
  let writes = 0;
  /** Saves the file as editors do, and waits until the control plane applied it. */
  const save = async (text: string) => {
    const path = join(dir, 'tollgate.yaml');
    writeFileSync(`${path}.${(writes += 1)}`, text);
    renameSync(`${path}.${writes}`, path);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const { configFile } = await fileCp.admin<{ configFile: { errors: unknown[] } }>('{ configFile { errors { path message } } }');
      if (configFile.errors.length > 0) throw new Error(JSON.stringify(configFile.errors));
      const { keys } = await fileCp.admin<{ keys: Array<{ alias: string; budgetDuration: string | null }> }>('{ keys { alias budgetDuration } }');
      if (applied(keys)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('timed out waiting for the config file to apply');
  };
  let applied: (keys: Array<{ alias: string; budgetDuration: string | null }>) => boolean = () => true;

  beforeAll(async () => {
    fileDb = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-budgets-'));
    writeFileSync(join(dir, 'tollgate.yaml'), file('    maxBudget: 10\n    budgetDuration: 30d', '    softBudget: 1\n    budgetDuration: 30d'));
    fileCp = await startTestControlPlane({ databaseUrl: fileDb.url, jobs: false, configFile: join(dir, 'tollgate.yaml'), configFileWatch: { debounceMs: 50, pollMs: 100 } });
  });
  afterAll(async () => {
    await fileCp?.close();
    await fileDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('start a new period with the ledger\'s spend for a new duration, and alert at once for a budget lowered below the spend', async () => {
    const subjects = async () => {
      const { keys, organizations } = await fileCp.admin<{ keys: Governed[]; organizations: Governed[] }>(`{ keys { id ${GOVERNED} } organizations { id ${GOVERNED} } }`);
      return { key: keys[0]!, org: organizations[0]! };
    };
    const before = await subjects();
    await ingest([event(before.key.id, 1.5)], fileCp);
    expect((await alertsFor(before.key.id, fileCp)).map((a) => a.threshold)).toEqual(['soft_budget']);

    applied = (keys) => keys[0]?.budgetDuration === '1d';
    await save(file('    maxBudget: 1\n    budgetDuration: 30d', '    softBudget: 1\n    budgetDuration: 1d'));
    const daily = await subjects();
    expect(daily.key.spend).toBe(0);
    inAbout(daily.key.budgetResetAt, DAY);
    expect(await alertsFor(before.key.id, fileCp)).toHaveLength(1);
    // The organization's budget, lowered below what it spent, alerts without another request.
    expect((await alertsFor(before.org.id, fileCp)).map((a) => [a.threshold, a.budget, a.spend])).toEqual([['max_budget', 1, 1.5]]);

    applied = (keys) => keys[0]?.budgetDuration === '1mo';
    await save(file('    maxBudget: 1\n    budgetDuration: 1d', '    softBudget: 1\n    budgetDuration: 1mo'));
    const after = await subjects();
    expect(after.org.spend).toBe(0);
    inAbout(after.org.budgetResetAt, DAY);
    expect(after.key).toMatchObject({ spend: 1.5, budgetResetAt: nextMonth() });
  });
});

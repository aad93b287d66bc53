import { ConfigMessage, type UsageEventInput } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetReset } from './jobs/governance.js';
import { spendRecount } from './jobs/spend-recount.js';
import { JobRunner } from './jobs/runner.js';
import { silentLogger } from './logger.js';
import { createServices } from './services/index.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { dataPlaneClient, roundTrip, startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';
import { usageEvent } from './testing/usage-event.js';

/**
 * Team member budgets: a team gives each member a budget (and limits) for their own use of its keys, in the team's
 * period. The control plane counts each member's spend in the team, alerts per member, recounts them when the team's
 * period starts anew, sends members with the team so data planes can hold them, and lets only those who govern the
 * team set them.
 */
let db: TestDatabase;
let cp: TestControlPlane;
const PASSWORD = 'a long enough password';
const ids = {} as Record<'org' | 'team' | 'alice' | 'bob' | 'lead' | 'aliceKey' | 'bobKey' | 'leadKey', string>;
let leadToken: string;

const sql = (query: string, params: unknown[] = []) => cp.orm.em.fork().execute<Array<Record<string, unknown>>>(query, params);
interface Member {
  user: { email: string };
  role: string;
  maxBudget: number | null;
  spend: number;
}
const configVersion = async () => Number((await sql(`select coalesce(max("version"), 0)::text as "v" from "config_change"`))[0]!.v);
const members = async () =>
  (await cp.admin<{ teamMembers: Member[] }>('query($t: ID!) { teamMembers(teamId: $t) { user { email } role maxBudget spend } }', { t: ids.team })).teamMembers;
const spendOf = async (email: string) => (await members()).find((m) => m.user.email === email)!.spend;
const membershipId = async (userId: string) => (await sql(`select "id" from "team_membership" where "user_id" = ?`, [userId]))[0]!.id as string;
const alertsOf = async (userId: string) => {
  const { budgetAlerts } = await cp.admin<{ budgetAlerts: { alerts: Array<{ threshold: string; subjectKind: string; subjectName: string; budget: number; spend: number; teamId: string }> } }>(
    'query($f: BudgetAlertFilter) { budgetAlerts(filter: $f, first: 100) { alerts { threshold subjectKind subjectName budget spend teamId } } }',
    { f: { subjectKind: 'team_member', subjectId: await membershipId(userId) } },
  );
  return budgetAlerts.alerts.reverse();
};
async function ingest(...events: UsageEventInput[]): Promise<void> {
  const res = await cp.gql('mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged rejected { reason } } }', { events }, cp.dataPlaneToken);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  expect((res.data as { ingestUsage: { rejected: unknown[] } }).ingestUsage.rejected).toEqual([]);
}
const spent = (keyId: string, cost: number, overrides: Partial<UsageEventInput> = {}) => usageEvent(keyId, cost, { teamId: ids.team, ...overrides });
const updateTeam = (input: Record<string, unknown>, token = cp.masterKey) =>
  cp.gql<{ updateTeam: Record<string, unknown> }>('mutation($id: ID!, $i: UpdateTeamInput!) { updateTeam(id: $id, input: $i) { memberMaxBudget memberSoftBudget memberRpmLimit memberTpmLimit budgetResetAt } }', { id: ids.team, i: input }, token);
const setMember = (input: Record<string, unknown>, token = cp.masterKey) =>
  cp.gql<{ setTeamMember: Member }>('mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { user { email } role maxBudget spend } }', { i: { teamId: ids.team, ...input } }, token);

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url, jobs: false });
  ids.org = (await cp.admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "members-org" }) { id } }')).createOrganization.id;
  const user = async (email: string) =>
    (await cp.admin<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role: 'internal_user', organizationId: ids.org, password: PASSWORD } })).createUser.id;
  ids.alice = await user('alice@members.example');
  ids.bob = await user('bob@members.example');
  ids.lead = await user('lead@members.example');
  ids.team = (await cp.admin<{ createTeam: { id: string } }>('mutation($o: ID!) { createTeam(input: { name: "Research", organizationId: $o, budgetDuration: "1d" }) { id } }', { o: ids.org })).createTeam.id;
  await setMember({ userId: ids.alice });
  await setMember({ userId: ids.lead, role: 'admin' });
  const key = async (ownerId: string) =>
    (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', { i: { ownerId, teamId: ids.team } })).createKey.virtualKey.id;
  ids.aliceKey = await key(ids.alice);
  ids.leadKey = await key(ids.lead);
  ids.bobKey = await key(ids.bob);
  leadToken = (await cp.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email: 'lead@members.example', password: PASSWORD } })).data!.login.token;
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe('team member budgets', () => {
  it("counts each member's spend through the team's keys they own, in the team's period, from before they had a budget", async () => {
    await ingest(spent(ids.aliceKey, 0.2), spent(ids.leadKey, 0.05), spent(ids.aliceKey, 9, { startedAt: new Date(Date.now() - 2 * 86_400_000).toISOString() }));
    expect(await spendOf('alice@members.example')).toBeCloseTo(0.2, 9);
    expect(await spendOf('lead@members.example')).toBeCloseTo(0.05, 9);
    // Bob owns a key of the team but is not a member: no member budget, and a new member starts from what they spent.
    await ingest(spent(ids.bobKey, 0.1));
    expect((await setMember({ userId: ids.bob })).data!.setTeamMember.spend).toBeCloseTo(0.1, 9);
  });

  it('refuses member budgets that make no sense, and member budgets from a team admin (their own would be among them)', async () => {
    const soft = await updateTeam({ memberMaxBudget: 1, memberSoftBudget: 2 });
    expect(soft.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { memberSoftBudget: [expect.stringMatching(/^must not be more than memberMaxBudget \(1\)/)] } });
    expect((await updateTeam({ memberMaxBudget: -1 })).errors?.[0]?.extensions).toMatchObject({ fieldErrors: { memberMaxBudget: ['must not be negative'] } });
    expect((await updateTeam({ memberMaxBudget: 100 }, leadToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await setMember({ userId: ids.lead, role: 'admin', maxBudget: 100 }, leadToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Their own role change, without a budget, is a team admin's to make.
    expect((await setMember({ userId: ids.bob, role: 'member' }, leadToken)).errors).toBeUndefined();
  });

  it("keeps a member's role when only their budget changes (a team admin is not demoted)", async () => {
    expect((await setMember({ userId: ids.lead, maxBudget: 3 })).data!.setTeamMember).toMatchObject({ role: 'admin', maxBudget: 3 });
    expect((await setMember({ userId: ids.lead, maxBudget: null })).data!.setTeamMember).toMatchObject({ role: 'admin', maxBudget: null });
  });

  it('alerts once per member and period at the member budgets, naming the member and the team', async () => {
    const saved = await updateTeam({ memberMaxBudget: 1, memberSoftBudget: 0.3, memberRpmLimit: 60 });
    expect(saved.data!.updateTeam).toMatchObject({ memberMaxBudget: 1, memberSoftBudget: 0.3, memberRpmLimit: 60, memberTpmLimit: null });
    expect(await alertsOf(ids.alice)).toEqual([]);
    await ingest(spent(ids.aliceKey, 0.15));
    const [soft] = await alertsOf(ids.alice);
    expect(soft).toEqual({ threshold: 'soft_budget', subjectKind: 'team_member', subjectName: 'alice@members.example in Research', budget: 0.3, spend: expect.closeTo(0.35, 9), teamId: ids.team });
    await ingest(spent(ids.aliceKey, 0.01));
    expect(await alertsOf(ids.alice)).toHaveLength(1);
    // A member's own hard budget: lowered below what they spent, it alerts at once.
    expect((await setMember({ userId: ids.alice, maxBudget: 0.2 })).data!.setTeamMember).toMatchObject({ maxBudget: 0.2 });
    expect((await alertsOf(ids.alice)).map((a) => [a.threshold, a.budget])).toEqual([['soft_budget', 0.3], ['max_budget', 0.2]]);
  });

  it("files a member's hard-budget alert when a data plane refuses them under it", async () => {
    const bob = await membershipId(ids.bob);
    await ingest(spent(ids.bobKey, 0, { status: 'error', httpStatus: 429, errorType: 'budget_exceeded', errorMessage: 'Budget nearly exhausted', refusedBy: { kind: 'team_member', id: bob } }));
    expect((await alertsOf(ids.bob)).map((a) => [a.threshold, a.budget])).toEqual([['max_budget', 1]]);
  });

  it('sends data planes the members the budgets apply to, with their own budgets and spend, and again when they change', async () => {
    const client = dataPlaneClient(cp);
    try {
      const sub = subscribe<{ gatewayConfig: { message: unknown } }>(client, 'subscription { gatewayConfig { version message } }');
      const snapshot = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot');
      const sent = snapshot.snapshot.teams.find((t) => t.id === ids.team)!;
      expect(sent).toMatchObject({ memberMaxBudget: 1, memberRpmLimit: 60, memberTpmLimit: null });
      const byUser = new Map(sent.members!.map(([user, id, max, spend]) => [user, { id, max, spend }]));
      expect(byUser.get(ids.alice)).toEqual({ id: await membershipId(ids.alice), max: 0.2, spend: expect.closeTo(0.36, 9) });
      expect(byUser.get(ids.bob)).toEqual({ id: await membershipId(ids.bob), max: null, spend: expect.closeTo(0.1, 9) });
      expect([...byUser.keys()].sort()).toEqual([ids.alice, ids.bob, ids.lead].sort());
      await roundTrip(client);

      // A member's change goes out as the team's.
      await setMember({ userId: ids.bob, maxBudget: 5 });
      const delta = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      if (delta.kind !== 'delta') throw new Error('expected a delta');
      expect(delta.changes).toEqual([{ op: 'upsertTeam', value: expect.objectContaining({ id: ids.team, members: expect.arrayContaining([[ids.bob, await membershipId(ids.bob), 5, expect.closeTo(0.1, 9)]]) }) }]);
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });

  it("recounts every member's spend when the team's period starts anew: at its reset, and with a new duration", async () => {
    // The team's period ended an hour ago; what the members spent is older than that, but for one request.
    await sql(`update "spend_log" set "started_at" = now() - interval '2 hours' where "team_id" = ?`, [ids.team]);
    await sql(`update "team" set "budget_reset_at" = now() - interval '1 hour' where "id" = ?`, [ids.team]);
    await ingest(spent(ids.aliceKey, 0.04));
    const services = createServices({ orm: cp.orm, logger: silentLogger });
    const job = budgetReset(services.writer);
    const runner = new JobRunner(cp.orm, silentLogger).register(job);
    expect((await runner.runNow(job.name)).outcome).toBe('succeeded');
    await runner.stop();
    expect(await spendOf('alice@members.example')).toBeCloseTo(0.04, 9);
    expect(await spendOf('bob@members.example')).toBe(0);
    expect(await spendOf('lead@members.example')).toBe(0);

    // A new duration starts a new period now: a rolling day that began now holds nothing yet.
    const moved = await updateTeam({ budgetDuration: '7d' });
    expect(moved.errors).toBeUndefined();
    expect(await spendOf('alice@members.example')).toBe(0);
  });

  // A control plane of the release before member budgets took in usage (a replica still running during a rolling
  // upgrade): the ledger has it, the member's counter not. The hourly recount catches up, once.
  it("recounts a member's spend an older control plane took in without counting it", async () => {
    await ingest(spent(ids.aliceKey, 0.05));
    const before = await spendOf('alice@members.example');
    await sql(`update "team_membership" set "spend" = "spend" - 0.05 where "user_id" = ?`, [ids.alice]);
    expect(await spendOf('alice@members.example')).toBeCloseTo(before - 0.05, 9);
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push({ message, fields }) };
    const services = createServices({ orm: cp.orm, logger: silentLogger });
    const job = spendRecount(services.writer, 1);
    const runner = new JobRunner(cp.orm, logger).register(job);
    try {
      const versionBefore = await configVersion();
      expect((await runner.runNow(job.name)).outcome).toBe('succeeded');
      expect(await spendOf('alice@members.example')).toBeCloseTo(before, 9);
      expect(warnings).toEqual([{ message: expect.stringContaining('recounted from the ledger'), fields: { keys: 0, members: 1, teams: 1 } }]);
      // The team goes out again, with its members' spend.
      expect(await configVersion()).toBeGreaterThan(versionBefore);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect((await runner.runNow(job.name)).outcome).toBe('succeeded');
      expect(warnings).toHaveLength(1);
    } finally {
      await runner.stop();
    }
  });

  it('blocks the keys a removed member owns in the team, a team admin who removes themselves too, each audited', async () => {
    const blocked = async (keyId: string) => (await sql(`select "blocked" from "virtual_key" where "id" = ?`, [keyId]))[0]!.blocked;
    // The team admin, held by the member budgets, leaves the team: their key in it no longer spends the team's budget.
    const left = await cp.gql('mutation($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) }', { t: ids.team, u: ids.lead }, leadToken);
    expect(left.errors).toBeUndefined();
    expect(await blocked(ids.leadKey)).toBe(true);
    // Alice's key stays as it was until she is removed.
    expect(await blocked(ids.aliceKey)).toBe(false);
    await cp.admin('mutation($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) }', { t: ids.team, u: ids.alice });
    expect(await blocked(ids.aliceKey)).toBe(true);
    const audited = await sql(`select "action", "entity_id", "after" ->> 'blocked' as "blocked" from "audit_entry" where "entity_type" = 'key' and "entity_id" = any(?::text[]) order by "id"`, [`{${ids.leadKey},${ids.aliceKey}}`]);
    expect(audited.filter((a) => a.action === 'key.update').map((a) => [a.entity_id, a.blocked])).toEqual([
      [ids.leadKey, 'true'],
      [ids.aliceKey, 'true'],
    ]);
  });
});

import { randomUUID } from 'node:crypto';
import type { UsageEventInput } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetReset } from './jobs/governance.js';
import { JobRunner } from './jobs/runner.js';
import { silentLogger } from './logger.js';
import { createServices } from './services/index.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, type TestControlPlane } from './testing/harness.js';
import { usageEvent } from './testing/usage-event.js';

let db: TestDatabase;
let cp: TestControlPlane;
const PASSWORD = 'a long enough password';

interface Alert {
  id: string;
  threshold: string;
  subjectKind: string;
  subjectId: string;
  subjectName: string | null;
  organizationId: string | null;
  teamId: string | null;
  period: string;
  periodStart: string | null;
  budgetDuration: string | null;
  budget: number;
  spend: number;
  webhookDeliveredAt: string | null;
}
const ALERTS = `query($filter: BudgetAlertFilter, $first: Int!, $after: String) {
  budgetAlerts(filter: $filter, first: $first, after: $after) {
    alerts { id threshold subjectKind subjectId subjectName organizationId teamId period periodStart budgetDuration budget spend webhookDeliveredAt }
    endCursor hasNextPage } }`;

async function alerts(token: string, filter: Record<string, unknown> = {}, first = 500): Promise<Alert[]> {
  const res = await cp.gql<{ budgetAlerts: { alerts: Alert[] } }>(ALERTS, { filter, first }, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.budgetAlerts.alerts;
}
const alertsFor = async (subjectId: string) => alerts(cp.masterKey, { subjectId });

const event = usageEvent;

async function ingest(events: UsageEventInput[]): Promise<void> {
  const res = await cp.gql('mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged } }', { events }, cp.dataPlaneToken);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
}

const sql = (query: string, params: unknown[] = []) => cp.orm.em.fork().execute<Array<Record<string, unknown>>>(query, params);

async function createKey(input: Record<string, unknown>): Promise<string> {
  const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>(
    'mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }',
    { i: input },
  );
  return createKey.virtualKey.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url, jobs: false });
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe('budget alerts', () => {
  it('should record one alert when a batch takes a key past its soft budget, and none for later batches in the period', async () => {
    const keyId = await createKey({ alias: 'soft-once', softBudget: 1, budgetDuration: '1d' });
    await ingest([event(keyId, 0.6)]);
    expect(await alertsFor(keyId)).toEqual([]);

    await ingest([event(keyId, 0.3), event(keyId, 0.3)]);
    const [resetAt] = await sql(`select to_char("budget_reset_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "at" from "virtual_key" where "id" = ?`, [keyId]);
    const [alert, ...more] = await alertsFor(keyId);
    expect(more).toEqual([]);
    const day = new Date(Date.parse(resetAt?.['at'] as string) - 86_400_000).toISOString();
    expect(alert).toMatchObject({ threshold: 'soft_budget', subjectKind: 'key', subjectName: 'soft-once', period: resetAt?.['at'], periodStart: day, budgetDuration: '1d', budget: 1, webhookDeliveredAt: null });
    expect(alert!.spend).toBeCloseTo(1.2, 9);

    await ingest([event(keyId, 0.5)]);
    await ingest([event(keyId, 0.5)]);
    expect(await alertsFor(keyId)).toHaveLength(1);
  });

  it('should alert exactly once when many concurrent batches cross the budget together', async () => {
    const keyId = await createKey({ alias: 'racing', softBudget: 1, maxBudget: 2 });
    // 20 batches at once, each its own transaction, together well past both budgets.
    await Promise.all(Array.from({ length: 20 }, () => ingest([event(keyId, 0.15)])));
    const found = await alertsFor(keyId);
    expect(found.map((a) => [a.threshold, a.period, a.periodStart, a.budgetDuration]).sort()).toEqual([['max_budget', 'none', null, null], ['soft_budget', 'none', null, null]]);
    const soft = found.find((a) => a.threshold === 'soft_budget')!;
    expect(soft.spend).toBeGreaterThanOrEqual(1);
    expect(soft.spend).toBeLessThan(1.15 + 1e-9);
  });

  it('should alert again after the budget reset starts a new period', async () => {
    const keyId = await createKey({ alias: 'periodic', softBudget: 1, budgetDuration: '1h' });
    // A period that began half an hour ago; a request made a minute ago, in it.
    await sql(`update "virtual_key" set "budget_reset_at" = now() + interval '30 minutes' where "id" = ?`, [keyId]);
    await ingest([event(keyId, 1.5, { startedAt: new Date(Date.now() - 60_000).toISOString() })]);
    expect(await alertsFor(keyId)).toHaveLength(1);

    // The period ends (a second ago); the budget-reset job sets the spend back (nothing of the new period yet) and moves
    // the reset time on.
    await sql(`update "virtual_key" set "budget_reset_at" = now() - interval '1 second' where "id" = ?`, [keyId]);
    const services = createServices({ orm: cp.orm, logger: silentLogger });
    const runner = new JobRunner(cp.orm, silentLogger).register(budgetReset(services.writer));
    expect((await runner.runNow('budget-reset')).outcome).toBe('succeeded');
    await runner.stop();

    await ingest([event(keyId, 0.5)]);
    expect(await alertsFor(keyId)).toHaveLength(1);
    await ingest([event(keyId, 0.5)]);
    const [second, first] = await alertsFor(keyId);
    expect(second!.period).not.toBe(first!.period);
    expect(Date.parse(second!.period)).toBeGreaterThan(Date.now());
    expect(second!.spend).toBeCloseTo(1, 9);
  });

  it('should not file an alert under a period that ended before the reset job recounted it', async () => {
    const keyId = await createKey({ alias: 'overdue', softBudget: 1, budgetDuration: '1h' });
    // 0.9 of the last period, which ended 10 s ago; the reset job has not run yet.
    await sql(`update "virtual_key" set "spend" = 0.9, "budget_reset_at" = now() - interval '10 seconds' where "id" = ?`, [keyId]);
    // 0.2 of the new period: over the budget only added to the old period's spend.
    await ingest([event(keyId, 0.2)]);
    expect(await alertsFor(keyId)).toEqual([]);

    const services = createServices({ orm: cp.orm, logger: silentLogger });
    const runner = new JobRunner(cp.orm, silentLogger).register(budgetReset(services.writer, 1));
    expect((await runner.runNow('budget-reset')).outcome).toBe('succeeded');
    await runner.stop();
    // The new period on its own: 0.2, then 1.1 with the next request, which alerts under the new period.
    await ingest([event(keyId, 0.9)]);
    const [alert, ...more] = await alertsFor(keyId);
    expect(more).toEqual([]);
    expect(Date.parse(alert!.period)).toBeGreaterThan(Date.now());
    expect(alert!.spend).toBeCloseTo(1.1, 9);
  });

  it("should raise the hard-budget alert on the first refusal, which comes before spend reaches the budget", async () => {
    const keyId = await createKey({ alias: 'refusing', softBudget: 5, maxBudget: 10, budgetDuration: '1d' });
    await ingest([event(keyId, 9.97)]);
    expect((await alertsFor(keyId)).map((a) => a.threshold)).toEqual(['soft_budget']);
    // The data plane refuses the next request (9.97 plus its estimate is past 10) and names the key as the refuser.
    const refused = (refusedBy: { kind: string; id: string }) =>
      event(keyId, 0, { status: 'error', httpStatus: 429, errorType: 'budget_exceeded', errorMessage: 'Budget exceeded for key refusing', promptTokens: 0, completionTokens: 0, totalTokens: 0, refusedBy });
    await ingest([refused({ kind: 'key', id: keyId }), refused({ kind: 'key', id: keyId })]);
    const [hard, ...rest] = await alertsFor(keyId);
    expect(rest.map((a) => a.threshold)).toEqual(['soft_budget']);
    expect(hard).toMatchObject({ threshold: 'max_budget', subjectKind: 'key', budget: 10 });
    expect(hard!.spend).toBeCloseTo(9.97, 9);
    // Once per period: later refusals add none. A per-model budget's refusal names no subject the control plane keeps.
    await ingest([refused({ kind: 'key', id: keyId }), refused({ kind: 'key_model', id: `${keyId}/gpt-4o` }), refused({ kind: 'team', id: 'not-a-uuid' })]);
    expect(await alertsFor(keyId)).toHaveLength(2);
  });

  it('should not file the hard-budget alert for a refusal made under a budget an admin has raised since', async () => {
    const keyId = await createKey({ alias: 'raised', maxBudget: 0.3, budgetDuration: '1d' });
    await ingest([event(keyId, 0.22)]);
    await cp.admin('mutation($id: ID!) { updateKey(id: $id, input: { maxBudget: 0.6 }) { id } }', { id: keyId });
    // Refused at $0.22 of the old $0.30 (its estimate did not fit); its event comes after the raise.
    const refused = event(keyId, 0, { status: 'error', httpStatus: 429, errorType: 'budget_exceeded', errorMessage: 'Budget nearly exhausted', promptTokens: 0, completionTokens: 0, totalTokens: 0, refusedBy: { kind: 'key', id: keyId, spent: 0.22, limit: 0.3 } });
    await ingest([refused]);
    expect(await alertsFor(keyId)).toEqual([]);
    // The new budget, spent: its alert comes.
    await ingest([event(keyId, 0.4)]);
    expect((await alertsFor(keyId)).map((a) => [a.threshold, a.budget])).toEqual([['max_budget', 0.6]]);
  });

  it("should file a refusal's alert with the spend the refusing data plane counted, when the ledger has not caught up", async () => {
    const keyId = await createKey({ alias: 'refused-ahead', softBudget: 0.5, maxBudget: 1, budgetDuration: '1d' });
    await ingest([event(keyId, 0.25)]);
    // Another data plane settled $0.85 more, whose events are still on their way; this one refused, counting $1.10.
    const refused = (spent?: number) =>
      event(keyId, 0, {
        status: 'error',
        httpStatus: 429,
        errorType: 'budget_exceeded',
        errorMessage: 'Budget exceeded for key refused-ahead',
        promptTokens: 0,
        completionTokens: 0,
        totalTokens: 0,
        refusedBy: { kind: 'key', id: keyId, ...(spent !== undefined && { spent }) },
      });
    await ingest([refused(1.05), refused(1.1), refused()]);
    const byThreshold = Object.fromEntries((await alertsFor(keyId)).map((a) => [a.threshold, a.spend]));
    // Both thresholds, each with the most any refusal counted: the soft budget too, which the ledger's $0.25 is below.
    expect(byThreshold).toEqual({ max_budget: 1.1, soft_budget: 1.1 });
  });

  it("should not file a refusal that arrives after the reset under the new period, which has not reached its budget", async () => {
    const keyId = await createKey({ alias: 'late-refusal', maxBudget: 1, budgetDuration: '1h' });
    // The period began 50 minutes ago; a request 20 minutes ago was refused, but its event is still in a data plane's
    // spool when the period ends and the reset job starts the next one.
    await sql(`update "virtual_key" set "budget_reset_at" = now() + interval '10 minutes' where "id" = ?`, [keyId]);
    await ingest([event(keyId, 0.99, { startedAt: new Date(Date.now() - 30 * 60_000).toISOString() })]);
    await sql(`update "virtual_key" set "budget_reset_at" = now() - interval '1 second' where "id" = ?`, [keyId]);
    const services = createServices({ orm: cp.orm, logger: silentLogger });
    const runner = new JobRunner(cp.orm, silentLogger).register(budgetReset(services.writer, 1));
    expect((await runner.runNow('budget-reset')).outcome).toBe('succeeded');
    await runner.stop();

    const refused = (startedAt: string) =>
      event(keyId, 0, { status: 'error', httpStatus: 429, errorType: 'budget_exceeded', errorMessage: 'Budget exceeded', promptTokens: 0, completionTokens: 0, totalTokens: 0, refusedBy: { kind: 'key', id: keyId }, startedAt });
    await ingest([refused(new Date(Date.now() - 20 * 60_000).toISOString())]);
    expect(await alertsFor(keyId)).toEqual([]);
    // A refusal in the new period is its alert, the one of the period.
    await ingest([event(keyId, 0.98), refused(new Date().toISOString())]);
    const [alert, ...more] = await alertsFor(keyId);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ threshold: 'max_budget', budget: 1 });
    expect(Date.parse(alert!.period)).toBeGreaterThan(Date.now());
    expect(alert!.spend).toBeCloseTo(0.98, 9);
  });

  it('should alert again when a budget is raised and reached in the same period, and not for a budget the spend is below', async () => {
    const keyId = await createKey({ alias: 'raised', softBudget: 1 });
    await ingest([event(keyId, 1)]);
    await cp.admin('mutation($id: ID!) { updateKey(id: $id, input: { softBudget: 2 }) { id } }', { id: keyId });
    await ingest([event(keyId, 0.5)]);
    expect((await alertsFor(keyId)).map((a) => a.budget)).toEqual([1]);
    await ingest([event(keyId, 0.5)]);
    expect((await alertsFor(keyId)).map((a) => a.budget)).toEqual([2, 1]);
  });

  it('should alert for the team, organization, owner, tag and end user a batch takes past their budgets', async () => {
    const { createOrganization: org } = await cp.admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "alerting-org" }) { id } }');
    const { createTeam: team } = await cp.admin<{ createTeam: { id: string } }>('mutation($o: ID!) { createTeam(input: { name: "alerting-team", organizationId: $o }) { id } }', { o: org.id });
    const { createUser: owner } = await cp.admin<{ createUser: { id: string } }>(
      'mutation($o: ID!) { createUser(input: { email: "owner@alerting.example", role: "internal_user", organizationId: $o, password: "a long enough password" }) { id } }',
      { o: org.id },
    );
    const keyId = await createKey({ alias: 'subjects', teamId: team.id, ownerId: owner.id, tags: ['alerting-tag'] });
    await sql(`insert into "tag" ("id", "name", "soft_budget") values (?, 'alerting-tag', 0.5)`, [randomUUID()]);
    await sql(`insert into "end_user" ("id", "external_id", "max_budget") values (?, 'alerting-end-user', 0.5)`, [randomUUID()]);
    for (const table of ['team', 'organization', 'app_user']) {
      await sql(`update "${table}" set "soft_budget" = 0.5 where "id" = any(?::uuid[])`, [`{${team.id},${org.id},${owner.id}}`]);
    }

    const raised = async () =>
      (await alerts(cp.masterKey)).filter((a) => a.subjectName?.includes('alerting')).map((a) => [a.subjectKind, a.subjectName, a.threshold, a.organizationId]).sort();

    await ingest([event(keyId, 0.4, { teamId: team.id, endUser: 'alerting-end-user' })]);
    expect(await raised()).toEqual([]);
    await ingest([event(keyId, 0.4, { teamId: team.id, endUser: 'alerting-end-user' })]);
    expect(await raised()).toEqual([
      ['end_user', 'alerting-end-user', 'max_budget', null],
      ['org', 'alerting-org', 'soft_budget', org.id],
      ['tag', 'alerting-tag', 'soft_budget', null],
      ['team', 'alerting-team', 'soft_budget', org.id],
      ['user', 'owner@alerting.example', 'soft_budget', org.id],
    ]);
  });

  it('should page newest first and refuse a cursor it did not give', async () => {
    const [newest, second, third] = await alerts(cp.masterKey);
    const page = await cp.gql<{ budgetAlerts: { alerts: Alert[]; endCursor: string; hasNextPage: boolean } }>(ALERTS, { first: 2 }, cp.masterKey);
    expect(page.data!.budgetAlerts.alerts.map((a) => a.id)).toEqual([newest!.id, second!.id]);
    expect(page.data!.budgetAlerts.hasNextPage).toBe(true);
    const next = await cp.gql<{ budgetAlerts: { alerts: Alert[] } }>(ALERTS, { first: 1, after: page.data!.budgetAlerts.endCursor }, cp.masterKey);
    expect(next.data!.budgetAlerts.alerts.map((a) => a.id)).toEqual([third!.id]);
    const bad = await cp.gql(ALERTS, { first: 1, after: 'bm9wZQ' }, cp.masterKey);
    expect(bad.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', fieldErrors: { after: [expect.any(String)] } });
  });
});

describe('budget alerts by role', () => {
  const ids = {} as Record<'orgA' | 'orgB' | 'teamA' | 'teamB' | 'alice' | 'bob' | 'dave' | 'aliceKey' | 'bobKey' | 'daveKey' | 'tag', string>;
  const tokens = {} as Record<'orgAdminA' | 'alice' | 'bob' | 'viewerA' | 'dave', string>;

  beforeAll(async () => {
    const org = async (name: string) => (await cp.admin<{ createOrganization: { id: string } }>('mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: name })).createOrganization.id;
    const user = async (email: string, role: string, organizationId: string) =>
      (await cp.admin<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role, organizationId, password: PASSWORD } })).createUser.id;
    const login = async (email: string) => (await cp.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email, password: PASSWORD } })).data!.login.token;
    const team = async (name: string, organizationId: string) =>
      (await cp.admin<{ createTeam: { id: string } }>('mutation($n: String!, $o: ID!) { createTeam(input: { name: $n, organizationId: $o }) { id } }', { n: name, o: organizationId })).createTeam.id;

    ids.orgA = await org('rbac-a');
    ids.orgB = await org('rbac-b');
    ids.teamA = await team('rbac-team-a', ids.orgA);
    ids.teamB = await team('rbac-team-b', ids.orgB);
    ids.alice = await user('alice@rbac-a.example', 'internal_user', ids.orgA);
    ids.bob = await user('bob@rbac-a.example', 'internal_user', ids.orgA);
    ids.dave = await user('dave@rbac-b.example', 'internal_user', ids.orgB);
    await user('boss@rbac-a.example', 'org_admin', ids.orgA);
    await user('viewer@rbac-a.example', 'internal_viewer', ids.orgA);
    // Alice administers team A; Bob is a member of it.
    await cp.admin('mutation($t: ID!, $u: ID!) { setTeamMember(input: { teamId: $t, userId: $u, role: "admin" }) { role } }', { t: ids.teamA, u: ids.alice });
    await cp.admin('mutation($t: ID!, $u: ID!) { setTeamMember(input: { teamId: $t, userId: $u }) { role } }', { t: ids.teamA, u: ids.bob });
    ids.aliceKey = await createKey({ alias: 'rbac-alice', ownerId: ids.alice, softBudget: 0.5, tags: ['rbac-tag'] });
    ids.bobKey = await createKey({ alias: 'rbac-bob', ownerId: ids.bob, teamId: ids.teamA, softBudget: 0.5 });
    ids.daveKey = await createKey({ alias: 'rbac-dave', ownerId: ids.dave, teamId: ids.teamB, softBudget: 0.5 });
    ids.tag = randomUUID();
    await sql(`insert into "tag" ("id", "name", "soft_budget") values (?, 'rbac-tag', 0.5)`, [ids.tag]);
    await sql(`update "team" set "soft_budget" = 0.5 where "id" in (?, ?)`, [ids.teamA, ids.teamB]);
    await sql(`update "organization" set "soft_budget" = 0.5 where "id" in (?, ?)`, [ids.orgA, ids.orgB]);
    await sql(`update "app_user" set "soft_budget" = 0.5 where "id" in (?, ?)`, [ids.alice, ids.bob]);
    tokens.orgAdminA = await login('boss@rbac-a.example');
    tokens.alice = await login('alice@rbac-a.example');
    tokens.bob = await login('bob@rbac-a.example');
    tokens.viewerA = await login('viewer@rbac-a.example');
    tokens.dave = await login('dave@rbac-b.example');

    await ingest([event(ids.aliceKey, 1), event(ids.bobKey, 1, { teamId: ids.teamA }), event(ids.daveKey, 1, { teamId: ids.teamB })]);
  });

  const subjects = async (token: string) =>
    (await alerts(token)).filter((a) => a.subjectName?.includes('rbac')).map((a) => `${a.subjectKind}:${a.subjectName}`).sort();

  it('should show proxy admins every alert', async () => {
    expect(await subjects(cp.masterKey)).toEqual([
      'key:rbac-alice', 'key:rbac-bob', 'key:rbac-dave', 'org:rbac-a', 'org:rbac-b', 'tag:rbac-tag',
      'team:rbac-team-a', 'team:rbac-team-b', 'user:alice@rbac-a.example', 'user:bob@rbac-a.example',
    ]);
  });

  it('should show org admins their organization\'s subjects only', async () => {
    expect(await subjects(tokens.orgAdminA)).toEqual([
      'key:rbac-alice', 'key:rbac-bob', 'org:rbac-a', 'team:rbac-team-a', 'user:alice@rbac-a.example', 'user:bob@rbac-a.example',
    ]);
  });

  it('should show a team admin their own key and themselves, and their team and its keys', async () => {
    expect(await subjects(tokens.alice)).toEqual(['key:rbac-alice', 'key:rbac-bob', 'team:rbac-team-a', 'user:alice@rbac-a.example']);
  });

  it('should show internal users their own keys and themselves, and viewers without keys nothing', async () => {
    expect(await subjects(tokens.bob)).toEqual(['key:rbac-bob', 'user:bob@rbac-a.example']);
    expect(await subjects(tokens.dave)).toEqual(['key:rbac-dave']);
    expect(await subjects(tokens.viewerA)).toEqual([]);
    // Naming another tenant's subject finds nothing rather than an error.
    expect(await alerts(tokens.dave, { subjectId: ids.aliceKey })).toEqual([]);
  });
});

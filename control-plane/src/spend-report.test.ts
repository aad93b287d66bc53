import type { UsageEventInput } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, type TestControlPlane } from './testing/harness.js';
import { usageEvent } from './testing/usage-event.js';

let db: TestDatabase;
let cp: TestControlPlane;
const ids = {} as Record<'orgA' | 'orgB' | 'alice' | 'bob' | 'teamA' | 'aliceKey' | 'bobKey' | 'masterKey', string>;
const tokens = {} as Record<'alice' | 'orgAdminA' | 'orgAdminB', string>;
const PASSWORD = 'a long enough password';

const INGEST = 'mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged } }';

/** A request of Alice's day (2026-11-20) costing a cent, unless `overrides` say otherwise. */
const event = (keyId: string, overrides: Partial<UsageEventInput> = {}) => usageEvent(keyId, 0.01, { startedAt: '2026-11-20T10:00:00.000Z', ...overrides });

async function ingest(events: UsageEventInput[]): Promise<void> {
  const res = await cp.gql(INGEST, { events }, cp.dataPlaneToken);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
}

interface Row {
  day: string | null;
  value: string;
  requests: number;
  totalTokens: number;
  cost: number;
}

async function report(token: string, args: Record<string, unknown>) {
  return cp.gql<{ spendReport: Row[] }>(
    `query($d: String!, $from: DateTimeISO, $to: DateTimeISO, $byDay: Boolean!, $value: String, $metadataKey: String) {
      spendReport(dimension: $d, metadataKey: $metadataKey, from: $from, to: $to, byDay: $byDay, value: $value) { day value requests totalTokens cost } }`,
    { byDay: false, ...args },
    token,
  );
}
const rows = async (token: string, args: Record<string, unknown>) => {
  const res = await report(token, args);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.spendReport.map((r) => ({ ...r, cost: Math.round(r.cost * 1e6) / 1e6 }));
};

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
  const admin = cp.admin.bind(cp);
  const org = async (name: string) => (await admin<{ createOrganization: { id: string } }>('mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: name })).createOrganization.id;
  const user = async (email: string, role: string, organizationId: string) =>
    (await admin<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role, organizationId, password: PASSWORD } })).createUser.id;
  const login = async (email: string) => (await cp.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email, password: PASSWORD } })).data!.login.token;
  ids.orgA = await org('spend-a');
  ids.orgB = await org('spend-b');
  ids.alice = await user('alice@a.example', 'internal_user', ids.orgA);
  ids.bob = await user('bob@b.example', 'internal_user', ids.orgB);
  await user('boss@a.example', 'org_admin', ids.orgA);
  await user('boss@b.example', 'org_admin', ids.orgB);
  ids.teamA = (await admin<{ createTeam: { id: string } }>('mutation($o: ID!) { createTeam(input: { name: "spend-team", organizationId: $o }) { id } }', { o: ids.orgA })).createTeam.id;
  await admin('mutation($t: ID!, $u: ID!) { setTeamMember(input: { teamId: $t, userId: $u }) { role } }', { t: ids.teamA, u: ids.alice });
  const key = async (input: Record<string, unknown>) => (await admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', { i: input })).createKey.virtualKey.id;
  ids.aliceKey = await key({ ownerId: ids.alice, teamId: ids.teamA, tags: ['search', 'prod'] });
  ids.bobKey = await key({ ownerId: ids.bob, tags: ['prod'] });
  ids.masterKey = await key({ alias: 'ownerless' });
  tokens.alice = await login('alice@a.example');
  tokens.orgAdminA = await login('boss@a.example');
  tokens.orgAdminB = await login('boss@b.example');

  await ingest([
    event(ids.aliceKey, { teamId: ids.teamA, endUser: 'customer-1', cost: 0.5 }),
    event(ids.aliceKey, { teamId: ids.teamA, model: 'claude-sonnet-4', provider: 'anthropic', cost: 0.25, startedAt: '2026-11-21T23:59:00.000Z' }),
    event(ids.bobKey, { cost: 1, endUser: 'customer-1' }),
    event(ids.masterKey, { cost: 2, model: 'gpt-4o-mini' }),
  ]);
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe('spend reports', () => {
  it('totals each dimension from the roll-ups: model, provider, tag, user, org, end user', async () => {
    expect(await rows(cp.masterKey, { d: 'model' })).toEqual([
      { day: null, value: 'gpt-4o-mini', requests: 1, totalTokens: 15, cost: 2 },
      { day: null, value: 'gpt-4o', requests: 2, totalTokens: 30, cost: 1.5 },
      { day: null, value: 'claude-sonnet-4', requests: 1, totalTokens: 15, cost: 0.25 },
    ]);
    expect((await rows(cp.masterKey, { d: 'provider' })).map((r) => [r.value, r.cost])).toEqual([['openai', 3.5], ['anthropic', 0.25]]);
    // The key's tags, and its team's, as they were when the usage arrived.
    expect((await rows(cp.masterKey, { d: 'tag' })).map((r) => [r.value, r.cost])).toEqual([['prod', 1.75], ['search', 0.75]]);
    expect((await rows(cp.masterKey, { d: 'user' })).map((r) => [r.value, r.cost])).toEqual([[ids.bob, 1], [ids.alice, 0.75]]);
    expect((await rows(cp.masterKey, { d: 'org' })).map((r) => [r.value, r.cost])).toEqual([[ids.orgB, 1], [ids.orgA, 0.75]]);
    expect((await rows(cp.masterKey, { d: 'end_user' })).map((r) => [r.value, r.cost])).toEqual([['customer-1', 1.5]]);
  });

  it('reports by the deployment that answered, which a fallback can make another than the model asked for', async () => {
    const asked = await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation { createKey(input: { alias: "served" }) { virtualKey { id } } }');
    const keyId = asked.createKey.virtualKey.id;
    await ingest([
      event(keyId, { model: 'gpt-4o', modelId: 'gpt-4o-eastus', cost: 3, startedAt: '2026-09-01T10:00:00.000Z' }),
      // gpt-4o was asked for; its fallback, Claude, answered.
      event(keyId, { model: 'gpt-4o', modelId: 'claude-fallback', provider: 'anthropic', cost: 5, startedAt: '2026-09-01T11:00:00.000Z' }),
    ]);
    const range = { from: '2026-09-01T00:00:00Z', to: '2026-09-01T23:00:00Z' };
    expect((await rows(cp.masterKey, { d: 'deployment', ...range })).map((r) => [r.value, r.cost])).toEqual([['claude-fallback', 5], ['gpt-4o-eastus', 3]]);
    expect((await rows(cp.masterKey, { d: 'model', ...range })).map((r) => [r.value, r.cost])).toEqual([['gpt-4o', 8]]);
  });

  it('reports per UTC day, and within a date range', async () => {
    expect((await rows(cp.masterKey, { d: 'key', byDay: true, value: ids.aliceKey })).map((r) => [r.day, r.cost])).toEqual([
      ['2026-11-20', 0.5],
      ['2026-11-21', 0.25],
    ]);
    expect((await rows(cp.masterKey, { d: 'model', from: '2026-11-21T00:00:00Z', to: '2026-11-21T23:00:00Z' })).map((r) => r.value)).toEqual(['claude-sonnet-4']);
    // `to` is exclusive, as in the metadata report and the request log: a range ending at midnight leaves that day out.
    expect((await rows(cp.masterKey, { d: 'model', from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z' })).map((r) => r.value).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
  });

  it('counts spend on users, organizations, end users and existing tags too', async () => {
    const { users } = await cp.admin<{ users: Array<{ id: string }> }>('{ users { id } }');
    expect(users.length).toBeGreaterThan(0);
    const spendOf = async (table: string, where: string, value: string) =>
      Number((await cp.orm.em.fork().execute<Array<{ spend: string }>>(`select "spend"::text as "spend" from "${table}" where "${where}" = ?`, [value]))[0]?.spend);
    expect(await spendOf('app_user', 'id', ids.alice)).toBeCloseTo(0.75);
    expect(await spendOf('organization', 'id', ids.orgB)).toBeCloseTo(1);
    expect(await spendOf('end_user', 'external_id', 'customer-1')).toBeCloseTo(1.5);
  });

  it('shows org admins their organization only, users their own keys, and refuses the rest', async () => {
    expect((await rows(tokens.orgAdminA, { d: 'model' })).map((r) => [r.value, r.cost])).toEqual([['gpt-4o', 0.5], ['claude-sonnet-4', 0.25]]);
    expect((await rows(tokens.orgAdminB, { d: 'end_user' })).map((r) => [r.value, r.cost])).toEqual([['customer-1', 1]]);
    expect((await rows(tokens.alice, { d: 'key' })).map((r) => [r.value, r.cost])).toEqual([[ids.aliceKey, 0.75]]);
    expect((await rows(tokens.alice, { d: 'user' })).map((r) => r.value)).toEqual([ids.alice]);
    // By model, end user or tag, a user gets their own keys' part (their teams' too, as a team admin), from the ledger:
    // the roll-ups count everyone's requests under a model together. Bob's request for customer-1 is not Alice's.
    const november = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
    expect((await rows(tokens.alice, { d: 'model', ...november })).map((r) => [r.value, r.cost])).toEqual([['gpt-4o', 0.5], ['claude-sonnet-4', 0.25]]);
    expect((await rows(tokens.alice, { d: 'end_user', ...november })).map((r) => [r.value, r.cost])).toEqual([['customer-1', 0.5]]);
    expect((await rows(tokens.alice, { d: 'tag', ...november, value: 'search' })).map((r) => [r.value, r.cost])).toEqual([['search', 0.75]]);
    expect((await rows(tokens.alice, { d: 'model', ...november, byDay: true })).map((r) => [r.day, r.value])).toEqual([['2026-11-20', 'gpt-4o'], ['2026-11-21', 'claude-sonnet-4']]);
    // Over a bounded range, as the ledger is read.
    const unbounded = await report(tokens.alice, { d: 'model' });
    expect(unbounded.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { from: [expect.stringContaining('needs from and to, at most 92 days apart')] } });
    const badDimension = await report(cp.masterKey, { d: 'colour' });
    expect(badDimension.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { dimension: [expect.stringContaining('key, user, team')] } });
    const badRange = await report(cp.masterKey, { d: 'model', from: '2026-11-22T00:00:00Z', to: '2026-11-21T00:00:00Z' });
    expect(badRange.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { to: ['must not be before from'] } });
  });

  it('reports by a metadata field (the key\'s, with the request\'s over it) and counts request tags', async () => {
    const tagged = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation { createKey(input: { alias: "meta", metadata: { project: "atlas" } }) { virtualKey { id } } }')).createKey.virtualKey.id;
    await ingest([
      event(tagged, { cost: 1, startedAt: '2026-10-02T10:00:00.000Z' }),
      event(tagged, { cost: 2, startedAt: '2026-10-02T11:00:00.000Z', metadata: { project: 'zephyr', generation_name: 'summary' }, tags: ['batch'] }),
      event(tagged, { cost: 4, startedAt: '2026-10-03T11:00:00.000Z', metadata: { generation_name: 'summary' } }),
    ]);
    const byProject = await rows(cp.masterKey, { d: 'metadata', metadataKey: 'project', from: '2026-10-01T00:00:00Z', to: '2026-10-31T00:00:00Z' });
    expect(byProject.map((r) => [r.value, r.cost])).toEqual([['atlas', 5], ['zephyr', 2]]);
    const perDay = await rows(cp.masterKey, { d: 'metadata', metadataKey: 'generation_name', byDay: true, from: '2026-10-01T00:00:00Z', to: '2026-10-31T00:00:00Z' });
    expect(perDay.map((r) => [r.day, r.value, r.cost])).toEqual([['2026-10-02', 'summary', 2], ['2026-10-03', 'summary', 4]]);
    expect((await rows(cp.masterKey, { d: 'tag', value: 'batch' })).map((r) => r.cost)).toEqual([2]);
    // The team's metadata too (set in the config file), under its key's and the request's.
    const team = (await cp.admin<{ createTeam: { id: string } }>('mutation { createTeam(input: { name: "meta-team" }) { id } }')).createTeam.id;
    await cp.orm.em.fork().execute(`update "team" set "metadata" = '{"cost_center": "cc-7", "project": "team-default"}' where "id" = ?`, [team]);
    const teamKey = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($t: ID!) { createKey(input: { alias: "meta-team-key", teamId: $t, metadata: { project: "key-project" } }) { virtualKey { id } } }', { t: team })).createKey.virtualKey.id;
    await ingest([event(teamKey, { teamId: team, cost: 8, startedAt: '2026-10-04T10:00:00.000Z' })]);
    const byCostCenter = await rows(cp.masterKey, { d: 'metadata', metadataKey: 'cost_center', from: '2026-10-04T00:00:00Z', to: '2026-10-05T00:00:00Z' });
    expect(byCostCenter.map((r) => [r.value, r.cost])).toEqual([['cc-7', 8]]);
    const keyWins = await rows(cp.masterKey, { d: 'metadata', metadataKey: 'project', from: '2026-10-04T00:00:00Z', to: '2026-10-05T00:00:00Z' });
    expect(keyWins.map((r) => [r.value, r.cost])).toEqual([['key-project', 8]]);
    const unbounded = await report(cp.masterKey, { d: 'metadata', metadataKey: 'project' });
    expect(unbounded.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { from: [expect.stringContaining('92 days')] } });
  });

  it('splits each value\'s requests into failed and aborted ones, from the roll-ups and from the ledger', async () => {
    const flaky = { model: 'flaky-model', startedAt: '2026-08-05T10:00:00.000Z' };
    await ingest([
      event(ids.aliceKey, { ...flaky, teamId: ids.teamA, cost: 0.5 }),
      event(ids.aliceKey, { ...flaky, teamId: ids.teamA, cost: 0, status: 'error', httpStatus: 429, errorType: 'budget_exceeded', errorMessage: 'over budget' }),
      event(ids.aliceKey, { ...flaky, teamId: ids.teamA, cost: 0, status: 'error', httpStatus: 502, errorType: 'upstream_error', errorMessage: 'bad gateway' }),
      event(ids.aliceKey, { ...flaky, teamId: ids.teamA, cost: 0.1, status: 'aborted', httpStatus: 200 }),
    ]);
    const split = 'query($v: String, $from: DateTimeISO, $to: DateTimeISO) { spendReport(dimension: "model", value: $v, from: $from, to: $to) { requests failedRequests abortedRequests } }';
    const august = { from: '2026-08-01T00:00:00Z', to: '2026-09-01T00:00:00Z' };
    const all = await cp.gql<{ spendReport: unknown[] }>(split, { v: 'flaky-model' }, cp.masterKey);
    expect(all.data!.spendReport).toEqual([{ requests: 4, failedRequests: 2, abortedRequests: 1 }]);
    // Alice reads her own keys' part by model from the ledger: the same split.
    const own = await cp.gql<{ spendReport: unknown[] }>(split, { v: 'flaky-model', ...august }, tokens.alice);
    expect(own.data!.spendReport).toEqual([{ requests: 4, failedRequests: 2, abortedRequests: 1 }]);
  });

  it('counts a resent batch once', async () => {
    const once = event(ids.bobKey, { cost: 3, model: 'resent-model' });
    await ingest([once]);
    await ingest([once]);
    expect(await rows(cp.masterKey, { d: 'model', value: 'resent-model' })).toEqual([{ day: null, value: 'resent-model', requests: 1, totalTokens: 15, cost: 3 }]);
  });
});

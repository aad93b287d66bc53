import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, type GraphQLResponse, type TestControlPlane } from './testing/harness.js';

/**
 * Every role against every admin operation, through the real GraphQL API and PostgreSQL, including the privilege
 * escalation and cross-tenant cases. The rules themselves are unit-tested in auth/policy.test.ts; this checks that
 * each operation asks the policy about the right object, and that refusals carry the right code.
 *
 * Cast: organizations A and B; in A an org admin, a team admin and a member and a viewer of team T, an outsider
 * (no team); in B an org admin; a proxy-wide viewer; and the master key.
 */
let db: TestDatabase;
let cp: TestControlPlane;

const PASSWORD = 'correct horse battery staple';
const CALLERS = ['master', 'proxyViewer', 'orgAdminA', 'orgAdminB', 'teamAdmin', 'member', 'viewer', 'outsider'] as const;
type Caller = (typeof CALLERS)[number];
const tokens = {} as Record<Caller, string>;
const ids = {} as Record<Exclude<Caller, 'master'> | 'orgA' | 'orgB' | 'teamT' | 'teamB', string>;

type Outcome = 'ok' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'skip';

async function gql<T = Record<string, unknown>>(caller: Caller, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  return cp.gql<T>(query, variables, tokens[caller]);
}

const admin = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => cp.admin<T>(query, variables);

async function createUser(email: string, role: string, organizationId: string | null): Promise<string> {
  const { createUser } = await admin<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', {
    i: { email, role, organizationId, password: PASSWORD },
  });
  return createUser.id;
}

async function createTeam(name: string, organizationId: string): Promise<string> {
  const { createTeam } = await admin<{ createTeam: { id: string } }>('mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }', {
    i: { name, organizationId },
  });
  return createTeam.id;
}

/** A new team of A that the team admin administers (nobody else belongs to it, so the lists below stay as they are). */
async function createAdministeredTeam(): Promise<string> {
  const id = await createTeam(unique('led'), ids.orgA);
  await admin('mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }', { i: { teamId: id, userId: ids.teamAdmin, role: 'admin' } });
  return id;
}

/** Budgets and limits, as every governed subject takes them. */
const BUDGETS = { maxBudget: 100, softBudget: 50, budgetDuration: '30d', rpmLimit: 60, tpmLimit: 100000, maxParallelRequests: 5 };

async function createKey(input: Record<string, unknown>): Promise<string> {
  const { createKey } = await admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', { i: input });
  return createKey.virtualKey.id;
}

async function login(email: string): Promise<string> {
  const res = await cp.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email, password: PASSWORD } });
  return res.data!.login.token;
}

let counter = 0;
const unique = (name: string) => `${name}-${(counter += 1)}`;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
  tokens.master = cp.masterKey;
  const org = async (name: string) => (await admin<{ createOrganization: { id: string } }>('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name } })).createOrganization.id;
  ids.orgA = await org('acme');
  ids.orgB = await org('globex');
  ids.proxyViewer = await createUser('viewer@proxy.example', 'proxy_admin_viewer', null);
  ids.orgAdminA = await createUser('admin@acme.example', 'org_admin', ids.orgA);
  ids.orgAdminB = await createUser('admin@globex.example', 'org_admin', ids.orgB);
  ids.teamAdmin = await createUser('lead@acme.example', 'internal_user', ids.orgA);
  ids.member = await createUser('dev@acme.example', 'internal_user', ids.orgA);
  ids.viewer = await createUser('pm@acme.example', 'internal_viewer', ids.orgA);
  ids.outsider = await createUser('ops@acme.example', 'internal_user', ids.orgA);
  ids.teamT = await createTeam('t-acme', ids.orgA);
  ids.teamB = await createTeam('t-globex', ids.orgB);
  const member = 'mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }';
  await admin(member, { i: { teamId: ids.teamT, userId: ids.teamAdmin, role: 'admin' } });
  await admin(member, { i: { teamId: ids.teamT, userId: ids.member, role: 'member' } });
  await admin(member, { i: { teamId: ids.teamT, userId: ids.viewer, role: 'member' } });
  await admin(member, { i: { teamId: ids.teamB, userId: ids.orgAdminB, role: 'admin' } });
  const emails: Record<Exclude<Caller, 'master'>, string> = {
    proxyViewer: 'viewer@proxy.example',
    orgAdminA: 'admin@acme.example',
    orgAdminB: 'admin@globex.example',
    teamAdmin: 'lead@acme.example',
    member: 'dev@acme.example',
    viewer: 'pm@acme.example',
    outsider: 'ops@acme.example',
  };
  for (const [caller, email] of Object.entries(emails)) tokens[caller as Caller] = await login(email);
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

interface Operation {
  readonly name: string;
  /** Runs the operation as `caller`, on objects made fresh for it (so cells do not depend on each other). */
  run(caller: Caller): Promise<GraphQLResponse>;
  readonly expected: Record<Caller, Outcome>;
}

const F = 'FORBIDDEN';
const NF = 'NOT_FOUND';
const BAD = 'BAD_USER_INPUT';
/** Shorthand: the outcomes in CALLERS order. */
const row = (...outcomes: Outcome[]): Record<Caller, Outcome> => Object.fromEntries(CALLERS.map((c, i) => [c, outcomes[i]!])) as Record<Caller, Outcome>;

const OPERATIONS: Operation[] = [
  // Outcomes in CALLERS order: master, proxyViewer, orgAdminA, orgAdminB, teamAdmin, member, viewer, outsider.
  {
    name: 'create an organization',
    run: (c) => gql(c, 'mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name: unique('org'), ...BUDGETS } }),
    expected: row('ok', F, F, F, F, F, F, F),
  },
  {
    name: "raise organization A's budget",
    run: (c) => gql(c, 'mutation($id: ID!) { updateOrganization(id: $id, input: { maxBudget: 1000000 }) { id } }', { id: ids.orgA }),
    // Organization B's admin is told organization A does not exist, as for any other object of another tenant.
    expected: row('ok', F, F, NF, F, F, F, F),
  },
  {
    name: "set organization A's budget period and limits",
    run: (c) => gql(c, 'mutation($id: ID!, $i: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $i) { id } }', { id: ids.orgA, i: BUDGETS }),
    // Organization B's admin is told organization A does not exist, as for any other object of another tenant.
    expected: row('ok', F, F, NF, F, F, F, F),
  },
  {
    name: 'create a team in A, with budgets and limits',
    run: (c) => gql(c, 'mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }', { i: { name: unique('team'), organizationId: ids.orgA, ...BUDGETS } }),
    expected: row('ok', F, 'ok', F, F, F, F, F),
  },
  {
    // Governance of a team: its own admins manage its members and keys, not the limits on their own spending.
    name: "raise a team's budget and limits, as its team admin too (escalation)",
    run: (c) =>
      gql(c, 'mutation($id: ID!, $i: UpdateTeamInput!) { updateTeam(id: $id, input: $i) { id } }', {
        id: ids.teamT,
        i: { maxBudget: 1_000_000, softBudget: null, rpmLimit: 1_000_000, budgetDuration: '1d' },
      }),
    expected: row('ok', F, 'ok', NF, F, F, F, NF),
  },
  {
    name: 'rename, re-model or block a team, as its team admin too',
    run: async (c) =>
      gql(c, 'mutation($id: ID!, $i: UpdateTeamInput!) { updateTeam(id: $id, input: $i) { id } }', {
        id: await createAdministeredTeam(),
        i: { name: unique('renamed'), models: ['mock-gpt'], blocked: true },
      }),
    expected: row('ok', F, 'ok', NF, F, NF, NF, NF),
  },
  {
    name: 'change a team of B (cross-tenant)',
    run: (c) => gql(c, 'mutation($id: ID!) { updateTeam(id: $id, input: { maxBudget: 1 }) { id } }', { id: ids.teamB }),
    expected: row('ok', F, NF, 'ok', NF, NF, NF, NF),
  },
  {
    name: 'delete a team of A',
    run: async (c) => gql(c, 'mutation($id: ID!) { deleteTeam(id: $id) }', { id: await createTeam(unique('doomed'), ids.orgA) }),
    expected: row('ok', F, 'ok', NF, NF, NF, NF, NF),
  },
  {
    name: 'add a user of A to team T',
    run: async (c) => {
      const userId = await createUser(`${unique('new')}@acme.example`, 'internal_user', ids.orgA);
      return gql(c, 'mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }', { i: { teamId: ids.teamT, userId } });
    },
    expected: row('ok', F, 'ok', NF, 'ok', F, F, NF),
  },
  {
    name: 'add a user of B to team T (cross-tenant)',
    run: (c) => gql(c, 'mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }', { i: { teamId: ids.teamT, userId: ids.orgAdminB } }),
    expected: row(BAD, F, BAD, NF, BAD, F, F, NF),
  },
  {
    name: 'make oneself admin of team T (escalation)',
    run: (c) =>
      gql(c, 'mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }', { i: { teamId: ids.teamT, userId: ids[c as Exclude<Caller, 'master'>], role: 'admin' } }),
    expected: row('skip', F, 'skip', NF, 'skip', F, F, NF),
  },
  {
    name: 'create an internal user in A',
    run: (c) =>
      gql(c, 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email: `${unique('u')}@acme.example`, role: 'internal_user', organizationId: ids.orgA, ...BUDGETS } }),
    expected: row('ok', F, 'ok', F, F, F, F, F),
  },
  {
    name: 'set the budget and limits of a user of A',
    run: async (c) =>
      gql(c, 'mutation($id: ID!, $i: UpdateUserInput!) { updateUser(id: $id, input: $i) { id } }', {
        id: await createUser(`${unique('budgeted')}@acme.example`, 'internal_user', ids.orgA),
        i: BUDGETS,
      }),
    expected: row('ok', F, 'ok', NF, NF, NF, NF, NF),
  },
  {
    name: "lift the budget of team T's member, as its team admin too (escalation)",
    run: async (c) => {
      const id = await createUser(`${unique('capped')}@acme.example`, 'internal_user', ids.orgA);
      await admin('mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }', { i: { teamId: ids.teamT, userId: id } });
      return gql(c, 'mutation($id: ID!) { updateUser(id: $id, input: { maxBudget: null, rpmLimit: 1000000 }) { id } }', { id });
    },
    expected: row('ok', F, 'ok', NF, F, NF, NF, NF),
  },
  {
    // Org admins govern their organization, themselves included, within the budget proxy admins give it.
    name: "raise one's own user budget (escalation)",
    run: (c) => gql(c, 'mutation($id: ID!) { updateUser(id: $id, input: { maxBudget: 1000000 }) { id } }', { id: ids[c as Exclude<Caller, 'master'>] }),
    expected: row('skip', F, 'ok', 'ok', F, F, F, F),
  },
  {
    name: 'create a proxy admin (escalation)',
    run: (c) => gql(c, 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email: `${unique('root')}@acme.example`, role: 'proxy_admin' } }),
    expected: row('ok', F, F, F, F, F, F, F),
  },
  {
    name: 'make a user of A an org admin',
    run: async (c) => {
      const id = await createUser(`${unique('promo')}@acme.example`, 'internal_user', ids.orgA);
      return gql(c, 'mutation($id: ID!) { updateUser(id: $id, input: { role: "org_admin" }) { role } }', { id });
    },
    expected: row('ok', F, 'ok', NF, NF, NF, NF, NF),
  },
  {
    name: 'make oneself a proxy admin (escalation)',
    run: (c) => gql(c, 'mutation($id: ID!) { updateUser(id: $id, input: { role: "proxy_admin" }) { role } }', { id: ids[c as Exclude<Caller, 'master'>] }),
    expected: row('skip', F, F, F, F, F, F, F),
  },
  {
    name: 'delete a user of A',
    run: async (c) => gql(c, 'mutation($id: ID!) { deleteUser(id: $id) }', { id: await createUser(`${unique('gone')}@acme.example`, 'internal_user', ids.orgA) }),
    expected: row('ok', F, 'ok', NF, NF, NF, NF, NF),
  },
  {
    name: 'create a personal key for oneself',
    run: (c) => gql(c, 'mutation { createKey(input: { alias: "mine" }) { key } }'),
    expected: row('ok', F, 'ok', 'ok', 'ok', 'ok', F, 'ok'),
  },
  {
    name: 'create a key in team T for its member',
    run: (c) => gql(c, 'mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { teamId: ids.teamT, ownerId: ids.member } }),
    expected: row('ok', F, 'ok', NF, 'ok', 'ok', BAD, NF),
  },
  {
    name: 'create a management key acting as the member (impersonation)',
    run: (c) => gql(c, 'mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { teamId: ids.teamT, ownerId: ids.member, keyType: 'management' } }),
    expected: row('ok', F, 'ok', NF, F, 'ok', BAD, NF),
  },
  {
    name: "regenerate the org admin's management key in team T (a secret that acts as the org admin)",
    run: async (c) => gql(c, 'mutation($id: ID!) { regenerateKey(id: $id) { key } }', { id: await createKey({ teamId: ids.teamT, ownerId: ids.orgAdminA, keyType: 'management' }) }),
    expected: row('ok', F, 'ok', NF, F, NF, NF, NF),
  },
  {
    name: "rename or delete the org admin's management key in team T",
    run: async (c) => {
      const id = await createKey({ teamId: ids.teamT, ownerId: ids.orgAdminA, keyType: 'management' });
      const renamed = await gql(c, 'mutation($id: ID!) { updateKey(id: $id, input: { alias: "mine now" }) { alias } }', { id });
      return renamed.errors ? renamed : gql(c, 'mutation($id: ID!) { deleteKey(id: $id) }', { id });
    },
    expected: row('ok', F, 'ok', NF, F, NF, NF, NF),
  },
  {
    name: "block the member's key in team T",
    run: async (c) => gql(c, 'mutation($id: ID!) { updateKey(id: $id, input: { blocked: true }) { blocked } }', { id: await createKey({ teamId: ids.teamT, ownerId: ids.member }) }),
    expected: row('ok', F, 'ok', NF, 'ok', 'ok', NF, NF),
  },
  {
    name: "lift the budget an admin set on the member's key (owner may rename, not re-budget)",
    run: async (c) =>
      gql(c, 'mutation($id: ID!) { updateKey(id: $id, input: { maxBudget: null, rpmLimit: 1000000 }) { maxBudget } }', {
        id: await createKey({ teamId: ids.teamT, ownerId: ids.member, maxBudget: 5 }),
      }),
    expected: row('ok', F, 'ok', NF, 'ok', F, NF, NF),
  },
  {
    name: "unblock the member's key an admin blocked (owner may block, not unblock)",
    run: async (c) => {
      const id = await createKey({ teamId: ids.teamT, ownerId: ids.member });
      await admin('mutation($id: ID!) { updateKey(id: $id, input: { blocked: true }) { blocked } }', { id });
      return gql(c, 'mutation($id: ID!) { updateKey(id: $id, input: { blocked: false }) { blocked } }', { id });
    },
    expected: row('ok', F, 'ok', NF, 'ok', F, NF, NF),
  },
  {
    name: "rename the member's key",
    run: async (c) => gql(c, 'mutation($id: ID!) { updateKey(id: $id, input: { alias: "renamed" }) { alias } }', { id: await createKey({ teamId: ids.teamT, ownerId: ids.member }) }),
    expected: row('ok', F, 'ok', NF, 'ok', 'ok', NF, NF),
  },
  {
    name: "delete the outsider's personal key",
    run: async (c) => gql(c, 'mutation($id: ID!) { deleteKey(id: $id) }', { id: await createKey({ ownerId: ids.outsider }) }),
    expected: row('ok', F, 'ok', NF, NF, NF, NF, 'ok'),
  },
  {
    name: 'delete a key of organization B (cross-tenant)',
    run: async (c) => gql(c, 'mutation($id: ID!) { deleteKey(id: $id) }', { id: await createKey({ teamId: ids.teamB, ownerId: ids.orgAdminB }) }),
    expected: row('ok', F, NF, 'ok', NF, NF, NF, NF),
  },
  {
    name: 'add a model',
    run: (c) =>
      gql(c, 'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
        i: { name: unique('m'), provider: 'mock', providerModel: 'mock-gpt', inputCostPerMillion: 1, outputCostPerMillion: 1 },
      }),
    expected: row('ok', F, F, F, F, F, F, F),
  },
  {
    name: 'read the router settings',
    run: (c) => gql(c, '{ routerSettings { strategy } }'),
    expected: row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  },
  {
    name: 'change the router settings',
    run: (c) => gql(c, 'mutation { updateRouterSettings(input: { numRetries: 3 }) { numRetries } }'),
    expected: row('ok', F, F, F, F, F, F, F),
  },
  {
    name: 'read the config file status',
    run: (c) => gql(c, '{ configFile { path } }'),
    expected: row('ok', 'ok', F, F, F, F, F, F),
  },
  {
    name: 'read the proxy-wide spend summary',
    run: (c) => gql(c, '{ spendSummary { totalSpend } }'),
    expected: row('ok', 'ok', F, F, F, F, F, F),
  },
];

const outcome = (res: GraphQLResponse): Outcome => (res.errors?.length ? (res.errors[0]!.extensions?.code as Outcome) : 'ok');

describe('every role × every admin operation', () => {
  for (const operation of OPERATIONS) {
    it(operation.name, async () => {
      const actual: Partial<Record<Caller, Outcome>> = {};
      const expected: Partial<Record<Caller, Outcome>> = {};
      for (const caller of CALLERS) {
        if (operation.expected[caller] === 'skip') continue;
        actual[caller] = outcome(await operation.run(caller));
        expected[caller] = operation.expected[caller];
      }
      expect(actual).toEqual(expected);
    });
  }
});

describe('lists show each caller their part only', () => {
  it('keys', async () => {
    const memberKey = await createKey({ teamId: ids.teamT, ownerId: ids.member, alias: 'listed-member' });
    const outsiderKey = await createKey({ ownerId: ids.outsider, alias: 'listed-outsider' });
    const bKey = await createKey({ teamId: ids.teamB, ownerId: ids.orgAdminB, alias: 'listed-b' });
    const seen = async (caller: Caller) => {
      const res = await gql<{ keys: Array<{ id: string }>; keyPage: { keys: Array<{ id: string }> } }>(caller, '{ keys { id } keyPage(first: 500) { keys { id } } }');
      // The paged list shows exactly what the plain one does.
      expect(res.data!.keyPage.keys.map((k) => k.id)).toEqual(res.data!.keys.map((k) => k.id));
      const all = new Set(res.data!.keys.map((k) => k.id));
      return [memberKey, outsiderKey, bKey].filter((id) => all.has(id));
    };
    expect(await seen('master')).toEqual([memberKey, outsiderKey, bKey]);
    expect(await seen('proxyViewer')).toEqual([memberKey, outsiderKey, bKey]);
    expect(await seen('orgAdminA')).toEqual([memberKey, outsiderKey]);
    expect(await seen('orgAdminB')).toEqual([bKey]);
    expect(await seen('teamAdmin')).toEqual([memberKey]);
    expect(await seen('member')).toEqual([memberKey]);
    expect(await seen('viewer')).toEqual([]);
    expect(await seen('outsider')).toEqual([outsiderKey]);
  });

  // What a client may offer on each key: everything (budgets, limits, unblocking) to whoever governs it, an owner's
  // part (rename, block, regenerate) to its owner alone (the dashboard offered everything, and the API refused).
  it("says on each key whether the caller governs it or only owns it (viewerCanGovern)", async () => {
    const memberKey = await createKey({ teamId: ids.teamT, ownerId: ids.member, alias: 'governed-member' });
    const governs = async (caller: Caller) => {
      const res = await gql<{ keys: Array<{ id: string; viewerCanGovern: boolean }> }>(caller, '{ keys { id viewerCanGovern } }');
      return res.data!.keys.find((k) => k.id === memberKey)?.viewerCanGovern;
    };
    expect(await governs('master')).toBe(true);
    expect(await governs('orgAdminA')).toBe(true);
    expect(await governs('teamAdmin')).toBe(true);
    expect(await governs('member')).toBe(false);
    expect(await governs('proxyViewer')).toBe(false);
  });

  it('teams, users and organizations', async () => {
    const names = async (caller: Caller) => (await gql<{ teams: Array<{ name: string }> }>(caller, '{ teams { name } }')).data!.teams.map((t) => t.name);
    expect(await names('orgAdminB')).toEqual(['t-globex']);
    expect(await names('member')).toEqual(['t-acme']);
    expect(await names('outsider')).toEqual([]);
    const emails = async (caller: Caller) => (await gql<{ users: Array<{ email: string }> }>(caller, '{ users { email } }')).data!.users.map((u) => u.email);
    expect(await emails('orgAdminB')).toEqual(['admin@globex.example']);
    expect(await emails('outsider')).toEqual(['ops@acme.example']);
    expect(await emails('teamAdmin')).toEqual(expect.arrayContaining(['dev@acme.example', 'lead@acme.example', 'pm@acme.example']));
    expect(await emails('teamAdmin')).not.toContain('ops@acme.example');
    // Naming another organization lists nobody; naming one's own, one's own.
    const inOrg = async (caller: Caller, organizationId: string) =>
      (await gql<{ users: Array<{ email: string }> }>(caller, 'query($o: ID) { users(organizationId: $o) { email } }', { o: organizationId })).data!.users.map((u) => u.email);
    expect(await inOrg('orgAdminA', ids.orgB)).toEqual([]);
    expect(await inOrg('orgAdminB', ids.orgB)).toEqual(['admin@globex.example']);
    const orgs = async (caller: Caller) => (await gql<{ organizations: Array<{ name: string }> }>(caller, '{ organizations { name } }')).data!.organizations.map((o) => o.name);
    expect(await orgs('member')).toEqual(['acme']);
    expect(await orgs('orgAdminB')).toEqual(['globex']);
    // Another tenant's objects do not exist for a caller, whether asked for by id or listed.
    const other = await gql('orgAdminA', 'query($id: ID!) { user(id: $id) { email } }', { id: ids.orgAdminB });
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const members = await gql('orgAdminA', 'query($id: ID!) { teamMembers(teamId: $id) { role } }', { id: ids.teamB });
    expect(members.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // A plain member sees their own row of their team, not the others' emails, spend and budgets; its admin, all.
    const rows = async (caller: Caller) =>
      (await gql<{ teamMembers: Array<{ user: { email: string } }> }>(caller, 'query($id: ID!) { teamMembers(teamId: $id) { spend user { email } } }', { id: ids.teamT })).data!.teamMembers.map((m) => m.user.email);
    expect(await rows('member')).toEqual(['dev@acme.example']);
    expect(await rows('viewer')).toEqual(['pm@acme.example']);
    expect(await rows('teamAdmin')).toEqual(expect.arrayContaining(['dev@acme.example', 'lead@acme.example', 'pm@acme.example']));
  });

  it("a team in no organization: its team admin can neither add another organization's user nor make them a key", async () => {
    const setMember = 'mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }';
    const teamless = (await admin<{ createTeam: { id: string } }>('mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }', { i: { name: unique('no-org') } })).createTeam.id;
    await admin(setMember, { i: { teamId: teamless, userId: ids.teamAdmin, role: 'admin' } });
    const added = await gql('teamAdmin', setMember, { i: { teamId: teamless, userId: ids.orgAdminB } });
    expect(added.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { userId: ['no such user in your organization'] } });
    // Added by a proxy admin, who may, the user is still not the team admin's to make a key for (and spend on).
    await admin(setMember, { i: { teamId: teamless, userId: ids.orgAdminB, role: 'member' } });
    const key = await gql('teamAdmin', 'mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { teamId: teamless, ownerId: ids.orgAdminB } });
    expect(key.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { ownerId: ['no such user'] } });
    // Users of the team admin's own organization, they may.
    expect((await gql('teamAdmin', setMember, { i: { teamId: teamless, userId: ids.member } })).errors).toBeUndefined();
    expect((await gql('teamAdmin', 'mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { teamId: teamless, ownerId: ids.member } })).errors).toBeUndefined();
  });

  // Models are proxy-wide: every organization lists them all. How a deployment is reached (its address, the
  // references to its credentials, its extra headers) told one tenant another's private endpoints; proxy-wide readers
  // only see it now.
  it("models: how a deployment is reached, to proxy-wide readers only", async () => {
    const name = unique('private-model');
    await admin('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: { name, provider: 'openai_compatible', providerModel: 'llama', apiBase: 'http://10.1.2.3:9999/v1', apiKeyRef: 'env:B_PRIVATE_KEY', extraHeaders: { 'x-route': 'tenant-b' }, inputCostPerMillion: 1, outputCostPerMillion: 1 },
    });
    const seen = async (caller: Caller) =>
      (await gql<{ models: Array<Record<string, unknown>> }>(caller, 'query($n: String) { models(name: $n) { name providerModel apiBase apiKeyRef extraHeaders } }', { n: name })).data!.models;
    for (const caller of ['master', 'proxyViewer'] as const) {
      expect(await seen(caller)).toEqual([{ name, providerModel: 'llama', apiBase: 'http://10.1.2.3:9999/v1', apiKeyRef: 'env:B_PRIVATE_KEY', extraHeaders: { 'x-route': 'tenant-b' } }]);
    }
    for (const caller of ['orgAdminA', 'orgAdminB', 'member', 'viewer'] as const) {
      expect(await seen(caller)).toEqual([{ name, providerModel: 'llama', apiBase: null, apiKeyRef: null, extraHeaders: {} }]);
    }
  });
});

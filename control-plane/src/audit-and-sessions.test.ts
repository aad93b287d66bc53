import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';

let db: TestDatabase;
let cp: TestControlPlane;
let orgA: string;
let orgB: string;

const PASSWORD = 'a long enough password';

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
  const org = async (name: string) =>
    (await cp.admin<{ createOrganization: { id: string } }>('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name } })).createOrganization.id;
  orgA = await org('audit-a');
  orgB = await org('audit-b');
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

interface Entry {
  actorId: string;
  actorRole: string;
  credential: string;
  action: string;
  entityType: string;
  entityId: string;
  organizationId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}
const ENTRY_FIELDS = 'id actorId actorRole credential action entityType entityId organizationId before after ip userAgent requestId';

async function auditLog(token: string, filter: Record<string, unknown> = {}, first = 50, after?: string) {
  const res = await cp.gql<{ auditLog: { entries: Array<Entry & { id: string }>; endCursor: string | null; hasNextPage: boolean } }>(
    `query($f: AuditLogFilter, $first: Int!, $after: String) { auditLog(filter: $f, first: $first, after: $after) { entries { ${ENTRY_FIELDS} } endCursor hasNextPage } }`,
    { f: filter, first, after },
    token,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.auditLog;
}

async function createUser(email: string, role: string, organizationId: string | null, password: string | null = PASSWORD): Promise<string> {
  return (await cp.admin<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role, organizationId, password } })).createUser.id;
}

async function login(email: string, password = PASSWORD) {
  return cp.gql<{ login: { token: string; expiresAt: string; user: { email: string; role: string } } }>(
    'mutation($i: LoginInput!) { login(input: $i) { token expiresAt user { email role } } }',
    { i: { email, password } },
  );
}

describe('the audit log', () => {
  it('records a mutation with actor, before and after, origin and request id, and never a secret', async () => {
    const res = await fetch(cp.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cp.masterKey}`, 'user-agent': 'audit-test/1.0', 'x-request-id': 'req-audit-1' },
      body: JSON.stringify({ query: 'mutation { createKey(input: { alias: "audited", maxBudget: 5 }) { key virtualKey { id } } }' }),
    });
    const created = ((await res.json()) as { data: { createKey: { key: string; virtualKey: { id: string } } } }).data.createKey;
    const keyId = created.virtualKey.id;
    await cp.admin('mutation($id: ID!) { updateKey(id: $id, input: { blocked: true, maxBudget: 7 }) { id } }', { id: keyId });

    const { entries } = await auditLog(cp.masterKey, { entityId: keyId });
    expect(entries.map((e) => e.action)).toEqual(['key.update', 'key.create']);
    const [update, create] = entries;
    expect(create).toMatchObject({
      actorId: 'master',
      actorRole: 'proxy_admin',
      credential: 'master_key',
      entityType: 'key',
      before: null,
      userAgent: 'audit-test/1.0',
      requestId: 'req-audit-1',
      ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(create!.after).toMatchObject({ alias: 'audited', maxBudget: 5, blocked: false, keyType: 'llm_api' });
    expect(update!.before).toMatchObject({ blocked: false, maxBudget: 5 });
    expect(update!.after).toMatchObject({ blocked: true, maxBudget: 7 });
    expect(update!.requestId).toMatch(/^[0-9a-f-]{36}$/); // none sent: one is made
    // Neither the key nor its hash appears anywhere in the log.
    const raw = JSON.stringify(entries);
    expect(raw).not.toContain(created.key);
    expect(raw).not.toMatch(/[0-9a-f]{64}/);
  });

  it('redacts fields named like secrets at any depth: a key metadata\'s api_key, a nested password', async () => {
    const metadata = { note: 'kept', api_key: 'sk-live-in-metadata', nested: [{ password: 'hunter2-nested', region: 'eu' }] };
    const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', { i: { alias: 'with-metadata', metadata } });
    const [create] = (await auditLog(cp.masterKey, { entityId: createKey.virtualKey.id })).entries;
    expect(create!.after).toMatchObject({ metadata: { note: 'kept', api_key: '[redacted]', nested: [{ password: '[redacted]', region: 'eu' }] } });
    expect(JSON.stringify(create)).not.toMatch(/sk-live-in-metadata|hunter2-nested/);
  });

  it("records a membership's team and user by id, not as the whole team loaded with it", async () => {
    const team = (await cp.admin<{ createTeam: { id: string } }>('mutation($o: ID) { createTeam(input: { name: "audited-team", organizationId: $o, maxBudget: 9 }) { id } }', { o: orgA })).createTeam.id;
    const user = await createUser('member-audit@audit-a.example', 'internal_user', orgA);
    await cp.admin('mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }', { i: { teamId: team, userId: user } });
    const [entry] = (await auditLog(cp.masterKey, { entityId: team })).entries.filter((e) => e.action === 'team.member.set');
    expect(entry!.after).toMatchObject({ team, user, role: 'member' });
  });

  it('writes nothing for a mutation that fails, and nothing without a change', async () => {
    const before = (await auditLog(cp.masterKey, {}, 500)).entries.length;
    const failed = await cp.gql('mutation { createTeam(input: { name: "x", organizationId: "00000000-0000-4000-8000-000000000000" }) { id } }', {}, cp.masterKey);
    expect(failed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const refused = await cp.gql('mutation { deleteKey(id: "00000000-0000-4000-8000-000000000000") }', {}, cp.masterKey);
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await auditLog(cp.masterKey, {}, 500)).entries.length).toBe(before);
  });

  it('records who acted through a session, and never the password', async () => {
    const adminId = await createUser('boss@audit-a.example', 'org_admin', orgA);
    const token = (await login('boss@audit-a.example')).data!.login.token;
    const created = await cp.gql<{ createUser: { id: string } }>(
      'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }',
      { i: { email: 'new@audit-a.example', role: 'internal_viewer', password: 'another long password' } },
      token,
    );
    const userId = created.data!.createUser.id;
    const { entries } = await auditLog(cp.masterKey, { entityId: userId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'user.create', actorId: adminId, actorRole: 'org_admin', credential: 'session', organizationId: orgA });
    expect(entries[0]!.after).toMatchObject({ email: 'new@audit-a.example', role: 'internal_viewer', organization: orgA });
    expect(JSON.stringify(entries)).not.toContain('another long password');
    expect(JSON.stringify(entries)).not.toContain('scrypt$');
    const logins = await auditLog(cp.masterKey, { action: 'user.login', actorId: adminId });
    expect(logins.entries).toHaveLength(1);
  });

  it('records a failed sign-in as an existing user (from where, why), never the password tried, and nothing for unknown emails', async () => {
    const userId = await createUser('forgetful@audit-a.example', 'internal_user', orgA);
    const failed = await login('forgetful@audit-a.example', 'not the password at all');
    expect(failed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await login('nobody-here@audit-a.example', 'whatever password');
    await expect.poll(async () => (await auditLog(cp.masterKey, { action: 'user.login_failed', entityId: userId })).entries).toEqual([
      expect.objectContaining({ actorId: userId, credential: 'password', entityType: 'user', organizationId: orgA, after: { reason: 'wrong password' }, ip: expect.stringMatching(/127\.0\.0\.1/) }),
    ]);
    const all = JSON.stringify((await auditLog(cp.masterKey, { action: 'user.login_failed' }, 500)).entries);
    expect(all).not.toContain('not the password at all');
    expect(all).not.toContain('nobody-here');
  });

  it('records changes the policy refused (what, on what, by whom, from where), over HTTP and WebSocket; not refused reads', async () => {
    const devId = await createUser('dev@refused-a.example', 'internal_user', orgA);
    const bossId = await createUser('boss@refused-a.example', 'org_admin', orgA);
    const keyId = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', { i: { alias: 'dev-own', ownerId: devId } })).createKey.virtualKey.id;
    const dev = (await login('dev@refused-a.example')).data!.login.token;
    const boss = (await login('boss@refused-a.example')).data!.login.token;

    // The owner may rename their key, not raise its budget; an org admin may not add models.
    const raise = await cp.gql('mutation($id: ID!) { updateKey(id: $id, input: { maxBudget: 1000 }) { id } }', { id: keyId }, dev);
    expect(raise.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const model = await cp.gql('mutation { createModel(input: { name: "sneaky", provider: "mock", providerModel: "m", inputCostPerMillion: 0, outputCostPerMillion: 0 }) { id } }', {}, boss);
    expect(model.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // A refused read (an org admin asking for the proxy's config file) is not a change: not recorded.
    const read = await cp.gql('{ configFile { path } }', {}, boss);
    expect(read.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Over the WebSocket too.
    const client = cp.ws(dev);
    try {
      await expect(subscribe(client, `mutation { updateKey(id: "${keyId}", input: { tpmLimit: 1000000 }) { id } }`).next()).rejects.toThrow(/FORBIDDEN|may not perform/);
    } finally {
      await client.dispose();
    }

    const denied = (await auditLog(cp.masterKey, { action: 'access.denied' }, 500)).entries;
    expect(denied.filter((e) => e.actorId === devId)).toEqual([
      expect.objectContaining({ actorRole: 'internal_user', credential: 'session', entityType: 'key', entityId: keyId, organizationId: orgA, after: { action: 'key.govern', operation: 'updateKey' } }),
      expect.objectContaining({ entityType: 'key', entityId: keyId, organizationId: orgA, after: { action: 'key.govern', operation: 'updateKey' }, ip: expect.stringMatching(/127\.0\.0\.1/) }),
    ]);
    expect(denied.filter((e) => e.actorId === bossId)).toEqual([
      expect.objectContaining({ actorRole: 'org_admin', entityType: 'model', entityId: '', organizationId: orgA, after: { action: 'model.write', operation: 'createModel' } }),
    ]);
    // Finer refusals too: an org admin making themselves a proxy admin, a team admin making a key that acts as a member.
    const escalate = await cp.gql('mutation($id: ID!) { updateUser(id: $id, input: { role: "proxy_admin" }) { id } }', { id: bossId }, boss);
    expect(escalate.errors?.[0]).toMatchObject({ message: 'This credential may not give or manage the role proxy_admin.', extensions: { code: 'FORBIDDEN' } });
    const bossEntries = (await auditLog(cp.masterKey, { action: 'access.denied', actorId: bossId }, 500)).entries;
    expect(bossEntries[0]).toMatchObject({ entityType: 'user', entityId: bossId, organizationId: orgA, after: { action: 'user.grant_role', operation: 'updateUser' } });

    // Their organization's admins see who tried; the change itself did not happen.
    expect((await auditLog(boss, { action: 'access.denied' }, 500)).entries.map((e) => e.actorId).sort()).toEqual([bossId, bossId, devId, devId].sort());
    const keys = (await cp.admin<{ keys: Array<{ id: string; maxBudget: number | null; tpmLimit: number | null }> }>('{ keys { id maxBudget tpmLimit } }')).keys;
    expect(keys.find((k) => k.id === keyId)).toMatchObject({ maxBudget: null, tpmLimit: null });
  });

  it('shows org admins their organization only, and nobody below them anything', async () => {
    await createUser('boss@audit-b.example', 'org_admin', orgB);
    await createUser('dev@audit-b.example', 'internal_user', orgB);
    await cp.admin('mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }', { i: { name: 'audit-b-team', organizationId: orgB } });
    const bossB = (await login('boss@audit-b.example')).data!.login.token;
    const entries = (await auditLog(bossB, {}, 500)).entries;
    expect(entries.length).toBeGreaterThan(0);
    expect(new Set(entries.map((e) => e.organizationId))).toEqual(new Set([orgB]));
    const dev = (await login('dev@audit-b.example')).data!.login.token;
    expect((await auditLog(dev, {}, 500)).entries).toEqual([]);
  });

  it('pages newest first with a cursor, and filters by time', async () => {
    for (let i = 0; i < 5; i += 1) await cp.admin('mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }', { i: { name: `paged-${i}` } });
    const all = (await auditLog(cp.masterKey, { action: 'team.create' }, 500)).entries;
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await auditLog(cp.masterKey, { action: 'team.create' }, 2, after);
      seen.push(...page.entries.map((e) => e.id));
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(seen).toEqual(all.map((e) => e.id));
    expect(all.map((e) => Number(e.id))).toEqual([...all.map((e) => Number(e.id))].sort((a, b) => b - a));
    const future = await auditLog(cp.masterKey, { from: new Date(Date.now() + 60_000).toISOString() });
    expect(future.entries).toEqual([]);
    const bad = await cp.gql('{ auditLog(after: "bm9wZQ") { hasNextPage } }', {}, cp.masterKey);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { after: [expect.any(String)] } });
  });
});

describe('dashboard sessions', () => {
  it('sign in, act with the user role, sign out', async () => {
    await createUser('sam@audit-a.example', 'internal_user', orgA);
    const res = await login('SAM@audit-a.example');
    const { token, user, expiresAt } = res.data!.login;
    expect(token).toMatch(/^tg-session-/);
    expect(user).toEqual({ email: 'sam@audit-a.example', role: 'internal_user' });
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
    const viewer = await cp.gql<{ viewer: unknown }>('{ viewer { role credential organizationId readOnly } }', {}, token);
    expect(viewer.data!.viewer).toEqual({ role: 'internal_user', credential: 'session', organizationId: orgA, readOnly: false });
    expect((await cp.gql('mutation { logout }', {}, token)).data).toEqual({ logout: true });
    expect((await cp.gql('{ viewer { role } }', {}, token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Signing out is recorded as signing in is, by the user.
    const { entries } = await auditLog(cp.masterKey, { action: 'user.logout' });
    expect(entries).toEqual([expect.objectContaining({ action: 'user.logout', credential: 'session', organizationId: orgA })]);
  });

  it('answers a wrong password, an unknown email and a user without a password alike', async () => {
    await createUser('nopass@audit-a.example', 'internal_user', orgA, null);
    const answers = await Promise.all([login('sam@audit-a.example', 'wrong password!'), login('nobody@audit-a.example'), login('nopass@audit-a.example')]);
    for (const answer of answers) {
      expect(answer.data).toBeNull();
      expect(answer.errors?.[0]).toMatchObject({ message: 'Wrong email or password.', extensions: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('refuses an email after five wrong passwords, even with the right one, and others still sign in', async () => {
    await createUser('guessed@audit-a.example', 'internal_user', orgA);
    for (let i = 0; i < 5; i += 1) expect((await login('guessed@audit-a.example', `wrong guess ${i}!`)).errors?.[0]?.message).toBe('Wrong email or password.');
    const locked = await login('guessed@audit-a.example');
    expect(locked.errors?.[0]).toMatchObject({ message: expect.stringMatching(/Too many failed sign-ins.*15 minutes/), extensions: { code: 'UNAUTHENTICATED' } });
    expect((await login('sam@audit-a.example')).data?.login.token).toMatch(/^tg-session-/);
  });

  it('counts guesses sent all at once as they come: the right password after five wrong ones in one burst is refused', async () => {
    await createUser('burst@audit-a.example', 'internal_user', orgA);
    const answers = await Promise.all([...Array.from({ length: 39 }, (_, i) => login('burst@audit-a.example', `wrong guess ${i}!`)), login('burst@audit-a.example')]);
    expect(answers.filter((a) => a.errors?.[0]?.message === 'Wrong email or password.')).toHaveLength(5);
    expect(answers.filter((a) => /Too many failed sign-ins/.test(a.errors?.[0]?.message ?? ''))).toHaveLength(35);
    expect(answers.at(-1)!.data?.login).toBeUndefined();
  });

  it('ends every session of a user who is blocked, and refuses them after', async () => {
    const id = await createUser('blocked@audit-a.example', 'internal_user', orgA);
    const token = (await login('blocked@audit-a.example')).data!.login.token;
    await cp.admin('mutation($id: ID!) { updateUser(id: $id, input: { blocked: true }) { blocked } }', { id });
    expect((await cp.gql('{ viewer { role } }', {}, token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await login('blocked@audit-a.example')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets users change their own password only with the current one', async () => {
    const id = await createUser('pat@audit-a.example', 'internal_viewer', orgA);
    const token = (await login('pat@audit-a.example')).data!.login.token;
    const set = 'mutation($i: SetPasswordInput!) { setPassword(input: $i) }';
    const wrong = await cp.gql(set, { i: { userId: id, password: 'a brand new password', currentPassword: 'not it' } }, token);
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { currentPassword: [expect.any(String)] } });
    const missing = await cp.gql(set, { i: { userId: id, password: 'a brand new password' } }, token);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { currentPassword: ['is required to change your own password'] } });
    const short = await cp.gql(set, { i: { userId: id, password: 'short', currentPassword: PASSWORD } }, token);
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { password: ['must be at least 12 characters'] } });
    const elsewhere = (await login('pat@audit-a.example')).data!.login.token;
    expect((await cp.gql(set, { i: { userId: id, password: 'a brand new password', currentPassword: PASSWORD } }, token)).data).toEqual({ setPassword: true });
    // The change ends the user's other sessions, and keeps the one it was made in.
    expect((await cp.gql('{ viewer { role } }', {}, elsewhere)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await cp.gql('{ viewer { role } }', {}, token)).data).toEqual({ viewer: { role: 'internal_viewer' } });
    expect((await login('pat@audit-a.example', 'a brand new password')).data?.login.token).toMatch(/^tg-session-/);
  });
});

describe('management and read-only keys', () => {
  it('act on this API with their owner role; read-only ones only read; data planes never get them', async () => {
    const ownerId = await createUser('robot-owner@audit-a.example', 'org_admin', orgA);
    const make = async (keyType: string) =>
      (await cp.admin<{ createKey: { key: string; virtualKey: { id: string; keyType: string } } }>(
        'mutation($i: CreateKeyInput!) { createKey(input: $i) { key virtualKey { id keyType } } }',
        { i: { ownerId, keyType } },
      )).createKey;
    const management = await make('management');
    const readOnly = await make('read_only');
    expect(management.virtualKey.keyType).toBe('management');

    const viewer = await cp.gql<{ viewer: unknown }>('{ viewer { role credential userId readOnly } }', {}, management.key);
    expect(viewer.data!.viewer).toEqual({ role: 'org_admin', credential: 'management_key', userId: ownerId, readOnly: false });
    const team = await cp.gql<{ createTeam: { id: string } }>('mutation { createTeam(input: { name: "made-by-robot" }) { id } }', {}, management.key);
    expect(team.errors).toBeUndefined();
    expect((await cp.gql('{ teams { name } }', {}, readOnly.key)).data).toMatchObject({ teams: expect.arrayContaining([{ name: 'made-by-robot' }]) });
    const refused = await cp.gql('mutation { createTeam(input: { name: "read-only-cannot" }) { id } }', {}, readOnly.key);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // The data-plane config has API keys only.
    const client = cp.ws(cp.dataPlaneToken);
    const config = subscribe<{ gatewayConfig: { message: { snapshot: { keys: Array<{ id: string }> } } } }>(client, 'subscription { gatewayConfig { version message } }');
    const first = await config.next();
    const keyIds = first.gatewayConfig.message.snapshot.keys.map((k) => k.id);
    expect(keyIds).not.toContain(management.virtualKey.id);
    expect(keyIds).not.toContain(readOnly.virtualKey.id);
    await client.dispose();

    // Blocking the key, or its owner, ends its access at once.
    await cp.admin('mutation($id: ID!) { updateKey(id: $id, input: { blocked: true }) { id } }', { id: management.virtualKey.id });
    expect((await cp.gql('{ viewer { role } }', {}, management.key)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await cp.admin('mutation($id: ID!) { updateUser(id: $id, input: { blocked: true }) { id } }', { id: ownerId });
    expect((await cp.gql('{ viewer { role } }', {}, readOnly.key)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('needs an owner', async () => {
    const res = await cp.gql('mutation { createKey(input: { keyType: "management" }) { key } }', {}, cp.masterKey);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { ownerId: [expect.any(String)] } });
  });
});

describe('a GraphQL WebSocket already open', () => {
  /** Checks open connections again every 100 ms; `quiet` once an hour, so only its per-operation checks act in a test. */
  let live: TestControlPlane;
  let quiet: TestControlPlane;
  beforeAll(async () => {
    live = await startTestControlPlane({ databaseUrl: db.url, jobs: false, graphqlWsRecheckMs: 100 });
    quiet = await startTestControlPlane({ databaseUrl: db.url, jobs: false, graphqlWsRecheckMs: 3_600_000 });
  });
  afterAll(async () => {
    await live?.close();
    await quiet?.close();
  });

  /** Alice, admin of a team of her own with Bob's key in it, signed in. */
  async function teamAdmin(on: TestControlPlane, name: string) {
    const team = (await on.admin<{ createTeam: { id: string } }>('mutation($o: ID!) { createTeam(input: { name: $n, organizationId: $o }) { id } }'.replace('$n', JSON.stringify(name)), { o: orgA })).createTeam.id;
    const user = async (email: string) =>
      (await on.admin<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role: 'internal_user', organizationId: orgA, password: PASSWORD } })).createUser.id;
    const alice = await user(`alice@${name}.example`);
    const bob = await user(`bob@${name}.example`);
    const member = (u: string, role?: string) => on.admin('mutation($t: ID!, $u: ID!, $r: String) { setTeamMember(input: { teamId: $t, userId: $u, role: $r }) { role } }', { t: team, u, r: role ?? null });
    await member(alice, 'admin');
    await member(bob);
    const bobKey = (await on.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', { i: { alias: `${name}-bob`, ownerId: bob, teamId: team, maxBudget: 1 } })).createKey.virtualKey.id;
    const token = (await on.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email: `alice@${name}.example`, password: PASSWORD } })).data!.login.token;
    return {
      team,
      token,
      remove: () => on.admin('mutation($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) }', { t: team, u: alice }),
      block: () => on.admin('mutation($id: ID!) { updateUser(id: $id, input: { blocked: true }) { blocked } }', { id: alice }),
      raise: (client: ReturnType<TestControlPlane['ws']>, budget: number) => subscribe<{ updateKey: { maxBudget: number } }>(client, `mutation { updateKey(id: "${bobKey}", input: { maxBudget: ${budget} }) { maxBudget } }`),
    };
  }

  it('checks every operation: removed from a team, then blocked, the user loses it on that socket too', async () => {
    const alice = await teamAdmin(quiet, 'ws-ops');
    const client = quiet.ws(alice.token);
    try {
      // A subscription keeps the (lazy) client's one socket open for the operations below.
      const holding = subscribe(client, `subscription { spendUpdated(teamId: "${alice.team}") { totalSpend } }`);
      expect(await alice.raise(client, 5).next()).toEqual({ updateKey: { maxBudget: 5 } });
      await alice.remove();
      // Out of her reach now, so not even found, as over HTTP.
      await expect(alice.raise(client, 1_000).next()).rejects.toThrow(/Key not found/);
      await alice.block();
      await expect(subscribe(client, '{ viewer { role } }').next()).rejects.toThrow(/UNAUTHENTICATED/);
      // All on the socket that was open from the start.
      expect(holding.errors).toEqual([]);
    } finally {
      await client.dispose();
    }
  });

  it('closes running subscriptions when rights change (to subscribe again with them) or end', async () => {
    const alice = await teamAdmin(live, 'ws-subs');
    const spend = `subscription { spendUpdated(teamId: "${alice.team}") { totalSpend } }`;
    const first = live.ws(alice.token);
    const second = live.ws(alice.token);
    try {
      const watching = subscribe(first, spend);
      expect(await subscribe(first, '{ viewer { role } }').next()).toEqual({ viewer: { role: 'internal_user' } });
      await alice.remove();
      // An operation on the socket after the change does not make the subscription started before it look current. (The
      // check, every 100 ms here, may close the socket before the operation is answered: then that is its error.)
      const after = subscribe(first, '{ viewer { role } }');
      const answered = await after.next().catch(() => undefined);
      if (answered !== undefined) expect(answered).toEqual({ viewer: { role: 'internal_user' } });
      else expect(after.errors[0]).toMatchObject({ code: 1012 });
      expect(await watching.error()).toMatchObject({ code: 1012 });
      const still = subscribe(second, spend);
      expect(await subscribe(second, '{ viewer { role } }').next()).toEqual({ viewer: { role: 'internal_user' } });
      await alice.block();
      expect(await still.error()).toMatchObject({ code: 4403 });
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });
});

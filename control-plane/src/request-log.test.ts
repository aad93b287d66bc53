import type { UsageEventInput } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visibility } from './auth/policy.js';
import { RequestLogInput, requestLogStatement } from './services/request-log.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, type TestControlPlane } from './testing/harness.js';

let db: TestDatabase;
let cp: TestControlPlane;
const ids = {} as Record<'orgA' | 'orgB' | 'alice' | 'carol' | 'bob' | 'teamA' | 'aliceKey' | 'carolKey' | 'bobKey' | 'ownerlessKey', string>;
const tokens = {} as Record<'alice' | 'carol' | 'bob' | 'orgAdminA', string>;
const PASSWORD = 'a long enough password';

const PAGE = `query($f: RequestLogFilter, $first: Int!, $after: String) { requestLog(filter: $f, first: $first, after: $after) {
  entries { requestId startedAt status model keyId teamId userId orgId endUser } endCursor hasNextPage } }`;

interface Entry {
  requestId: string;
  startedAt: string;
  status: string;
  model: string;
  keyId: string;
  teamId: string | null;
  userId: string | null;
  orgId: string | null;
  endUser: string | null;
}
interface Page {
  entries: Entry[];
  endCursor: string | null;
  hasNextPage: boolean;
}

async function page(filter: Record<string, unknown>, first: number, after?: string | null, token = cp.masterKey): Promise<Page> {
  const res = await cp.gql<{ requestLog: Page }>(PAGE, { f: filter, first, after }, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.requestLog;
}

/** Every request id the caller sees with `filter`, following the cursor. */
async function all(filter: Record<string, unknown>, first = 500, token = cp.masterKey): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const p: Page = await page(filter, first, after, token);
    seen.push(...p.entries.map((e) => e.requestId));
    if (!p.hasNextPage) return seen;
    after = p.endCursor;
  }
}

const INGEST = 'mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged rejected { reason } } }';

async function ingest(events: UsageEventInput[]): Promise<void> {
  const res = await cp.gql<{ ingestUsage: { rejected: unknown[] } }>(INGEST, { events }, cp.dataPlaneToken);
  if (res.errors || res.data!.ingestUsage.rejected.length > 0) throw new Error(JSON.stringify(res.errors ?? res.data));
}

/** The ledger as written, in the order the log must show it: newest first, request id breaking ties. */
const events: UsageEventInput[] = [];
const newestFirst = (list: UsageEventInput[]) =>
  [...list].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || (a.requestId < b.requestId ? 1 : -1)).map((e) => e.requestId);

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
  const admin = cp.admin.bind(cp);
  const org = async (name: string) => (await admin<{ createOrganization: { id: string } }>('mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: name })).createOrganization.id;
  const user = async (email: string, role: string, organizationId: string) =>
    (await admin<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role, organizationId, password: PASSWORD } })).createUser.id;
  const login = async (email: string) => (await cp.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email, password: PASSWORD } })).data!.login.token;
  const key = async (input: Record<string, unknown>) => (await admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', { i: input })).createKey.virtualKey.id;
  ids.orgA = await org('log-a');
  ids.orgB = await org('log-b');
  ids.alice = await user('alice@log-a.example', 'internal_user', ids.orgA);
  ids.carol = await user('carol@log-a.example', 'internal_user', ids.orgA);
  ids.bob = await user('bob@log-b.example', 'internal_user', ids.orgB);
  await user('boss@log-a.example', 'org_admin', ids.orgA);
  ids.teamA = (await admin<{ createTeam: { id: string } }>('mutation($o: ID!) { createTeam(input: { name: "log-team", organizationId: $o }) { id } }', { o: ids.orgA })).createTeam.id;
  await admin('mutation($t: ID!, $u: ID!) { setTeamMember(input: { teamId: $t, userId: $u, role: "admin" }) { role } }', { t: ids.teamA, u: ids.alice });
  await admin('mutation($t: ID!, $u: ID!) { setTeamMember(input: { teamId: $t, userId: $u }) { role } }', { t: ids.teamA, u: ids.carol });
  ids.aliceKey = await key({ ownerId: ids.alice });
  ids.carolKey = await key({ ownerId: ids.carol, teamId: ids.teamA });
  ids.bobKey = await key({ ownerId: ids.bob });
  ids.ownerlessKey = await key({ alias: 'ownerless' });
  tokens.alice = await login('alice@log-a.example');
  tokens.carol = await login('carol@log-a.example');
  tokens.bob = await login('bob@log-b.example');
  tokens.orgAdminA = await login('boss@log-a.example');

  const keys = [ids.aliceKey, ids.carolKey, ids.bobKey, ids.ownerlessKey];
  for (let i = 0; i < 36; i += 1) {
    const keyId = keys[i % 4]!;
    events.push({
      // Two requests start in each second, so ties on started_at are broken by request id.
      requestId: `req-${String((i * 7) % 36).padStart(2, '0')}`,
      keyId,
      teamId: keyId === ids.carolKey ? ids.teamA : null,
      model: ['gpt-4o', 'claude-sonnet-4', 'gpt-4o-mini'][i % 3]!,
      modelId: null,
      provider: 'openai',
      route: '/v1/chat/completions',
      stream: false,
      status: i % 5 === 0 ? 'error' : i % 7 === 0 ? 'aborted' : 'success',
      httpStatus: i % 5 === 0 ? 502 : 200,
      errorMessage: i % 5 === 0 ? 'upstream failed' : null,
      promptTokens: 10,
      completionTokens: 5,
      totalTokens: 15,
      cost: '0.010000000000',
      startedAt: new Date(Date.UTC(2026, 10, 20, 10, 0, Math.floor(i / 2))).toISOString(),
      durationMs: 100,
      endUser: i % 2 === 1 ? `customer-${i % 3}` : null,
      dataPlaneId: 'dp-test',
    });
  }
  await ingest(events);
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe('requestLog', () => {
  it('pages through every request newest first, each once, at any page size', async () => {
    for (const size of [1, 7, 500]) expect(await all({}, size)).toEqual(newestFirst(events));
    const first = await page({}, 5);
    expect(first.entries[0]).toMatchObject({ requestId: newestFirst(events)[0], keyId: expect.any(String), status: expect.any(String) });
  });

  it('filters by status, model, key, team, user, end user, request id and time', async () => {
    const only = (keep: (e: UsageEventInput) => boolean) => newestFirst(events.filter(keep));
    expect(await all({ status: 'error' }, 2)).toEqual(only((e) => e.status === 'error'));
    expect(await all({ status: 'aborted' })).toEqual(only((e) => e.status === 'aborted'));
    expect(await all({ model: 'claude-sonnet-4' }, 3)).toEqual(only((e) => e.model === 'claude-sonnet-4'));
    expect(await all({ keyId: ids.bobKey })).toEqual(only((e) => e.keyId === ids.bobKey));
    expect(await all({ teamId: ids.teamA })).toEqual(only((e) => e.teamId === ids.teamA));
    expect(await all({ userId: ids.alice })).toEqual(only((e) => e.keyId === ids.aliceKey));
    expect(await all({ endUser: 'customer-1' }, 2)).toEqual(only((e) => e.endUser === 'customer-1'));
    expect(await all({ requestId: 'req-07' })).toEqual(['req-07']);
    const from = '2026-11-20T10:00:05.000Z';
    const to = '2026-11-20T10:00:09.000Z';
    expect(await all({ from, to }, 3)).toEqual(only((e) => e.startedAt >= from && e.startedAt < to));
    expect(await all({ model: 'gpt-4o', status: 'success', from })).toEqual(only((e) => e.model === 'gpt-4o' && e.status === 'success' && e.startedAt >= from));
    expect(await all({ model: 'no-such-model' })).toEqual([]);
  });

  // A dashboard knows only the keys it has listed: each request names its own key.
  it("names each request's key by its alias, else its prefix", async () => {
    const res = await cp.gql<{ requestLog: { entries: Array<{ keyId: string; keyLabel: string | null }> } }>(
      'query($f: RequestLogFilter) { requestLog(filter: $f, first: 5) { entries { keyId keyLabel } } }',
      { f: { keyId: ids.aliceKey } },
      cp.masterKey,
    );
    const prefix = (await cp.orm.em.fork().execute<Array<{ prefix: string; alias: string | null }>>(`select "prefix", "alias" from "virtual_key" where "id" = ?`, [ids.aliceKey]))[0]!;
    expect(res.data!.requestLog.entries.length).toBeGreaterThan(0);
    for (const entry of res.data!.requestLog.entries) expect(entry).toEqual({ keyId: ids.aliceKey, keyLabel: prefix.alias ?? prefix.prefix });
  });

  it('shows each caller the requests whose spend they may read, and nothing else through a filter', async () => {
    const inOrgA = (e: UsageEventInput) => e.keyId === ids.aliceKey || e.keyId === ids.carolKey;
    expect(await all({}, 4, tokens.orgAdminA)).toEqual(newestFirst(events.filter(inOrgA)));
    // Alice administers Carol's team: her own requests and the team's, merged in order across pages.
    expect(await all({}, 4, tokens.alice)).toEqual(newestFirst(events.filter(inOrgA)));
    expect(await all({}, 4, tokens.carol)).toEqual(newestFirst(events.filter((e) => e.keyId === ids.carolKey)));
    expect(await all({}, 500, tokens.bob)).toEqual(newestFirst(events.filter((e) => e.keyId === ids.bobKey)));
    expect(await all({ keyId: ids.bobKey }, 500, tokens.orgAdminA)).toEqual([]);
    expect(await all({ keyId: ids.aliceKey }, 500, tokens.carol)).toEqual([]);
    expect(await all({ requestId: events.find((e) => e.keyId === ids.ownerlessKey)!.requestId }, 500, tokens.alice)).toEqual([]);
    const asDataPlane = await cp.gql(PAGE, { first: 5 }, cp.dataPlaneToken);
    expect(asDataPlane.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a cursor it did not make, a page size out of range and a range that ends before it starts', async () => {
    const forged = await cp.gql(PAGE, { first: 5, after: Buffer.from('["request","yesterday","x"]').toString('base64url') }, cp.masterKey);
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { after: ['is not a cursor this API returned'] } });
    const keyCursor = await cp.gql(PAGE, { first: 5, after: Buffer.from('["key","2026-11-20 10:00:00+00","x"]').toString('base64url') }, cp.masterKey);
    expect(keyCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { after: [expect.any(String)] } });
    const huge = await cp.gql(PAGE, { first: 501 }, cp.masterKey);
    expect(huge.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { first: ['must be at most 500'] } });
    const backwards = await cp.gql(PAGE, { first: 5, f: { from: '2026-11-21T00:00:00Z', to: '2026-11-20T00:00:00Z' } }, cp.masterKey);
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { to: ['must not be before from'] } });
    const status = await cp.gql(PAGE, { first: 5, f: { status: 'failed' } }, cp.masterKey);
    expect(status.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { status: [expect.any(String)] } });
  });

  // Filling 200,000 rows takes seconds on a busy machine; the default 30 s is too close.
  it('reads every filter and scope from an index in page order, with no sort, at 200,000 requests', { timeout: 90_000 }, async () => {
    const em = cp.orm.em.fork();
    // Shaped like a busy gateway scaled down: every filter value matches far more rows than a page (200 keys, 100
    // users, 40 teams, 10 organizations, 30 models, 50 end users named by a third of the requests), 1 request in 20 an
    // error and 1 in 100 aborted, over 30 days. A filter matching a dozen rows may rightly be read and sorted.
    await em.execute(`insert into "spend_log" ("request_id", "key_id", "team_id", "user_id", "org_id", "model", "provider",
        "route", "stream", "status", "http_status", "prompt_tokens", "completion_tokens", "total_tokens", "cost",
        "started_at", "duration_ms", "end_user", "data_plane_id")
      select 'bulk-' || i, 'key-' || (i % 200), 'team-' || (i % 40), 'user-' || (i % 100), 'org-' || (i % 10),
             'model-' || (i % 30), 'openai', '/v1/chat/completions', false,
             case when i % 20 = 0 then 'error' when i % 100 = 1 then 'aborted' else 'success' end, 200, 10, 5, 15, 0.001,
             timestamptz '2026-11-01' + make_interval(secs => i * 12.96), 100,
             case when i % 3 = 0 then 'customer-' || (i % 50) end, 'dp-bulk'
        from generate_series(1, 200000) as i`);
    await em.execute('analyze "spend_log"');

    const input = (filter: Record<string, unknown>) => RequestLogInput.parse({ first: 50, ...filter });
    const deep = (await page({}, 50)).endCursor!;
    const plans: Record<string, string> = {};
    const explain = async (name: string, seen: Exclude<Visibility, { kind: 'none' }>, filter: Record<string, unknown>) => {
      const statement = requestLogStatement(seen, input(filter));
      const rows = await em.execute<Array<{ 'QUERY PLAN': string }>>(`explain ${statement.sql}`, statement.params);
      plans[name] = rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const all: Visibility = { kind: 'all' };
    await explain('everything, deep page', all, { after: deep });
    await explain('status error', all, { status: 'error' });
    await explain('status aborted, deep page', all, { status: 'aborted', after: deep });
    await explain('status success', all, { status: 'success' });
    await explain('model', all, { model: 'model-7' });
    await explain('key, deep page', all, { keyId: 'key-7', after: deep });
    await explain('team', all, { teamId: 'team-7' });
    await explain('user', all, { userId: 'user-7' });
    await explain('end user', all, { endUser: 'customer-9' });
    await explain('time range', all, { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') });
    await explain('an organization', { kind: 'org', orgId: 'org-3' }, { after: deep });
    await explain('an organization, by model', { kind: 'org', orgId: 'org-3' }, { model: 'model-3' });
    await explain('own keys', { kind: 'own', userId: 'user-3', teamIds: [] }, {});
    await explain('own keys and two teams', { kind: 'own', userId: 'user-3', teamIds: ['team-4', 'team-5'] }, { after: deep });
    // A request id is one row, looked up by the primary key (and "sorted" alone).
    const byRequestId = requestLogStatement(all, input({ requestId: 'bulk-777' }));
    expect((await em.execute<Array<{ 'QUERY PLAN': string }>>(`explain ${byRequestId.sql}`, byRequestId.params)).map((r) => r['QUERY PLAN']).join('\n')).toMatch(
      /Index Scan using spend_log_pkey/,
    );
    for (const [name, plan] of Object.entries(plans)) {
      expect(plan, name).toMatch(/Index Scan/);
      // No Seq Scan, no Bitmap scan (which returns rows out of order), no Sort or Incremental Sort node.
      expect(plan, name).not.toMatch(/Seq Scan|Bitmap|Sort {2}\(/);
    }
    expect(plans['status error']).toMatch(/spend_log_status_page_index/);
    expect(plans['end user']).toMatch(/spend_log_end_user_page_index/);
    expect(plans['own keys and two teams']).toMatch(/Merge Append/);

    // And the API answers a deep page over that table.
    const deeper = await page({ model: 'model-7' }, 100, (await page({ model: 'model-7' }, 100)).endCursor);
    expect(deeper.entries).toHaveLength(100);
    expect(deeper.entries.every((e) => e.model === 'model-7')).toBe(true);
  });
});

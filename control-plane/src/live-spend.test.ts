import { randomUUID } from 'node:crypto';
import type { UsageEventInput } from '@tollgate/schema';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { roundTrip, startTestControlPlane, subscribe, testSecret, type TestControlPlane } from './testing/harness.js';

// Two control planes on one database, as two replicas behind a load balancer: usage arrives through A, dashboards
// subscribe on B.
const THROTTLE_MS = 500;
let db: TestDatabase;
let a: TestControlPlane;
let b: TestControlPlane;
const PASSWORD = 'a long enough password';
const ids = {} as Record<'orgA' | 'orgB' | 'teamA' | 'teamB' | 'alice' | 'aliceKey' | 'teamAKey' | 'teamBKey', string>;
const tokens = {} as Record<'orgAdminA' | 'alice' | 'viewerA', string>;

beforeAll(async () => {
  db = await createTestDatabase();
  const shared = { databaseUrl: db.url, masterKey: testSecret('sk-tg-master-test-'), dataPlaneToken: testSecret('tg-dp-test-'), jobs: false as const, spendThrottleMs: THROTTLE_MS };
  // B waits a second before reconnecting a lost spend LISTEN connection, so a test can ingest meanwhile.
  [a, b] = await Promise.all([
    startTestControlPlane(shared),
    startTestControlPlane({ ...shared, spendListener: { minBackoffMs: 1_000, maxBackoffMs: 1_000 } }),
  ]);
  const org = async (name: string) => (await a.admin<{ createOrganization: { id: string } }>('mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: name })).createOrganization.id;
  const team = async (name: string, organizationId: string) =>
    (await a.admin<{ createTeam: { id: string } }>('mutation($n: String!, $o: ID!) { createTeam(input: { name: $n, organizationId: $o }) { id } }', { n: name, o: organizationId })).createTeam.id;
  const user = async (email: string, role: string, organizationId: string) =>
    (await a.admin<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role, organizationId, password: PASSWORD } })).createUser.id;
  const key = async (input: Record<string, unknown>) =>
    (await a.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { virtualKey { id } } }', { i: input })).createKey.virtualKey.id;
  const login = async (email: string) => (await b.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email, password: PASSWORD } })).data!.login.token;
  ids.orgA = await org('live-a');
  ids.orgB = await org('live-b');
  ids.teamA = await team('live-team-a', ids.orgA);
  ids.teamB = await team('live-team-b', ids.orgB);
  ids.alice = await user('alice@live-a.example', 'internal_user', ids.orgA);
  await user('boss@live-a.example', 'org_admin', ids.orgA);
  await user('viewer@live-a.example', 'internal_viewer', ids.orgA);
  ids.aliceKey = await key({ alias: 'alice', ownerId: ids.alice });
  ids.teamAKey = await key({ alias: 'team-a', teamId: ids.teamA });
  ids.teamBKey = await key({ alias: 'team-b', teamId: ids.teamB });
  tokens.orgAdminA = await login('boss@live-a.example');
  tokens.alice = await login('alice@live-a.example');
  tokens.viewerA = await login('viewer@live-a.example');
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await db?.drop();
});

function usage(keyId: string, cost: number, overrides: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    requestId: randomUUID(), keyId, teamId: null, model: 'gpt-4o', modelId: null, provider: 'openai', route: '/v1/chat/completions',
    stream: false, status: 'success', httpStatus: 200, promptTokens: 7, completionTokens: 3, totalTokens: 10, cost,
    startedAt: new Date().toISOString(), durationMs: 1, dataPlaneId: 'dp-test', ...overrides,
  };
}
const forTeamA = (cost: number, overrides: Partial<UsageEventInput> = {}) => usage(ids.teamAKey, cost, { teamId: ids.teamA, ...overrides });
const forTeamB = (cost: number, overrides: Partial<UsageEventInput> = {}) => usage(ids.teamBKey, cost, { teamId: ids.teamB, ...overrides });

async function ingest(events: UsageEventInput[], via = a): Promise<void> {
  const res = await via.gql('mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged } }', { events }, via.dataPlaneToken);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
}

interface Update {
  spendUpdated: { totalSpend: number; totalRequests: number; totalTokens: number; batchSpend: number; batchRequests: number; at: string };
}
const SPEND_UPDATED = `subscription($teamId: ID, $keyId: ID, $model: String) {
  spendUpdated(teamId: $teamId, keyId: $keyId, model: $model) { totalSpend totalRequests totalTokens batchSpend batchRequests at } }`;

/** A live spend subscription on `cp` with `token`, listening once this resolves; `received` logs arrival times. */
async function live(cp: TestControlPlane, token: string, variables: Record<string, unknown> = {}) {
  const client: Client = cp.ws(token);
  const received: number[] = [];
  const items: Update['spendUpdated'][] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe<Update>({ query: SPEND_UPDATED, variables }, {
    next: (message) => {
      if (message.errors) errors.push(message.errors);
      if (message.data) {
        received.push(Date.now());
        items.push(message.data.spendUpdated);
      }
    },
    error: (err) => errors.push(err),
    complete: () => undefined,
  });
  await roundTrip(client);
  return {
    items,
    received,
    errors,
    /** Waits until `count` messages arrived, or fails after `timeoutMs`. */
    async until(count: number, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (items.length < count) {
        if (errors.length > 0) throw new Error(`subscription error: ${JSON.stringify(errors)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for message ${count} (got ${items.length})`);
        await sleep(10);
      }
      return items[count - 1]!;
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The all-time totals the database holds, as spendSummary reports them. */
async function summary() {
  return (await b.admin<{ spendSummary: { totalSpend: number; totalRequests: number; totalTokens: number } }>('{ spendSummary { totalSpend totalRequests totalTokens } }')).spendSummary;
}

/** All-time totals of one spend report value (a team, a key). */
async function reported(dimension: string, value: string) {
  const { spendReport } = await b.admin<{ spendReport: Array<{ cost: number; requests: number; totalTokens: number }> }>(
    'query($d: String!, $v: String) { spendReport(dimension: $d, value: $v) { cost requests totalTokens } }',
    { d: dimension, v: value },
  );
  const row = spendReport[0];
  return { totalSpend: row?.cost ?? 0, totalRequests: row?.requests ?? 0, totalTokens: row?.totalTokens ?? 0 };
}

function expectTotals(actual: Update['spendUpdated'], expected: { totalSpend: number; totalRequests: number; totalTokens: number }) {
  expect(actual.totalRequests).toBe(expected.totalRequests);
  expect(actual.totalTokens).toBe(expected.totalTokens);
  expect(actual.totalSpend).toBeCloseTo(expected.totalSpend, 9);
}

describe('spendUpdated across control-plane replicas', () => {
  it('should tell a subscriber on one replica about spend ingested through the other', async () => {
    await ingest([forTeamA(1)]); // spend from before the subscription is in the totals, not in a message
    const sub = await live(b, b.masterKey);
    try {
      await sleep(THROTTLE_MS);
      expect(sub.items).toEqual([]);
      const sent = Date.now();
      await ingest([forTeamA(0.25), forTeamA(0.25)]);
      const update = await sub.until(1, 2_000);
      expect(sub.received[0]! - sent).toBeLessThan(THROTTLE_MS);
      expect(update).toMatchObject({ batchRequests: 2, batchSpend: 0.5 });
      expectTotals(update, await summary());
    } finally {
      await sub.close();
    }
  });

  it('should send at most one message per throttle window, coalescing 50 batches into their final totals', async () => {
    const sub = await live(b, b.masterKey);
    const other = await live(b, b.masterKey);
    try {
      const before = await summary();
      const started = Date.now();
      // 50 batches within about 200 ms, through both replicas, each its own transaction.
      await Promise.all(Array.from({ length: 50 }, (_, i) => sleep(i * 4).then(() => ingest([forTeamA(0.01)], i % 2 === 0 ? a : b))));
      const ingestMs = Date.now() - started;
      const after = await summary();
      expect(after.totalRequests).toBe(before.totalRequests + 50);

      // The last message carries the final totals; no message is sent sooner than a window after the previous one.
      for (const s of [sub, other]) {
        const deadline = Date.now() + 3 * THROTTLE_MS;
        while (s.items.at(-1)?.totalRequests !== after.totalRequests && Date.now() < deadline) await sleep(10);
        expectTotals(s.items.at(-1)!, after);
        expect(s.items.reduce((n, item) => n + item.batchRequests, 0)).toBe(50);
        expect(s.items.reduce((sum, item) => sum + item.batchSpend, 0)).toBeCloseTo(0.5, 9);
        // When each message left the server (`at`); arrival times on this side jitter with the test's own event loop.
        const sentAt = s.items.map((item) => Date.parse(item.at));
        for (let i = 1; i < sentAt.length; i += 1) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(THROTTLE_MS - 2);
        expect(s.items.length).toBeLessThanOrEqual(Math.ceil(ingestMs / THROTTLE_MS) + 2);
      }
      await sleep(THROTTLE_MS + 100);
      expect(sub.items.at(-1)!.totalRequests).toBe(after.totalRequests); // and nothing after
    } finally {
      await Promise.all([sub.close(), other.close()]);
    }
  });

  it('should end on the database\'s totals for subscribers that start while batches are committing', async () => {
    // Batches keep committing through A while subscriptions on B start and read their totals.
    const running = Promise.all(Array.from({ length: 40 }, (_, i) => sleep(i * 5).then(() => ingest([forTeamB(0.001)]))));
    const subs = await Promise.all(Array.from({ length: 8 }, (_, i) => sleep(i * 20).then(() => live(b, b.masterKey))));
    try {
      await running;
      await ingest([forTeamB(0.001)]); // every subscriber hears this one, whenever it started
      const after = await summary();
      for (const s of subs) {
        const deadline = Date.now() + 3 * THROTTLE_MS;
        while (s.items.at(-1)?.totalRequests !== after.totalRequests && Date.now() < deadline) await sleep(10);
        expectTotals(s.items.at(-1)!, after);
      }
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
  });

  it('should narrow the stream to a team, a key or a model', async () => {
    const byTeam = await live(b, b.masterKey, { teamId: ids.teamB });
    const byKey = await live(b, b.masterKey, { keyId: ids.aliceKey });
    const byModel = await live(b, b.masterKey, { model: 'claude-live' });
    const byTeamAndModel = await live(b, b.masterKey, { teamId: ids.teamA, model: 'claude-live' });
    try {
      await ingest([forTeamB(0.5), usage(ids.aliceKey, 0.25), forTeamA(1, { model: 'claude-live' })]);
      expectTotals(await byTeam.until(1), await reported('team', ids.teamB));
      expectTotals(await byKey.until(1), await reported('key', ids.aliceKey));
      expectTotals(await byModel.until(1), await reported('model', 'claude-live'));
      expect(await byTeamAndModel.until(1)).toMatchObject({ totalRequests: 1, totalSpend: 1, batchRequests: 1 });

      // Spend outside a filter sends that subscriber nothing.
      await ingest([forTeamA(2)]);
      await sleep(THROTTLE_MS + 300);
      for (const s of [byTeam, byKey, byModel, byTeamAndModel]) expect(s.items).toHaveLength(1);
    } finally {
      await Promise.all([byTeam, byKey, byModel, byTeamAndModel].map((s) => s.close()));
    }
    // A team's name where its id belongs would match nothing, ever: it is an error, naming the argument.
    const byName = await live(b, b.masterKey, { teamId: 'research' });
    try {
      await expect(byName.until(1, 2_000)).rejects.toThrow(/BAD_USER_INPUT.*teamId.*must be a team id \(a UUID\), not a name/);
    } finally {
      await byName.close();
    }
  });

  it('should show each role only the spend it may see', async () => {
    const orgAdmin = await live(b, tokens.orgAdminA);
    const alice = await live(b, tokens.alice);
    const aliceAsksForTeamB = await live(b, tokens.alice, { teamId: ids.teamB });
    const viewer = await live(b, tokens.viewerA);
    try {
      await ingest([forTeamB(3)]); // organization B: none of them may see it
      await sleep(THROTTLE_MS + 300);
      for (const s of [orgAdmin, alice, aliceAsksForTeamB, viewer]) expect(s.items).toEqual([]);

      await ingest([forTeamA(0.5), usage(ids.aliceKey, 0.125)]);
      const orgTotals = await b.admin<{ spendReport: Array<{ cost: number; requests: number; totalTokens: number }> }>(
        'query($v: String) { spendReport(dimension: "org", value: $v) { cost requests totalTokens } }',
        { v: ids.orgA },
      );
      expectTotals(await orgAdmin.until(1), {
        totalSpend: orgTotals.spendReport[0]!.cost,
        totalRequests: orgTotals.spendReport[0]!.requests,
        totalTokens: orgTotals.spendReport[0]!.totalTokens,
      });
      expectTotals(await alice.until(1), await reported('key', ids.aliceKey));
      await sleep(THROTTLE_MS + 300);
      expect(aliceAsksForTeamB.items).toEqual([]);
      expect(viewer.items).toEqual([]);
    } finally {
      await Promise.all([orgAdmin, alice, aliceAsksForTeamB, viewer].map((s) => s.close()));
    }
  });

  it('should carry a batch too large for one notification in several, counted once', async () => {
    // Control characters take six bytes each as JSON escapes: the worst case for the notification's size.
    const long = (i: number) => `long-model-${i}-${'\u0001'.repeat(180)}`;
    const all = await live(b, b.masterKey);
    const oneModel = await live(b, b.masterKey, { model: long(7) });
    try {
      const before = await summary();
      // 100 groups of over 1 KB each: many notifications, all sent when the batch commits.
      await ingest(Array.from({ length: 100 }, (_, i) => forTeamA(0.01, { model: long(i) })));
      // The notifications may arrive on either side of a message; together they count the batch once.
      const deadline = Date.now() + 3 * THROTTLE_MS;
      while (all.items.at(-1)?.totalRequests !== before.totalRequests + 100 && Date.now() < deadline) await sleep(10);
      expectTotals(all.items.at(-1)!, { ...before, totalRequests: before.totalRequests + 100, totalTokens: before.totalTokens + 1000, totalSpend: before.totalSpend + 1 });
      expect(all.items.reduce((n, item) => n + item.batchRequests, 0)).toBe(100);
      expect(await oneModel.until(1)).toMatchObject({ totalRequests: 1, batchRequests: 1 });
      await sleep(THROTTLE_MS + 100);
      expect(all.items.at(-1)!.totalRequests).toBe(before.totalRequests + 100);
      expect(oneModel.items).toHaveLength(1);
    } finally {
      await Promise.all([all.close(), oneModel.close()]);
    }
  });

  it('should refuse the data-plane credential', async () => {
    const client = b.ws(b.dataPlaneToken);
    try {
      const sub = subscribe(client, 'subscription { spendUpdated { totalSpend } }');
      expect(JSON.stringify(await sub.error())).toContain('FORBIDDEN');
    } finally {
      await client.dispose();
    }
  });

  it('should catch up from the database when its LISTEN connection was lost', async () => {
    const sub = await live(b, b.masterKey);
    try {
      const terminated = await a.orm.em.fork().execute<Array<{ pid: number }>>(
        `select pid, pg_terminate_backend(pid) from pg_stat_activity
         where application_name = 'tollgate-spend-listener' and datname = current_database()`,
      );
      expect(terminated).toHaveLength(2); // one per replica
      await waitForLog(b, 'warn LISTEN connection to PostgreSQL lost; reconnecting');
      // Ingested while B is not listening: its notification is lost, and B's subscriber hears nothing …
      await ingest([forTeamA(0.75)]);
      await sleep(300);
      expect(sub.items).toEqual([]);
      // … until B reconnects and reads the totals again.
      const update = await sub.until(1, 3_000);
      expect(update).toMatchObject({ batchRequests: 1, batchSpend: 0.75 });
      expectTotals(update, await summary());
    } finally {
      await sub.close();
    }
  });
});

async function waitForLog(cp: TestControlPlane, prefix: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cp.logger.lines.some((l) => l.startsWith(prefix))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the log line "${prefix}"`);
    await sleep(10);
  }
}

import { randomUUID } from 'node:crypto';
import type { UsageEventInput } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { roundTrip, startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';

let db: TestDatabase;
let cp: TestControlPlane;
let teamId: string;
let keyId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
  const { createTeam } = await cp.admin<{ createTeam: { id: string } }>('mutation { createTeam(input: { name: "usage" }) { id } }');
  teamId = createTeam.id;
  const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>(
    'mutation($t: ID) { createKey(input: { teamId: $t }) { virtualKey { id } } }',
    { t: teamId },
  );
  keyId = createKey.virtualKey.id;
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

function usageEvent(overrides: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    requestId: `req-${randomUUID()}`,
    keyId,
    teamId,
    model: 'mock-gpt',
    modelId: null,
    provider: 'mock',
    route: '/v1/chat/completions',
    stream: false,
    status: 'success',
    httpStatus: 200,
    promptTokens: 100,
    completionTokens: 50,
    totalTokens: 150,
    cost: 0.0002,
    startedAt: new Date().toISOString(),
    durationMs: 12.5,
    dataPlaneId: 'dp-test',
    ...overrides,
  };
}

interface Ack {
  ingestUsage: { acknowledged: string[]; rejected: Array<{ requestId: string | null; reason: string }> };
}
const INGEST = 'mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged rejected { requestId reason } } }';

async function ingest(events: unknown[]): Promise<Ack['ingestUsage']> {
  const res = await cp.gql<Ack>(INGEST, { events }, cp.dataPlaneToken);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return (res.data as Ack).ingestUsage;
}

const spendOf = async () => {
  const data = await cp.admin<{ keys: Array<{ id: string; spend: number }>; teams: Array<{ id: string; spend: number }>; spendSummary: { totalSpend: number; totalRequests: number; totalTokens: number } }>(
    '{ keys { id spend } teams { id spend } spendSummary { totalSpend totalRequests totalTokens } }',
  );
  return {
    key: data.keys.find((k) => k.id === keyId)?.spend,
    team: data.teams.find((t) => t.id === teamId)?.spend,
    summary: data.spendSummary,
  };
};

describe('ingestUsage', () => {
  it('should count a batch once, however often it is delivered', async () => {
    const before = await spendOf();
    const batch = [usageEvent({ cost: 0.25 }), usageEvent({ cost: 0.5, stream: true, ttftMs: 3 })];
    const ids = batch.map((e) => e.requestId);

    expect(await ingest(batch)).toEqual({ acknowledged: ids, rejected: [] });
    expect(await ingest(batch)).toEqual({ acknowledged: ids, rejected: [] }); // a redelivery after a lost ack

    const after = await spendOf();
    expect(after.key).toBeCloseTo((before.key ?? 0) + 0.75, 9);
    expect(after.team).toBeCloseTo((before.team ?? 0) + 0.75, 9);
    expect(after.summary.totalSpend).toBeCloseTo(before.summary.totalSpend + 0.75, 9);
    expect(after.summary.totalRequests).toBe(before.summary.totalRequests + 2);
    expect(after.summary.totalTokens).toBe(before.summary.totalTokens + 300);

    const { spendLogs } = await cp.admin<{ spendLogs: Array<{ requestId: string }> }>(
      'query($k: ID) { spendLogs(keyId: $k, limit: 500) { requestId keyId teamId model stream ttftMs cost startedAt } }',
      { k: keyId },
    );
    expect(spendLogs.filter((l) => ids.includes(l.requestId))).toHaveLength(2);
  });

  it('should acknowledge a partly new batch in full and add only the new part', async () => {
    const old = usageEvent({ cost: 1 });
    await ingest([old]);
    const before = await spendOf();
    const fresh = usageEvent({ cost: 2 });
    expect((await ingest([old, fresh, fresh])).acknowledged).toEqual([old.requestId, fresh.requestId]);
    expect((await spendOf()).key).toBeCloseTo((before.key ?? 0) + 2, 9);
  });

  it('should reject malformed events with a reason and still write the rest', async () => {
    const good = usageEvent();
    const ack = await ingest([good, { ...usageEvent(), requestId: 'bad-tokens', promptTokens: -1 }, 'nonsense']);
    expect(ack.acknowledged).toEqual([good.requestId]);
    expect(ack.rejected).toEqual([
      { requestId: 'bad-tokens', reason: expect.stringContaining('promptTokens') },
      { requestId: null, reason: expect.any(String) },
    ]);
  });

  it('should record usage for keys it does not know without failing the batch', async () => {
    const stray = usageEvent({ keyId: 'not-a-key', teamId: null });
    expect((await ingest([stray])).acknowledged).toEqual([stray.requestId]);
  });

  it('should keep the daily roll-up equal to the ledger, one row per day, key, team and model', async () => {
    const connection = cp.orm.em.fork().getConnection();
    const fromLedger = await connection.execute(
      `select (started_at at time zone 'UTC')::date::text as day, key_id, team_id, model,
              count(*)::int as requests, sum(total_tokens)::int as tokens, sum(cost)::text as cost
         from spend_log group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
    );
    const fromRollUp = await connection.execute<Array<{ key_id: string }>>(
      `select day::text as day, key_id, team_id, model, requests::int as requests, total_tokens::int as tokens,
              cost::text as cost
         from spend_daily order by 1, 2, 3, 4`,
    );
    expect(fromRollUp).toEqual(fromLedger);
    expect(fromRollUp.filter((r: { key_id: string }) => r.key_id === keyId)).toHaveLength(1);
  });

  it('should list spend logs newest first and validate the limit', async () => {
    const older = usageEvent({ startedAt: new Date(Date.now() - 60_000).toISOString() });
    const newer = usageEvent({ startedAt: new Date(Date.now() + 60_000).toISOString() });
    await ingest([older, newer]);
    const { spendLogs } = await cp.admin<{ spendLogs: Array<{ requestId: string }> }>('{ spendLogs(limit: 2) { requestId } }');
    expect(spendLogs[0]?.requestId).toBe(newer.requestId);
    const tooMany = await cp.gql('{ spendLogs(limit: 501) { requestId } }', {}, cp.masterKey);
    expect(tooMany.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', fieldErrors: { limit: [expect.any(String)] } });
  });
});

describe('spendUpdated', () => {
  it('should tell admin subscribers about batches that wrote new rows, and only those', async () => {
    const client = cp.ws(cp.masterKey);
    try {
      type Update = { spendUpdated: { totalSpend: number; totalRequests: number; totalTokens: number; batchSpend: number; batchRequests: number; at: string } };
      const sub = subscribe<Update>(client, 'subscription { spendUpdated { totalSpend totalRequests totalTokens batchSpend batchRequests at } }');
      await roundTrip(client);
      const before = (await spendOf()).summary;

      const batch = [usageEvent({ cost: 0.125 }), usageEvent({ cost: 0.125 })];
      await ingest(batch);
      const { spendUpdated } = await sub.next();
      expect(spendUpdated).toMatchObject({ batchRequests: 2, totalRequests: before.totalRequests + 2 });
      expect(spendUpdated.batchSpend).toBeCloseTo(0.25, 9);
      expect(spendUpdated.totalSpend).toBeCloseTo(before.totalSpend + 0.25, 9);
      expect(new Date(spendUpdated.at).getTime()).not.toBeNaN();

      await ingest(batch); // duplicates: nothing new, no message
      await ingest([usageEvent({ cost: 1 })]);
      expect((await sub.next()).spendUpdated).toMatchObject({ batchRequests: 1, batchSpend: 1 });
      expect(sub.items).toHaveLength(2);
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });
});

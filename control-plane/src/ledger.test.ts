import { randomUUID } from 'node:crypto';
import type { UsageEventInput } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, type TestControlPlane } from './testing/harness.js';

let db: TestDatabase;
let cp: TestControlPlane;
let keyId: string;

function event(overrides: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    requestId: randomUUID(),
    keyId,
    teamId: null,
    model: 'claude-sonnet-4',
    modelId: 'sonnet-eu',
    provider: 'anthropic',
    route: '/v1/messages',
    stream: true,
    status: 'success',
    httpStatus: 200,
    promptTokens: 1200,
    completionTokens: 300,
    totalTokens: 1500,
    cost: '0.000100000000',
    startedAt: '2026-11-20T10:00:00.000Z',
    durationMs: 800,
    dataPlaneId: 'dp-test',
    ...overrides,
  };
}

async function ingest(events: UsageEventInput[]): Promise<void> {
  const res = await cp.gql<{ ingestUsage: { rejected: unknown[] } }>(
    'mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged rejected { reason } } }',
    { events },
    cp.dataPlaneToken,
  );
  if (res.errors || res.data!.ingestUsage.rejected.length > 0) throw new Error(JSON.stringify(res.errors ?? res.data));
}

async function logEntry(requestId: string) {
  const { requestLog } = await cp.admin<{ requestLog: { entries: Array<Record<string, unknown>> } }>(
    `query($id: String) { requestLog(filter: { requestId: $id }, first: 1) { entries {
      cost promptTokens completionTokens totalTokens cacheReadTokens cacheWriteTokens reasoningTokens estimated } } }`,
    { id: requestId },
  );
  return requestLog.entries[0];
}

/** A decimal string with 12 places as an integer count of 10^-12 USD, for exact arithmetic in the test. */
const picos = (cost: string) => BigInt(cost.replace('.', ''));
const fromPicos = (n: bigint) => `${n / 10n ** 12n}.${String(n % 10n ** 12n).padStart(12, '0')}`;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
  keyId = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation { createKey(input: { alias: "ledger" }) { virtualKey { id } } }')).createKey.virtualKey.id;
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe('the ledger', () => {
  it('records every cost component of a request, and its cost to the twelfth decimal place', async () => {
    // 17 significant digits: a double would read it as 99999.99999999999.
    const exact = event({ cost: '99999.999999999999', cacheReadTokens: 1000, cacheWriteTokens: 150, reasoningTokens: 120, estimated: true });
    const small = event({ cost: '0.000123456789' });
    await ingest([exact, small]);
    expect(await logEntry(exact.requestId)).toEqual({
      cost: '99999.999999999999',
      promptTokens: 1200,
      completionTokens: 300,
      totalTokens: 1500,
      cacheReadTokens: 1000,
      cacheWriteTokens: 150,
      reasoningTokens: 120,
      estimated: true,
    });
    // Events from data planes that send neither the components nor a string cost still count.
    expect(await logEntry(small.requestId)).toMatchObject({ cost: '0.000123456789', cacheReadTokens: 0, reasoningTokens: 0, estimated: false });
    const old = event({ cost: 0.1 });
    await ingest([old]);
    expect(await logEntry(old.requestId)).toMatchObject({ cost: '0.100000000000' });
  });

  it('adds costs exactly over many batches, into the key, the roll-ups and the daily totals', async () => {
    const key = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation { createKey(input: { alias: "sums" }) { virtualKey { id } } }')).createKey.virtualKey.id;
    const batches = Array.from({ length: 10 }, (_, b) =>
      Array.from({ length: 100 }, (_, i) =>
        event({
          keyId: key,
          // Costs a double cannot hold, whose float sum would drift in the last places.
          cost: `${1000 + i}.${String(b * 100 + i).padStart(3, '0')}000000001`,
          startedAt: `2026-11-${10 + (b % 3)}T12:00:00.000Z`,
          cacheReadTokens: i,
          cacheWriteTokens: 2,
          reasoningTokens: b,
        }),
      ),
    );
    for (const batch of batches) await ingest(batch);
    const events = batches.flat();
    const expected = fromPicos(events.reduce((sum, e) => sum + picos(e.cost as string), 0n));

    const sql = (statement: string) => cp.orm.em.fork().execute<Array<{ cost: string }>>(statement, [key]);
    expect(await sql('select "spend"::text as "cost" from "virtual_key" where "id" = ?')).toEqual([{ cost: expected }]);
    expect(await sql(`select sum("cost")::text as "cost" from "spend_rollup" where "dimension" = 'key' and "value" = ?`)).toEqual([{ cost: expected }]);
    expect(await sql('select sum("cost")::text as "cost" from "spend_daily" where "key_id" = ?')).toEqual([{ cost: expected }]);

    const { spendReport } = await cp.admin<{ spendReport: Array<Record<string, number>> }>(
      `query($k: String) { spendReport(dimension: "key", value: $k) { requests promptTokens cacheReadTokens cacheWriteTokens reasoningTokens cost } }`,
      { k: key },
    );
    expect(spendReport).toEqual([
      {
        requests: 1000,
        promptTokens: 1_200_000,
        cacheReadTokens: 10 * (99 * 100) / 2,
        cacheWriteTokens: 2000,
        reasoningTokens: 100 * 45,
        cost: Number(expected),
      },
    ]);
  });

  it('never lets one event PostgreSQL would refuse hold back the others: mended, or rejected alone', async () => {
    const good = event();
    // A NUL in the model name and half a surrogate pair in a tag (any client can send them): jsonb refuses both.
    const mended = event({ model: 'gpt\u0000x', tags: ['team-\ud800'], endUser: 'u\udc00', metadata: { 'k\u0000': 'v\u0000' } });
    // Past a column's range: refused by the schema, or by PostgreSQL itself (year 0), alone.
    const huge = event({ promptTokens: 3_000_000_000 });
    const yearZero = event({ startedAt: '0000-01-01T00:00:00Z' });
    const after = event();
    const res = await cp.gql<{ ingestUsage: { acknowledged: string[]; rejected: Array<{ requestId: string; reason: string }> } }>(
      'mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged rejected { requestId reason } } }',
      { events: [good, mended, huge, yearZero, after] },
      cp.dataPlaneToken,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.ingestUsage.acknowledged.sort()).toEqual([good.requestId, mended.requestId, after.requestId].sort());
    expect(res.data!.ingestUsage.rejected.map((r) => r.requestId).sort()).toEqual([huge.requestId, yearZero.requestId].sort());
    expect(res.data!.ingestUsage.rejected.find((r) => r.requestId === yearZero.requestId)!.reason).toMatch(/the spend log refused it: .*out of range/);
    const { requestLog } = await cp.admin<{ requestLog: { entries: Array<{ model: string; tags: string[]; endUser: string }> } }>(
      'query($id: String) { requestLog(filter: { requestId: $id }, first: 1) { entries { model tags endUser } } }',
      { id: mended.requestId },
    );
    expect(requestLog.entries[0]).toMatchObject({ model: 'gpt\ufffdx', endUser: 'u\ufffd' });
    expect(requestLog.entries[0]!.tags).toContain('team-\ufffd');
    expect(await logEntry(after.requestId)).toBeDefined();
  });

  it("counts a request that reaches the ledger after its budget period ended in that period, not the current one", async () => {
    const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation { createKey(input: { alias: "late", maxBudget: 10, budgetDuration: "1d" }) { virtualKey { id } } }');
    const id = createKey.virtualKey.id;
    // The current day began an hour ago.
    await cp.orm.em.fork().execute(`update "virtual_key" set "budget_reset_at" = now() + interval '23 hours' where "id" = ?`, [id]);
    const spend = async () => Number((await cp.orm.em.fork().execute<Array<{ spend: string }>>(`select "spend"::text as "spend" from "virtual_key" where "id" = ?`, [id]))[0]!.spend);
    const late = event({ keyId: id, cost: '2.000000000000', startedAt: new Date(Date.now() - 3 * 3_600_000).toISOString() });
    const current = event({ keyId: id, cost: '0.500000000000', startedAt: new Date(Date.now() - 60_000).toISOString() });
    await ingest([late, current]);
    expect(await spend()).toBeCloseTo(0.5, 9);
    // Both are in the ledger all the same.
    expect(await logEntry(late.requestId)).toMatchObject({ cost: '2.000000000000' });
  });
});

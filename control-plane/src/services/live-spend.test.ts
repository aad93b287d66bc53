import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MASTER_PRINCIPAL, Role, type Principal } from '../auth/roles.js';
import { silentLogger } from '../logger.js';
import { LiveSpend, type ReadTotals, type SpendUpdate, type TotalsReader } from './live-spend.js';

// The hub on its own, with reads of the totals the test answers by hand, so the order of reads, snapshots and
// notifications is exact. live-spend.test.ts beside src/ runs it against PostgreSQL across two replicas.

const THROTTLE_MS = 1000;

/** Each read waits for the test to answer it with totals and a snapshot (`xmin:xmax:running`). */
function manualReads() {
  const waiting: Array<(answer: { totals: ReadTotals; snapshot: string }) => void> = [];
  const read: TotalsReader = () => new Promise((resolve) => waiting.push(resolve));
  return {
    read,
    get pending() {
      return waiting.length;
    },
    answer(totalSpend: number | string, totalRequests: number, snapshot: string) {
      const next = waiting.shift();
      if (!next) throw new Error('no read is waiting');
      next({ totals: { totalSpend, totalRequests, totalTokens: totalRequests * 10 }, snapshot });
    },
  };
}

/** A notification of one batch: its transaction id and one group per [team, key, cost, requests]. */
function batch(xid: number, groups: Array<[team: string | null, key: string, cost: number | string, requests: number]>, org: string | null = null, owner: string | null = null): string {
  return JSON.stringify({ x: String(xid), g: groups.map(([team, key, cost, requests]) => [org, team, key, owner, 'gpt-4o', cost, requests, requests * 10]) });
}

/** A consumer that takes every message as it comes; `drain()` hands over those not yet handed over. */
function consume(stream: AsyncIterableIterator<SpendUpdate, undefined>) {
  const got: SpendUpdate[] = [];
  void (async () => {
    for await (const update of stream) got.push(update);
  })();
  return {
    async drain(): Promise<SpendUpdate[]> {
      await new Promise((resolve) => setImmediate(resolve));
      return got.splice(0);
    },
  };
}

let reads: ReturnType<typeof manualReads>;
let hub: LiveSpend;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  reads = manualReads();
  hub = new LiveSpend(reads.read, silentLogger, { throttleMs: THROTTLE_MS });
});
afterEach(() => {
  hub.close();
  vi.useRealTimers();
});

async function settle(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('LiveSpend', () => {
  it('should skip a batch the totals already include, though its notification came while they were read', async () => {
    const stream = consume(hub.subscribe(MASTER_PRINCIPAL, {}));
    hub.notify(batch(100, [[null, 'k1', 1, 1]])); // committed before the read's snapshot: in the totals
    reads.answer(5, 5, '101:101:');
    await settle();
    expect(await stream.drain()).toEqual([]);

    hub.notify(batch(100, [[null, 'k1', 1, 1]])); // and heard again later: still in the totals
    hub.notify(batch(101, [[null, 'k1', 2, 1]]));
    await settle();
    expect(await stream.drain()).toEqual([expect.objectContaining({ totalSpend: 7, totalRequests: 6, totalTokens: 60, batchSpend: 2, batchRequests: 1 })]);
  });

  it("should keep totals exact to the ledger's digits, however many batches add to them", async () => {
    const stream = consume(hub.subscribe(MASTER_PRINCIPAL, {}));
    reads.answer('3.309303068531', 1, '100:100:');
    await settle();
    // Ten thousand requests of $0.000012716047 each, as the ledger's numeric text: summed as doubles they drift to
    // 0.12716047000000008 past the total every report gives.
    for (let xid = 100; xid < 10_100; xid++) hub.notify(batch(xid, [[null, 'k1', '0.000012716047', 1]]));
    await settle(THROTTLE_MS);
    const last = (await stream.drain()).at(-1);
    expect(last).toMatchObject({ totalSpend: 3.436463538531, totalRequests: 10_001, batchSpend: 0.12716047 });
  });

  it('should count a batch that was still running when the totals were read', async () => {
    const stream = consume(hub.subscribe(MASTER_PRINCIPAL, {}));
    hub.notify(batch(100, [[null, 'k1', 1, 1]])); // heard during the read, but running at its snapshot
    reads.answer(5, 5, '99:103:100,102');
    await settle();
    hub.notify(batch(102, [[null, 'k1', 0.5, 1]])); // running too, heard after the read
    hub.notify(batch(98, [[null, 'k1', 9, 9]])); // finished before the snapshot
    await settle(THROTTLE_MS);
    const [first, second, ...rest] = await stream.drain();
    expect(first).toMatchObject({ totalSpend: 6, totalRequests: 6, batchSpend: 1, batchRequests: 1 });
    expect(second).toMatchObject({ totalSpend: 6.5, totalRequests: 7, batchSpend: 0.5, batchRequests: 1 });
    expect(rest).toEqual([]);
  });

  it('should send at most one message per throttle window, with the latest totals', async () => {
    const stream = consume(hub.subscribe(MASTER_PRINCIPAL, {}));
    reads.answer(0, 0, '10:10:');
    await settle();
    hub.notify(batch(10, [[null, 'k1', 1, 1]]));
    await settle();
    expect(await stream.drain()).toEqual([expect.objectContaining({ totalRequests: 1 })]); // the first goes at once

    for (let xid = 11; xid < 61; xid += 1) {
      hub.notify(batch(xid, [[null, 'k1', 1, 1]]));
      await settle(4);
    }
    expect(await stream.drain()).toEqual([]); // 200 ms into the window: nothing yet
    await settle(THROTTLE_MS);
    expect(await stream.drain()).toEqual([expect.objectContaining({ totalSpend: 51, totalRequests: 51, batchRequests: 50 })]);
    await settle(5 * THROTTLE_MS);
    expect(await stream.drain()).toEqual([]);
  });

  it('should replace a message the consumer has not taken, never queue them', async () => {
    const stream = hub.subscribe(MASTER_PRINCIPAL, {});
    reads.answer(0, 0, '10:10:');
    await settle();
    for (let xid = 10; xid < 15; xid += 1) {
      hub.notify(batch(xid, [[null, 'k1', 1, 1]]));
      await settle(THROTTLE_MS);
    }
    // Five windows went by unread: one message, covering all five batches, and nothing behind it.
    expect((await stream.next()).value).toMatchObject({ totalRequests: 5, batchRequests: 5 });
    hub.notify(batch(15, [[null, 'k1', 1, 1]]));
    await settle(THROTTLE_MS);
    expect((await stream.next()).value).toMatchObject({ totalRequests: 6, batchRequests: 1 });
  });

  it('should send only what matches its filters and its role', async () => {
    // Team ids, as the filter takes them (ids, not names).
    const team = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    const [T1, T2, T9] = [team(1), team(2), team(9)];
    const teamAdmin: Principal = { role: Role.InternalUser, credential: 'session', userId: 'u1', orgId: 'o1', teams: new Map([[T1, 'admin'], [T2, 'member']]), readOnly: false };
    const byTeam = consume(hub.subscribe(MASTER_PRINCIPAL, { teamId: T2 }));
    const own = consume(hub.subscribe(teamAdmin, {}));
    const ownInT2 = consume(hub.subscribe(teamAdmin, { teamId: T2 }));
    const orgAdmin = consume(hub.subscribe({ ...teamAdmin, role: Role.OrgAdmin, teams: new Map() }, {}));
    for (let i = 0; i < 4; i += 1) reads.answer(0, 0, '10:10:');
    await settle();

    hub.notify(batch(10, [[T1, 'k1', 1, 1], [T2, 'k2', 2, 1], [null, 'k3', 4, 1]], 'o1'));
    hub.notify(batch(11, [[T2, 'k4', 8, 1]], 'o1', 'u1')); // a key of Alice's in a team she only belongs to
    hub.notify(batch(12, [[T9, 'k9', 16, 1]], 'o2'));
    await settle();
    const totals = async (stream: ReturnType<typeof consume>) => (await stream.drain()).at(-1)?.totalSpend;
    expect(await totals(byTeam)).toBe(10);
    expect(await totals(own)).toBe(9); // her team t1's keys, and her own key
    expect(await totals(ownInT2)).toBe(8);
    expect(await totals(orgAdmin)).toBe(15);
  });

  it('should refuse a caller who sees no spend at all', () => {
    const orphanOrgAdmin: Principal = { role: Role.OrgAdmin, credential: 'session', userId: 'u1', orgId: null, teams: new Map(), readOnly: false };
    expect(() => hub.subscribe(orphanOrgAdmin, {})).toThrow(expect.objectContaining({ extensions: { code: 'FORBIDDEN' } }));
  });

  it('should read the totals again when notifications may have been lost, and send what it missed', async () => {
    const stream = consume(hub.subscribe(MASTER_PRINCIPAL, {}));
    reads.answer(5, 5, '10:10:');
    await settle();
    hub.listening(); // LISTEN was re-established: batch 10 was committed meanwhile and never heard
    hub.notify(batch(11, [[null, 'k1', 1, 1]])); // heard during the new read, which saw it
    expect(reads.pending).toBe(1);
    reads.answer(7, 7, '12:12:');
    await settle();
    expect(await stream.drain()).toEqual([expect.objectContaining({ totalSpend: 7, totalRequests: 7, batchSpend: 2, batchRequests: 2 })]);
  });

  it('should end the stream when its totals cannot be read', async () => {
    const failing = new LiveSpend(() => Promise.reject(new Error('database down')), silentLogger, { throttleMs: THROTTLE_MS });
    const stream = failing.subscribe(MASTER_PRINCIPAL, {});
    await expect(stream.next()).rejects.toThrow('Live spend is unavailable; subscribe again.');
  });
});

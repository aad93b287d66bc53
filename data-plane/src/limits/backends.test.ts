import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  TEST_REDIS_URL,
  admitInput,
  admitMany,
  deleteKeys,
  sleep,
  testBudget,
  testKeyPrefix,
  testSubject,
} from '../test-support/limits.js';
import { LocalLimiter } from './local-limiter.js';
import { RedisLimiter } from './redis-limiter.js';
import type { AdmitResult, LimiterBackend, Refusal, Ticket } from './types.js';

/**
 * The contract every limiter backend keeps, run against each: `RedisLimiter` on the real Redis (one instance here;
 * `redis-limiter.test.ts` runs several processes against one Redis) and `LocalLimiter`. Time is real: Redis keeps
 * its own clock.
 */
const prefix = testKeyPrefix();
afterAll(() => deleteKeys(prefix));

const backends = [
  { name: 'RedisLimiter', create: (leaseMs?: number) => new RedisLimiter(new Redis(TEST_REDIS_URL), { keyPrefix: prefix, leaseMs }) },
  { name: 'LocalLimiter', create: (leaseMs?: number) => new LocalLimiter({ leaseMs }) },
];

const admitted = (results: AdmitResult[]) => results.filter((r): r is Extract<AdmitResult, { ok: true }> => r.ok);
const refusals = (results: AdmitResult[]) => results.flatMap((r) => (r.ok ? [] : [r.refusal]));
const refusalOf = (result: AdmitResult): Refusal => {
  if (result.ok) throw new Error('expected a refusal');
  return result.refusal;
};
const ticketOf = (result: AdmitResult): Ticket => {
  if (!result.ok) throw new Error(`expected an admission, got a ${result.refusal.kind} refusal`);
  return result.ticket;
};
const USD = 1_000_000_000n;

describe.each(backends)('$name', ({ name, create }) => {
  let opened: LimiterBackend[] = [];
  const limiter = (leaseMs?: number) => {
    const backend = create(leaseMs);
    opened.push(backend);
    return backend;
  };
  afterEach(async () => {
    await Promise.all(opened.map((b) => b.close()));
    opened = [];
  });

  describe('requests per minute', () => {
    it('admits exactly rpm requests of a burst, then refuses naming the limit and when one more fits', async () => {
      const l = limiter();
      const key = testSubject({ rpm: 60 });
      const results = await admitMany(l, 200, () => admitInput([key]));
      const ok = admitted(results);
      expect(ok).toHaveLength(60);
      // Each admission counted once, in some order: the remaining counts are 59 down to 0.
      expect(ok.map((r) => r.status.requests!.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      for (const refusal of refusals(results)) {
        expect(refusal).toMatchObject({ kind: 'rpm', limit: '60', retryAfterSeconds: 1 });
        expect(refusal.subject.id).toBe(key.id);
      }
      expect(results.find((r) => !r.ok)!.status.requests).toMatchObject({ limit: 60, remaining: 0 });
    });

    it('lets one burst through, then only the rate: no second burst at any window edge (GCRA)', async () => {
      const l = limiter();
      const key = testSubject({ rpm: 60 });
      expect(admitted(await admitMany(l, 60, () => admitInput([key])))).toHaveLength(60);
      // A fixed-window counter would admit another 60 as soon as its minute turned; one request per second is due.
      await sleep(2_300);
      const later = await admitMany(l, 60, () => admitInput([key]));
      expect(admitted(later)).toHaveLength(2);
      expect(refusals(later)[0]).toMatchObject({ kind: 'rpm', retryAfterSeconds: 1 });
    });

    it('tells how long until the next request conforms, and when the window is empty again', async () => {
      const l = limiter();
      const key = testSubject({ rpm: 2 });
      await l.admit(admitInput([key]));
      const second = await l.admit(admitInput([key]));
      expect(second.status.requests).toMatchObject({ limit: 2, remaining: 0 });
      expect(second.status.requests!.resetMs).toBeGreaterThan(59_000);
      expect(second.status.requests!.resetMs).toBeLessThanOrEqual(60_000);
      expect(refusalOf(await l.admit(admitInput([key])))).toMatchObject({ kind: 'rpm', limit: '2', retryAfterSeconds: 30 });
    });

    it('keeps what a window used when an admin changes its limit: raised, the rest is free at once; lowered, a window at most', async () => {
      const l = limiter();
      const tight = testSubject({ rpm: 2 });
      expect(admitted(await admitMany(l, 5, () => admitInput([tight])))).toHaveLength(2);
      // The same subject raised to 10: its 2 requests stay counted, and 8 more go through now.
      const raised = { ...tight, rpm: 10 };
      const after = await admitMany(l, 12, () => admitInput([raised]));
      expect(admitted(after)).toHaveLength(8);
      expect(refusals(after)[0]).toMatchObject({ kind: 'rpm', limit: '10', retryAfterSeconds: 6 });
      // Lowered to 3 with 10 used: full, and the next request conforms after a third of a minute, not 10 of them.
      const lowered = { ...tight, rpm: 3 };
      expect(refusalOf(await l.admit(admitInput([lowered])))).toMatchObject({ kind: 'rpm', limit: '3', retryAfterSeconds: 20 });
    });
  });

  describe('tokens per minute', () => {
    it('admits exactly as many reservations as the limit holds', async () => {
      const l = limiter();
      const key = testSubject({ tpm: 1_000 });
      const results = await admitMany(l, 50, () => admitInput([key], { reserveTokens: 100 }));
      const ok = admitted(results);
      expect(ok).toHaveLength(10);
      expect(ok.map((r) => r.status.tokens!.remaining).sort((a, b) => a - b)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
      // 100 tokens at 1,000 a minute take 6 s to drain.
      expect(refusals(results)[0]).toMatchObject({ kind: 'tpm', limit: '1000', retryAfterSeconds: 6 });
    });

    it('refuses for good a reservation bigger than the limit itself, reserving nothing', async () => {
      const l = limiter();
      const key = testSubject({ tpm: 1_000 });
      expect(refusalOf(await l.admit(admitInput([key], { reserveTokens: 1_001 })))).toMatchObject({ kind: 'tpm', retryAfterSeconds: null });
      expect((await l.admit(admitInput([key], { reserveTokens: 1_000 }))).ok).toBe(true);
    });

    it('gives back tokens a request did not use when it settles', async () => {
      const l = limiter();
      const key = testSubject({ tpm: 1_000 });
      const [a, b] = admitted(await admitMany(l, 3, () => admitInput([key], { reserveTokens: 500 })));
      await l.settle(a!.ticket, { tokens: 100, nanos: 0n, nowMs: Date.now() });
      expect(admitted(await admitMany(l, 10, () => admitInput([key], { reserveTokens: 100 })))).toHaveLength(4);
      await l.settle(b!.ticket, { tokens: 0, nanos: 0n, nowMs: Date.now() });
      expect(admitted(await admitMany(l, 10, () => admitInput([key], { reserveTokens: 100 })))).toHaveLength(5);
    });

    it('never gives back tokens below an empty window', async () => {
      const l = limiter();
      const key = testSubject({ tpm: 60_000 }); // a token a millisecond
      const first = ticketOf(await l.admit(admitInput([key], { reserveTokens: 60_000 })));
      await sleep(500); // ~500 of its tokens have drained already
      await l.settle(first, { tokens: 0, nanos: 0n, nowMs: Date.now() });
      expect((await l.admit(admitInput([key], { reserveTokens: 60_000 }))).ok).toBe(true);
      // Had the refund gone 500 below empty, these 400 would fit now.
      expect(refusalOf(await l.admit(admitInput([key], { reserveTokens: 400 }))).kind).toBe('tpm');
    });

    it('counts tokens used beyond the reservation: a window in debt refuses until it has drained', async () => {
      const l = limiter();
      const key = testSubject({ tpm: 1_000 });
      const ticket = ticketOf(await l.admit(admitInput([key], { reserveTokens: 100 })));
      await l.settle(ticket, { tokens: 1_500, nanos: 0n, nowMs: Date.now() });
      // 1,500 used of 1,000: 500 over, plus 100 for the next request, at 60 ms a token.
      expect(refusalOf(await l.admit(admitInput([key], { reserveTokens: 100 })))).toMatchObject({ kind: 'tpm', retryAfterSeconds: 36 });
      expect(refusalOf(await l.admit(admitInput([key], { reserveTokens: 0 })))).toMatchObject({ kind: 'tpm', retryAfterSeconds: 30 });
    });
  });

  describe('requests in flight', () => {
    it('holds exactly the limit in flight, and admits more as they settle', async () => {
      const l = limiter();
      const key = testSubject({ parallel: 5 });
      const first = await admitMany(l, 50, () => admitInput([key]));
      expect(admitted(first)).toHaveLength(5);
      expect(refusals(first)[0]).toMatchObject({ kind: 'parallel', limit: '5', retryAfterSeconds: 1 });
      await Promise.all(admitted(first).slice(0, 2).map((r) => l.settle(r.ticket, { tokens: 0, nanos: 0n, nowMs: Date.now() })));
      expect(admitted(await admitMany(l, 50, () => admitInput([key])))).toHaveLength(2);
    });

    it('frees the slot of a request that never settles (its data plane died) when its lease ends', async () => {
      const l = limiter(300);
      // In Redis, the request's own data plane renews its lease while it lives: one of its own, which then dies. (In
      // process, the counters die with it: a request never settled is the case.)
      const holder = name === 'RedisLimiter' ? limiter(300) : l;
      const key = testSubject({ parallel: 1 });
      expect((await holder.admit(admitInput([key]))).ok).toBe(true);
      expect(refusalOf(await l.admit(admitInput([key]))).kind).toBe('parallel');
      if (holder !== l) await holder.close();
      await sleep(400);
      expect((await l.admit(admitInput([key]))).ok).toBe(true);
    });

    if (name === 'RedisLimiter') {
      it('keeps the slot of a request in flight on a live data plane past its lease, renewed (a long stream)', async () => {
        const l = limiter(300);
        const key = testSubject({ parallel: 1 });
        const first = await l.admit(admitInput([key]));
        await sleep(700);
        expect(refusalOf(await l.admit(admitInput([key]))).kind).toBe('parallel');
        await l.settle(ticketOf(first), { tokens: 0, nanos: 0n, nowMs: Date.now() });
        expect((await l.admit(admitInput([key]))).ok).toBe(true);
      });
    }
  });

  describe('budgets', () => {
    it('admits exactly the reservations that fit, and counts the actual costs exactly at settle', async () => {
      const l = limiter();
      const reserve = 1_000_000n; // $0.001
      const budget = testBudget(10n * reserve);
      const key = testSubject({ budget });
      const results = await admitMany(l, 50, () => admitInput([key], { reserveNanos: reserve }));
      const ok = admitted(results);
      expect(ok).toHaveLength(10);
      // While the ten are in flight the budget is taken by their reservations, not spent: a retry in a second may fit.
      expect(refusals(results)[0]).toEqual(expect.objectContaining({ kind: 'budget', limit: '0.01', spentNanos: 10n * reserve, reservedNanos: 10n * reserve, retryAfterSeconds: 1 }));

      // Actual costs a little off the estimates, both ways.
      const actuals = ok.map((_, i) => reserve + BigInt((i % 3) - 1) * 1_234n + BigInt(i));
      await Promise.all(ok.map((r, i) => l.settle(r.ticket, { tokens: 0, nanos: actuals[i]!, nowMs: Date.now() })));
      const spent = actuals.reduce((a, b) => a + b, 0n);
      // Settled, it is spent: nothing reserved, and no retry fits before the period ends.
      const refusal = refusalOf(await l.admit(admitInput([key], { reserveNanos: reserve })));
      expect(refusal.spentNanos).toBe(spent);
      expect(refusal.reservedNanos).toBeUndefined();
      expect(refusal.retryAfterSeconds).toBeGreaterThan(3_590);
      expect(refusal.retryAfterSeconds).toBeLessThanOrEqual(3_600);
    });

    it('tells what requests in flight reserved from what was spent, as they settle one by one', async () => {
      const l = limiter();
      const reserve = 4n * USD;
      const key = testSubject({ budget: testBudget(10n * USD) });
      const first = ticketOf(await l.admit(admitInput([key], { reserveNanos: reserve })));
      const second = ticketOf(await l.admit(admitInput([key], { reserveNanos: reserve })));
      expect(refusalOf(await l.admit(admitInput([key], { reserveNanos: reserve })))).toMatchObject({ spentNanos: 8n * USD, reservedNanos: 8n * USD, retryAfterSeconds: 1 });
      // The first cost $1 of its $4: room for another.
      await l.settle(first, { tokens: 0, nanos: USD, nowMs: Date.now() });
      const third = ticketOf(await l.admit(admitInput([key], { reserveNanos: reserve })));
      expect(refusalOf(await l.admit(admitInput([key], { reserveNanos: reserve })))).toMatchObject({ spentNanos: 9n * USD, reservedNanos: 8n * USD, retryAfterSeconds: 1 });
      // Each costs exactly its estimate (no correction to make): still released.
      await l.settle(second, { tokens: 0, nanos: reserve, nowMs: Date.now() });
      await l.settle(third, { tokens: 0, nanos: reserve, nowMs: Date.now() });
      // $9 spent, nothing reserved: $4 no longer fits until the period ends; $1 does.
      const spentOut = refusalOf(await l.admit(admitInput([key], { reserveNanos: reserve })));
      expect(spentOut).toMatchObject({ spentNanos: 9n * USD });
      expect(spentOut.reservedNanos).toBeUndefined();
      expect(spentOut.retryAfterSeconds).toBeGreaterThan(3_590);
      expect((await l.admit(admitInput([key], { reserveNanos: USD }))).ok).toBe(true);
    });

    it('overshoots by at most one estimate error when each request settles before the next is admitted', async () => {
      const l = limiter();
      const reserve = 1_000_000n;
      const error = 300_000n; // every request costs 30% more than its estimate
      const budget = testBudget(10_100_000n);
      const key = testSubject({ budget });
      let count = 0;
      for (;;) {
        const result = await l.admit(admitInput([key], { reserveNanos: reserve }));
        if (!result.ok) {
          // The eighth request was admitted at 9.1 of 10.1 and cost 1.3: over by exactly its estimate error.
          expect(result.refusal.spentNanos!).toBeGreaterThan(budget.maxNanos!);
          expect(result.refusal.spentNanos!).toBeLessThanOrEqual(budget.maxNanos! + error);
          break;
        }
        await l.settle(result.ticket, { tokens: 0, nanos: reserve + error, nowMs: Date.now() });
        count++;
      }
      expect(count).toBe(8);
    });

    it('starts each period at the seed from the config, and seeds a period only once', async () => {
      const l = limiter();
      const reserve = 100n;
      const id = testSubject().id;
      const inPeriod = (periodId: string, seedNanos: bigint) => testSubject({ id, budget: testBudget(1_000n, { periodId, seedNanos }) });
      expect((await l.admit(admitInput([inPeriod('a', 900n)], { reserveNanos: reserve }))).ok).toBe(true);
      expect(refusalOf(await l.admit(admitInput([inPeriod('a', 900n)], { reserveNanos: reserve })))).toMatchObject({ kind: 'budget', spentNanos: 1_000n });
      // The next period: a fresh counter, at its own seed.
      expect((await l.admit(admitInput([inPeriod('b', 0n)], { reserveNanos: reserve }))).ok).toBe(true);
      // A seed behind the counter (the control plane has not yet counted what this counter has) changes nothing.
      expect(refusalOf(await l.admit(admitInput([inPeriod('b', 50n)], { reserveNanos: 901n })))).toMatchObject({ spentNanos: 100n });
      // One ahead of it is spend the counter never saw (settled by a data plane counting on its own while Redis was
      // away): the counter catches up, and keeps it.
      expect(refusalOf(await l.admit(admitInput([inPeriod('b', 950n)], { reserveNanos: 51n })))).toMatchObject({ spentNanos: 950n });
      expect((await l.admit(admitInput([inPeriod('b', 0n)], { reserveNanos: 50n }))).ok).toBe(true);
      expect(refusalOf(await l.admit(admitInput([inPeriod('b', 0n)], { reserveNanos: 1n })))).toMatchObject({ spentNanos: 1_000n });
    });

    it('refuses for good when a budget that never resets is spent', async () => {
      const l = limiter();
      const key = testSubject({ budget: testBudget(USD, { periodId: 'all', periodEndMs: null, seedNanos: USD }) });
      expect(refusalOf(await l.admit(admitInput([key], { reserveNanos: 1n })))).toMatchObject({ kind: 'budget', limit: '1', retryAfterSeconds: null, spentNanos: USD });
    });
  });

  describe('several subjects', () => {
    it('admits all or nothing: a refusal by one subject reserves nothing on the others', async () => {
      const l = limiter();
      const key = testSubject({ rpm: 10, tpm: 1_000, parallel: 1, budget: testBudget(1_000n) });
      const team = testSubject({ kind: 'team', rpm: 1 });
      expect((await l.admit(admitInput([team]))).ok).toBe(true);
      for (let i = 0; i < 5; i++) {
        expect(refusalOf(await l.admit(admitInput([key, team], { reserveTokens: 900, reserveNanos: 900n }))).subject.id).toBe(team.id);
      }
      // Every limit of the key is untouched: a request taking all of it fits.
      const alone = await l.admit(admitInput([key], { reserveTokens: 1_000, reserveNanos: 1_000n }));
      expect(alone.ok).toBe(true);
      expect(alone.status.requests).toMatchObject({ limit: 10, remaining: 9 });
    });

    it('names the limit that clears last when several refuse', async () => {
      const l = limiter();
      const key = testSubject({ rpm: 1 });
      const team = testSubject({ kind: 'team', parallel: 1 });
      const org = testSubject({ kind: 'org', budget: testBudget(10n, { periodEndMs: Date.now() + 7_200_000, seedNanos: 10n }) });
      await l.admit(admitInput([key]));
      await l.admit(admitInput([team]));
      expect(refusalOf(await l.admit(admitInput([key, team, org], { reserveNanos: 1n })))).toMatchObject({ kind: 'budget', subject: { kind: 'org' } });
      expect(refusalOf(await l.admit(admitInput([team, key])))).toMatchObject({ kind: 'rpm', retryAfterSeconds: 60 });
      // Among limits that clear at the same moment, the first subject's.
      const end = Date.now() + 7_200_000;
      const a = testSubject({ budget: testBudget(10n, { periodEndMs: end, seedNanos: 10n }) });
      const b = testSubject({ kind: 'team', budget: testBudget(10n, { periodEndMs: end, seedNanos: 10n }) });
      expect(refusalOf(await l.admit(admitInput([a, b], { reserveNanos: 1n }))).subject.id).toBe(a.id);
      expect(refusalOf(await l.admit(admitInput([b, a], { reserveNanos: 1n }))).subject.id).toBe(b.id);
    });

    it('reports the tightest request window and token window among the subjects', async () => {
      const l = limiter();
      const key = testSubject({ rpm: 100, tpm: 10_000 });
      const team = testSubject({ kind: 'team', rpm: 10, tpm: 50_000 });
      const result = await l.admit(admitInput([key, team], { reserveTokens: 1_000 }));
      expect(result.status.requests).toEqual({ limit: 10, remaining: 9, resetMs: 6_000 });
      expect(result.status.tokens).toEqual({ limit: 10_000, remaining: 9_000, resetMs: 6_000 });
    });

    it('admits a request whose subjects have no limits without counting anything', async () => {
      const l = limiter();
      const key = testSubject({ budget: testBudget(0n, { maxNanos: null }) });
      const result = await l.admit(admitInput([key, testSubject({ kind: 'team' })], { reserveTokens: 10, reserveNanos: 10n }));
      expect(result).toMatchObject({ ok: true, status: { requests: null, tokens: null }, ticket: { subjects: [] } });
      await l.settle(ticketOf(result), { tokens: 20, nanos: 20n, nowMs: Date.now() });
    });

    it('keeps subjects apart whatever their ids hold', async () => {
      const l = limiter();
      const run = testSubject().id; // this run's own ids: Redis keeps the keys of earlier runs for a minute
      const long = `${run}${'u'.repeat(300)}`;
      const subjects = [
        testSubject({ kind: 'end_user', id: `${run}a:b`, rpm: 1 }),
        testSubject({ kind: 'end_user', id: `${run}a%3Ab`, rpm: 1 }),
        testSubject({ kind: 'end_user', id: `${run}a`, rpm: 1 }),
        testSubject({ kind: 'end_user', id: `${long}1`, rpm: 1 }),
        testSubject({ kind: 'end_user', id: `${long}2`, rpm: 1 }),
        testSubject({ kind: 'tag', id: `${run}a:b`, rpm: 1 }),
        testSubject({ kind: 'key_model', id: `${run}/gpt-4o:latest {x}\n#`, rpm: 1 }),
      ];
      for (const subject of subjects) expect((await l.admit(admitInput([subject]))).ok, subject.id).toBe(true);
      for (const subject of subjects) expect((await l.admit(admitInput([subject]))).ok, subject.id).toBe(false);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { admitInput, testBudget, testSubject } from '../test-support/limits.js';
import { BUDGET_GRACE_MS } from './admission.js';
import { LocalLimiter } from './local-limiter.js';

/** `LocalLimiter` on a clock the test moves (it times everything by `nowMs`); the shared contract is in backends.test.ts. */
describe('LocalLimiter', () => {
  const minute = Date.parse('2026-11-25T13:00:00Z');

  it('admits no second burst across a minute boundary, where a fixed window would admit twice the limit', async () => {
    const limiter = new LocalLimiter();
    const key = testSubject({ rpm: 60 });
    const burst = async (nowMs: number, n: number) => {
      let ok = 0;
      for (let i = 0; i < n; i++) if ((await limiter.admit(admitInput([key], { nowMs }))).ok) ok++;
      return ok;
    };
    expect(await burst(minute - 100, 60)).toBe(60);
    expect(await burst(minute + 100, 60)).toBe(0);
    expect(await burst(minute + 900, 60)).toBe(1);
    expect(await burst(minute + 59_900, 60)).toBe(59);
  });

  it('frees a parallel slot whose lease lapsed, oldest first, with slots settled out of order between', async () => {
    const limiter = new LocalLimiter({ leaseMs: 1_000 });
    const key = testSubject({ parallel: 3 });
    const admit = async (nowMs: number) => {
      const result = await limiter.admit(admitInput([key], { nowMs }));
      return result.ok ? result.ticket : undefined;
    };
    const a = await admit(minute);
    const b = await admit(minute + 100);
    expect([a, b, await admit(minute + 200)].every(Boolean)).toBe(true);
    expect(await admit(minute + 999)).toBeUndefined();
    // a's lease lapsed (it never settled): its slot is free.
    expect(await admit(minute + 1_050)).toBeDefined();
    // b settles (a slot from the middle of the set), one more fits; then the set is full again.
    await limiter.settle(b!, { tokens: 0, nanos: 0n, nowMs: minute + 1_100 });
    expect(await admit(minute + 1_150)).toBeDefined();
    expect(await admit(minute + 1_160)).toBeUndefined();
    // The third slot (taken at +200) lapses next.
    expect(await admit(minute + 1_250)).toBeDefined();
    expect(await admit(minute + 1_260)).toBeUndefined();
  });

  it('lets go of counters of idle subjects', async () => {
    const limiter = new LocalLimiter({ leaseMs: 120_000 });
    for (let i = 0; i < 1_000; i++) {
      await limiter.admit(admitInput([testSubject({ rpm: 10, tpm: 1_000, parallel: 1 })], { nowMs: minute, reserveTokens: 10 }));
    }
    const budget = testBudget(1_000n, { periodEndMs: minute + 60_000 });
    await limiter.admit(admitInput([testSubject({ budget })], { nowMs: minute, reserveNanos: 1n }));
    expect(limiter.size).toBe(3_001);

    // Windows are empty within a minute; leases, a budget's period and its grace take longer. (Each step's own
    // admit, which sweeps, leaves a window of a second.)
    await limiter.admit(admitInput([testSubject({ rpm: 60 })], { nowMs: minute + 61_000 }));
    expect(limiter.size).toBe(1_000 + 1 + 1);
    await limiter.admit(admitInput([testSubject({ rpm: 60 })], { nowMs: minute + 121_000 }));
    expect(limiter.size).toBe(1 + 1);
    await limiter.admit(admitInput([testSubject({ rpm: 60 })], { nowMs: minute + 60_000 + BUDGET_GRACE_MS }));
    expect(limiter.size).toBe(1);
  });
});

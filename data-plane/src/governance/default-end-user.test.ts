import { randomUUID } from 'node:crypto';
import { EndUserConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { key, model, snapshotOf } from '../test-support/fixtures.js';
import { admittedUntilRefused, TEST_REDIS_URL } from '../test-support/limits.js';

const KEY = 'sk-tg-default-end-users-000000000000000000000';

/**
 * The end user `*`: its limits apply to every end user without settings of its own, each counted alone, across data
 * planes that share Redis; registered end users keep their own; blocked, it admits only registered end users.
 */
describe('default limits for end users (the end user *)', () => {
  // A fresh id per run: the Redis counters are keyed by it.
  const anyId = randomUUID();
  const snapshot = (any: Partial<EndUserConfig>) =>
    snapshotOf({
      models: [model({ id: 'm1', name: 'mock-gpt' })],
      keys: [key(KEY, { id: `k-${anyId}` })],
      endUsers: [
        EndUserConfig.parse({ id: anyId, externalId: '*', ...any }),
        EndUserConfig.parse({ id: `vip-${anyId}`, externalId: 'vip', rpmLimit: 10 }),
      ],
    });
  let a: TestDataPlane;
  let b: TestDataPlane;
  let closed: TestDataPlane;

  beforeAll(async () => {
    [a, b, closed] = await Promise.all([
      startTestDataPlane({ snapshot: snapshot({ rpmLimit: 3 }), redisUrl: TEST_REDIS_URL }),
      startTestDataPlane({ snapshot: snapshot({ rpmLimit: 3 }), redisUrl: TEST_REDIS_URL }),
      startTestDataPlane({ snapshot: snapshot({ blocked: true }) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), closed?.close()]);
  });

  const chat = async (plane: TestDataPlane, user?: string) => {
    const res = await fetch(`${plane.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }], ...(user !== undefined && { user }) }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };
  const statuses = (answers: Array<{ status: number }>) => answers.map((x) => x.status).sort();

  it("gives each end user without settings the limit of *, counted for that end user alone, exactly across data planes", async () => {
    const alice = await Promise.all(Array.from({ length: 10 }, (_, i) => chat(i % 2 === 0 ? a : b, `alice-${anyId}`)));
    expect(statuses(alice)).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    expect(alice.find((x) => x.status === 429)!.body.error!.message).toMatch(new RegExp(`end user 'alice-${anyId}': 3 requests per minute`));
    // Another end user has a minute of its own.
    expect(statuses(await Promise.all([chat(a, `bob-${anyId}`), chat(b, `bob-${anyId}`)]))).toEqual([200, 200]);
  });

  it('leaves registered end users to their own settings, and requests that name none alone', async () => {
    expect(statuses(await Promise.all(Array.from({ length: 5 }, (_, i) => chat(i % 2 === 0 ? a : b, 'vip'))))).toEqual([200, 200, 200, 200, 200]);
    expect(statuses(await Promise.all(Array.from({ length: 5 }, () => chat(a))))).toEqual([200, 200, 200, 200, 200]);
    // An empty `user` names none either: not an end user '' under the limits of *.
    expect(statuses(await Promise.all(Array.from({ length: 5 }, () => chat(a, ''))))).toEqual([200, 200, 200, 200, 200]);
  });

  it('admits only registered end users when * is blocked', async () => {
    const stranger = await chat(closed, 'stranger');
    expect(stranger).toEqual({
      status: 403,
      body: { error: { message: "The end user 'stranger' is not allowed: this gateway serves only the end users registered with it.", type: 'invalid_request_error', param: 'user', code: 'end_user_blocked' } },
    });
    expect((await chat(closed, 'vip')).status).toBe(200);
    expect((await chat(closed)).status).toBe(200);
    expect((await chat(closed, '')).status).toBe(200);
  });

  it('refuses a request that names the end user * itself, whose row holds the defaults', async () => {
    for (const plane of [a, closed]) {
      const named = await chat(plane, '*');
      expect(named.status).toBe(400);
      expect(named.body.error).toMatchObject({ code: 'invalid_value', param: 'user' });
      expect(named.body.error!.message).toMatch(/^Invalid end user '\*': it is reserved/);
    }
  });
});

/**
 * The budget of `*`: each end user without settings of its own gets it for itself, in `*`'s period, counted exactly
 * across data planes that share Redis, and starting from what the control plane counted the end user as having spent
 * in that period (`spendByEndUser`), so a data plane that starts fresh does not give it the whole budget again.
 */
describe('default budgets for end users (the budget of *)', () => {
  const anyId = randomUUID();
  const resetAt = new Date(Date.now() + 3_600_000).toISOString();
  // $0.0001 per end user an hour; a request reserves about $0.000022 (a few prompt tokens and 10 output tokens).
  const any = EndUserConfig.parse({
    id: anyId, externalId: '*', maxBudget: 0.0001, budgetDuration: '1h', budgetResetAt: resetAt,
    spendByEndUser: [[`spent-${anyId}`, 0.0001], [`half-${anyId}`, 0.00005]],
  });
  const snapshot = snapshotOf({ models: [model({ id: 'm1', name: 'mock-gpt' })], keys: [key(KEY, { id: `k-${anyId}` })], endUsers: [any] });
  let a: TestDataPlane;
  let b: TestDataPlane;
  let local: TestDataPlane;

  beforeAll(async () => {
    [a, b, local] = await Promise.all([
      startTestDataPlane({ snapshot, redisUrl: TEST_REDIS_URL }),
      startTestDataPlane({ snapshot, redisUrl: TEST_REDIS_URL }),
      startTestDataPlane({ snapshot }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), local?.close()]);
  });

  const chat = async (plane: TestDataPlane, user: string) => {
    const res = await fetch(`${plane.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], user }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };
  /** Requests one at a time, alternating between `planes`, until one is refused. */
  const spendUntilRefused = (planes: TestDataPlane[], user: string) => admittedUntilRefused((i) => chat(planes[i % planes.length]!, user));

  it("refuses an end user whose spend in *'s period, as the control plane counted it, has reached the budget of *", async () => {
    for (const plane of [a, local]) {
      const refused = await chat(plane, `spent-${anyId}`);
      expect(refused.status).toBe(429);
      expect(refused.body.error!.code).toBe('budget_exceeded');
      expect(refused.body.error!.message).toContain(`end user 'spent-${anyId}'`);
      // Another end user has the whole budget.
      expect((await chat(plane, `fresh-${anyId}`)).status).toBe(200);
    }
  });

  it('gives each end user the budget of * for itself, counted exactly across data planes, from what it had spent', async () => {
    const alone = await spendUntilRefused([local], `alice-${anyId}`);
    expect(alone.admitted).toBeGreaterThanOrEqual(2);
    expect(alone.refusal.status).toBe(429);
    expect(alone.refusal.body.error!.code).toBe('budget_exceeded');
    // Two data planes sharing Redis admit the same end user no more than one did.
    const shared = await spendUntilRefused([a, b], `alice-${anyId}`);
    expect(shared.admitted).toBe(alone.admitted);
    // Half the budget already spent: about half as many.
    const half = await spendUntilRefused([a, b], `half-${anyId}`);
    expect(half.admitted).toBeLessThan(alone.admitted);
    // Bob's budget is his own.
    expect((await chat(b, `bob-${anyId}`)).status).toBe(200);
  });
});

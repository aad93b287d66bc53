import { randomUUID } from 'node:crypto';
import { UserConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { key, model, snapshotOf, team } from '../test-support/fixtures.js';
import { admittedUntilRefused, TEST_REDIS_URL } from '../test-support/limits.js';

/**
 * Team member budgets: a team's member budget and limits hold for each member's own use of the team's keys, counted
 * for that member alone (exactly across data planes sharing Redis), in the team's period, from what the control plane
 * counted them as having spent in it; a member's own hard budget overrides the team's; keys of the team that no member
 * owns are not held to them.
 */
describe('team member budgets', () => {
  const run = randomUUID().slice(0, 8);
  const keyOf = (who: string) => `sk-tg-team-member-${who}-${run}`.padEnd(48, '0');
  const resetAt = new Date(Date.now() + 3_600_000).toISOString();
  const users = ['alice', 'bob', 'carol', 'dave', 'erin'].map((u) => UserConfig.parse({ id: `${u}-${run}`, orgId: null }));
  // $0.0001 an hour per member; a request reserves about $0.000022 (a few prompt tokens and 10 output tokens).
  const research = team({
    id: `t-${run}`,
    name: 'Research',
    budgetDuration: '1h',
    budgetResetAt: resetAt,
    memberMaxBudget: 0.0001,
    memberRpmLimit: 20,
    members: [
      [`alice-${run}`, `m-alice-${run}`, null, 0],
      [`bob-${run}`, `m-bob-${run}`, 0.0002, 0],
      [`carol-${run}`, `m-carol-${run}`, null, 0.0001],
      [`erin-${run}`, `m-erin-${run}`, null, 0],
    ],
  });
  const snapshot = snapshotOf({
    models: [model({ id: 'm1', name: 'mock-gpt' })],
    teams: [research],
    users,
    keys: ['alice', 'bob', 'carol', 'dave', 'erin'].map((who) => key(keyOf(who), { id: `k-${who}-${run}`, teamId: research.id, userId: `${who}-${run}` })),
  });
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

  const chat = async (plane: TestDataPlane, who: string) => {
    const res = await fetch(`${plane.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyOf(who)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };
  /** Requests one at a time, alternating between `planes`, until one is refused. */
  const spendUntilRefused = (planes: TestDataPlane[], who: string) => admittedUntilRefused((i) => chat(planes[i % planes.length]!, who));

  it("holds each member to the team's member budget for themselves, exactly across data planes, and names the member", async () => {
    const alone = await spendUntilRefused([local], 'alice');
    expect(alone.admitted).toBeGreaterThanOrEqual(2);
    expect(alone.refusal.status).toBe(429);
    expect(alone.refusal.body.error!.code).toBe('budget_exceeded');
    expect(alone.refusal.body.error!.message).toContain(`member alice-${run} of team 'Research'`);
    // Two data planes sharing Redis admit the same member no more than one did.
    const shared = await spendUntilRefused([a, b], 'alice');
    expect(shared.admitted).toBe(alone.admitted);
    // Another member has a budget of their own in the team.
    expect((await chat(a, 'erin')).status).toBe(200);
  });

  it("gives a member's own budget precedence over the team's, and starts each member from what they had spent", async () => {
    const bob = await spendUntilRefused([a], 'bob');
    const alice = await spendUntilRefused([local], 'alice');
    expect(alice.admitted).toBe(0);
    expect(bob.admitted).toBeGreaterThanOrEqual(2 * 2);
    // Carol spent the team's member budget already in this period (the control plane's count): refused at once.
    for (const plane of [a, local]) expect((await chat(plane, 'carol')).body.error?.code).toBe('budget_exceeded');
  });

  it("leaves the team's keys of someone who is not a member alone", async () => {
    const dave = await Promise.all(Array.from({ length: 8 }, () => chat(local, 'dave')));
    expect(dave.map((x) => x.status)).toEqual(Array(8).fill(200));
  });
});

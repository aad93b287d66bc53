import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

/**
 * "Every engineer on the team may spend so much a day on its keys": a team's member budget, set through the API,
 * holds for each member alone on a data plane without Redis, alerts per member, gives way to a member's own budget,
 * and still holds after the data plane restarts with fresh counters (the control plane sends each member's spend).
 */
describe('team member budgets, end to end', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;
  const keys = {} as Record<'alice' | 'bob', string>;
  const users = {} as Record<'alice' | 'bob', string>;
  let teamId: string;

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    dp = await startDataPlaneProcess({ controlPlane: cp });
    api = admin(cp.graphqlUrl, cp.masterKey);
    // $1 per thousand tokens: a request of a few prompt tokens and at most 10 output tokens reserves about 2 cents.
    await api.call('mutation { createModel(input: { name: "team-model", provider: "mock", providerModel: "mock-gpt", inputCostPerMillion: 1000, outputCostPerMillion: 1000 }) { id } }');
    const org = (await api.call<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "eng" }) { id } }')).createOrganization.id;
    teamId = (await api.call<{ createTeam: { id: string } }>(
      'mutation($o: ID!) { createTeam(input: { name: "platform", organizationId: $o, budgetDuration: "1d", memberMaxBudget: 0.05, memberSoftBudget: 0.03 }) { id } }',
      { o: org },
    )).createTeam.id;
    for (const who of ['alice', 'bob'] as const) {
      users[who] = (await api.call<{ createUser: { id: string } }>('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', {
        i: { email: `${who}@eng.example`, role: 'internal_user', organizationId: org },
      })).createUser.id;
      await api.call('mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }', { i: { teamId, userId: users[who] } });
      keys[who] = (await api.call<{ createKey: { key: string } }>('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { teamId, ownerId: users[who] } })).createKey.key;
    }
    // Both keys on the data plane before the first request (bob's could otherwise arrive after alice runs out).
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: 'both keys on the data plane' });
  });
  afterAll(async () => {
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
  });

  const ask = async (who: 'alice' | 'bob') => {
    try {
      await new OpenAI({ baseURL: `${dp.baseUrl}/v1`, apiKey: keys[who], maxRetries: 0 }).chat.completions.create({ model: 'team-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
      return { status: 200 };
    } catch (err) {
      if (!(err instanceof OpenAI.APIError)) throw err;
      return { status: err.status, code: err.code, message: err.message };
    }
  };
  const spendUntilRefused = async (who: 'alice' | 'bob') => {
    for (let admitted = 0; admitted < 40; admitted++) {
      const answer = await ask(who);
      if (answer.status !== 200) return { admitted, refusal: answer };
    }
    throw new Error(`${who} was never refused`);
  };
  const members = async () =>
    (await api.call<{ teamMembers: Array<{ user: { email: string }; spend: number }> }>('query($t: ID!) { teamMembers(teamId: $t) { user { email } spend } }', { t: teamId })).teamMembers;
  const alerts = async () =>
    (await api.call<{ budgetAlerts: { alerts: Array<{ threshold: string; subjectName: string }> } }>('{ budgetAlerts(filter: { subjectKind: "team_member" }, first: 50) { alerts { threshold subjectName } } }')).budgetAlerts.alerts;

  it('refuses each member at the member budget, alone, alerts for them, and keeps refusing after the data plane restarts', async () => {
    const alice = await spendUntilRefused('alice');
    expect(alice.admitted).toBeGreaterThanOrEqual(1);
    expect(alice.refusal).toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect(alice.refusal.message).toContain(`member ${users.alice} of team 'platform'`);
    // Bob's budget is his own.
    expect((await ask('bob')).status).toBe(200);

    await waitFor(async () => (await alerts()).filter((a) => a.subjectName === 'alice@eng.example in platform').length === 2, { timeoutMs: 10_000, intervalMs: 100, what: "alice's member alerts" });
    const aliceSpend = (await members()).find((m) => m.user.email === 'alice@eng.example')!.spend;
    expect(aliceSpend).toBeGreaterThan(0.03);
    expect(aliceSpend).toBeLessThanOrEqual(0.05);

    // A data plane restarted without Redis starts alice from what the control plane counted.
    await dp.process.stop();
    dp = await startDataPlaneProcess({ controlPlane: cp });
    expect(await ask('alice')).toMatchObject({ status: 429, code: 'budget_exceeded' });

    // Her own, larger budget lets her go on.
    await api.call('mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { maxBudget } }', { i: { teamId, userId: users.alice, maxBudget: 1 } });
    await waitFor(async () => (await ask('alice')).status === 200, { timeoutMs: 5_000, intervalMs: 50, what: "alice's own budget on the data plane" });
  });
});

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

/**
 * "Every user of my app may spend so much a day": the budget of the end user `*`, set through the API, holds for each
 * end user an app names on a data plane without Redis, alerts per end user, and still holds after the data plane
 * restarts with fresh counters (the control plane sends what each end user already spent in the period).
 */
describe('a default budget for every end user of an app', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;
  let key: string;

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    dp = await startDataPlaneProcess({ controlPlane: cp });
    api = admin(cp.graphqlUrl, cp.masterKey);
    // $1 per thousand tokens: a request of a few prompt tokens and at most 10 output tokens reserves about 2 cents.
    await api.call('mutation { createModel(input: { name: "app-model", provider: "mock", providerModel: "mock-gpt", inputCostPerMillion: 1000, outputCostPerMillion: 1000 }) { id } }');
    key = (await api.createKey({ alias: 'the-app' })).key;
  });
  afterAll(async () => {
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
  });

  const client = () => new OpenAI({ baseURL: `${dp.baseUrl}/v1`, apiKey: key, maxRetries: 0 });
  const ask = async (user: string) => {
    try {
      const { response } = await client().chat.completions.create({ model: 'app-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], user }).withResponse();
      return { status: 200, limit: response.headers.get('x-ratelimit-limit-requests') };
    } catch (err) {
      if (!(err instanceof OpenAI.APIError)) throw err;
      return { status: err.status, code: err.code, message: err.message };
    }
  };
  const spendOf = async (externalId: string) =>
    (await api.call<{ endUsers: Array<{ externalId: string; spend: number }> }>('query($s: String) { endUsers(search: $s) { externalId spend } }', { s: externalId })).endUsers.find(
      (e) => e.externalId === externalId,
    )?.spend ?? 0;
  const alertsOf = async (externalId: string) =>
    (
      await api.call<{ budgetAlerts: { alerts: Array<{ threshold: string; subjectName: string; budget: number }> } }>(
        '{ budgetAlerts(filter: { subjectKind: "end_user" }, first: 50) { alerts { threshold subjectName budget } } }',
      )
    ).budgetAlerts.alerts.filter((a) => a.subjectName === externalId);

  it("refuses each end user at the budget of *, alone, alerts for it, and keeps refusing it after the data plane restarts", async () => {
    await api.call('mutation { saveEndUser(input: { externalId: "*", rpmLimit: 1000, maxBudget: 0.05, softBudget: 0.03, budgetDuration: "1d" }) { id } }');
    // In force on the data plane: the rpm limit of * shows in the headers.
    await waitFor(async () => (await ask('probe')).limit === '1000', { timeoutMs: 5_000, intervalMs: 50, what: 'the limits of * on the data plane' });

    let admitted = 0;
    let refusal: Awaited<ReturnType<typeof ask>> | undefined;
    while (refusal === undefined && admitted < 20) {
      const answer = await ask('alice');
      if (answer.status === 200) admitted++;
      else refusal = answer;
    }
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(refusal).toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect(refusal!.message).toContain("end user 'alice'");
    // Bob has a budget of his own.
    expect((await ask('bob')).status).toBe(200);

    // The control plane counted alice's spend and filed her soft- and hard-budget alerts (the hard one from the refusal).
    await waitFor(async () => (await alertsOf('alice')).length === 2, { timeoutMs: 10_000, intervalMs: 100, what: "alice's budget alerts" });
    expect((await alertsOf('alice')).map((a) => [a.threshold, a.budget]).sort()).toEqual([['max_budget', 0.05], ['soft_budget', 0.03]]);
    expect(await alertsOf('bob')).toEqual([]);
    const spent = await spendOf('alice');
    expect(spent).toBeGreaterThan(0.03);
    expect(spent).toBeLessThanOrEqual(0.05);

    // A restart without Redis starts every counter afresh; alice's comes from what the control plane counted.
    await dp.process.stop();
    dp = await startDataPlaneProcess({ controlPlane: cp });
    expect(await ask('alice')).toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect((await ask('carol')).status).toBe(200);
  });
});

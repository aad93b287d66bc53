import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

// Organizations and users reach running data planes like keys do: blocking one, or narrowing an organization's
// models, takes effect on every data plane within a second, without touching any key.
describe('organizations and users on running data planes', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dps: DataPlaneProcess[];
  let api: ReturnType<typeof admin>;
  let orgId: string;
  let userId: string;
  let key: string;

  const chat = (dp: DataPlaneProcess, model = 'mock-gpt') =>
    fetch(`${dp.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }] }),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } }));

  /** Milliseconds from `since` until every data plane answers `model` with `status`; fails past 1 s. */
  const untilStatus = async (status: number, since: number, model = 'mock-gpt') => {
    await Promise.all(
      dps.map((dp) => waitFor(async () => (await chat(dp, model)).status === status, { timeoutMs: 1_000, intervalMs: 10, what: `HTTP ${status} for ${model} from ${dp.baseUrl}` })),
    );
    return Date.now() - since;
  };

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    dps = await Promise.all([startDataPlaneProcess({ controlPlane: cp }), startDataPlaneProcess({ controlPlane: cp })]);
    api = admin(cp.graphqlUrl, cp.masterKey);
    orgId = (await api.call<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "e2e-org" }) { id } }')).createOrganization.id;
    userId = (await api.call<{ createUser: { id: string } }>('mutation($o: ID) { createUser(input: { email: "e2e@example.com", role: "internal_user", organizationId: $o }) { id } }', { o: orgId })).createUser.id;
    const team = await api.call<{ createTeam: { id: string } }>('mutation($o: ID) { createTeam(input: { name: "e2e-team", organizationId: $o }) { id } }', { o: orgId });
    key = (await api.call<{ createKey: { key: string } }>('mutation($t: ID, $u: ID) { createKey(input: { teamId: $t, ownerId: $u }) { key } }', { t: team.createTeam.id, u: userId })).createKey.key;
    await api.call('mutation { createModel(input: { name: "e2e-allowed", provider: "mock", providerModel: "mock-gpt", inputCostPerMillion: 1, outputCostPerMillion: 1 }) { id } }');
    await untilStatus(200, Date.now());
    await untilStatus(200, Date.now(), 'e2e-allowed');
  });

  afterAll(async () => {
    await Promise.all((dps ?? []).map((dp) => dp.process.stop()));
    await cp?.process.stop();
    await db?.drop();
  });

  const updateOrg = (input: Record<string, unknown>) => api.call('mutation($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { id } }', { id: orgId, input });
  const updateUser = (input: Record<string, unknown>) => api.call('mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }', { id: userId, input });

  it("a blocked organization's keys are refused on every data plane within one second, and work again when it is unblocked", async () => {
    const blocked = Date.now();
    await updateOrg({ blocked: true });
    expect(await untilStatus(401, blocked)).toBeLessThan(1_000);
    for (const dp of dps) {
      expect((await chat(dp)).body.error).toEqual(expect.objectContaining({ code: 'organization_blocked', message: "This API key's organization has been blocked." }));
    }
    const unblocked = Date.now();
    await updateOrg({ blocked: false });
    expect(await untilStatus(200, unblocked)).toBeLessThan(1_000);
  });

  it("a blocked user's keys are refused on every data plane within one second, and work again when they are unblocked", async () => {
    const blocked = Date.now();
    await updateUser({ blocked: true });
    expect(await untilStatus(401, blocked)).toBeLessThan(1_000);
    for (const dp of dps) {
      expect((await chat(dp)).body.error).toEqual(expect.objectContaining({ code: 'user_blocked', message: "This API key's owner has been blocked." }));
    }
    const unblocked = Date.now();
    await updateUser({ blocked: false });
    expect(await untilStatus(200, unblocked)).toBeLessThan(1_000);
  });

  it("an organization's model list restricts its keys on every data plane within one second; emptied, it restricts nothing", async () => {
    const narrowed = Date.now();
    await updateOrg({ models: ['e2e-allowed'] });
    expect(await untilStatus(403, narrowed)).toBeLessThan(1_000);
    expect((await chat(dps[0]!)).body.error?.code).toBe('model_not_allowed');
    for (const dp of dps) expect((await chat(dp, 'e2e-allowed')).status).toBe(200);
    const widened = Date.now();
    await updateOrg({ models: [] });
    expect(await untilStatus(200, widened)).toBeLessThan(1_000);
  });
});

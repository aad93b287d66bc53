import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

// Config reaches running data planes over the gatewayConfig subscription: no restart, no polling of PostgreSQL.
describe('config push to running data planes', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dps: DataPlaneProcess[];
  let api: ReturnType<typeof admin>;

  const chat = (dp: DataPlaneProcess, key: string) =>
    fetch(`${dp.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'ping' }] }),
    }).then(async (res) => ({ status: res.status, body: await res.text() }));

  /** Milliseconds from `since` until `chat` answers `status` on every data plane; fails past 1 s. */
  const untilStatus = async (key: string, status: number, since: number) => {
    await Promise.all(
      dps.map((dp) => waitFor(async () => (await chat(dp, key)).status === status, { timeoutMs: 1_000, intervalMs: 10, what: `HTTP ${status} from ${dp.baseUrl}` })),
    );
    return Date.now() - since;
  };

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    // Two data planes subscribed to one control plane: both must see every change.
    dps = await Promise.all([startDataPlaneProcess({ controlPlane: cp }), startDataPlaneProcess({ controlPlane: cp })]);
    api = admin(cp.graphqlUrl, cp.masterKey);
  });

  afterAll(async () => {
    await Promise.all((dps ?? []).map((dp) => dp.process.stop()));
    await cp?.process.stop();
    await db?.drop();
  });

  it('a key created after start is usable on every data plane within one second', async () => {
    const team = await api.createTeam('late-team');
    const created = Date.now();
    const key = await api.createKey({ teamId: team.id });
    const elapsed = await untilStatus(key.key, 200, created);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('a deleted key is refused on every data plane within one second', async () => {
    const key = await api.createKey({ alias: 'short-lived' });
    await untilStatus(key.key, 200, Date.now());
    const deleted = Date.now();
    expect(await api.deleteKey(key.virtualKey.id)).toBe(true);
    const elapsed = await untilStatus(key.key, 401, deleted);
    expect(elapsed).toBeLessThan(1_000);
    const refused = await chat(dps[0]!, key.key);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('a blocked key is refused on every data plane within one second, and works again when unblocked', async () => {
    const key = await api.createKey({ alias: 'to-block' });
    await untilStatus(key.key, 200, Date.now());
    const setBlocked = (blocked: boolean) =>
      api.call('mutation($id: ID!, $blocked: Boolean!) { updateKey(id: $id, input: { blocked: $blocked }) { blocked } }', { id: key.virtualKey.id, blocked });
    const blocked = Date.now();
    await setBlocked(true);
    expect(await untilStatus(key.key, 401, blocked)).toBeLessThan(1_000);
    expect(JSON.parse((await chat(dps[0]!, key.key)).body)).toMatchObject({ error: { message: expect.stringMatching(/blocked/i) } });
    const unblocked = Date.now();
    await setBlocked(false);
    expect(await untilStatus(key.key, 200, unblocked)).toBeLessThan(1_000);
  });

  it('a regenerated key: the new secret works within one second, the old one during its grace period only', async () => {
    const key = await api.createKey({ alias: 'to-rotate' });
    await untilStatus(key.key, 200, Date.now());
    const regenerate = (gracePeriodSeconds: number) =>
      api.call<{ regenerateKey: { key: string; virtualKey: { id: string; previousKeyValidUntil: string | null } } }>(
        'mutation($id: ID!, $g: Int) { regenerateKey(id: $id, input: { gracePeriodSeconds: $g }) { key virtualKey { id previousKeyValidUntil } } }',
        { id: key.virtualKey.id, g: gracePeriodSeconds },
      );
    const rotated = Date.now();
    const withGrace = (await regenerate(2)).regenerateKey;
    expect(withGrace.virtualKey.id).toBe(key.virtualKey.id);
    expect(withGrace.key).not.toBe(key.key);
    expect(await untilStatus(withGrace.key, 200, rotated)).toBeLessThan(1_000);
    expect((await chat(dps[0]!, key.key)).status).toBe(200);
    // After the grace period the old secret is refused, without any further change being pushed.
    await waitFor(async () => (await chat(dps[0]!, key.key)).status === 401, { timeoutMs: 4_000, intervalMs: 50, what: 'old secret refused after grace' });
    expect(Date.now() - rotated).toBeGreaterThanOrEqual(1_900);
    // Without a grace period the secret before stops within one second.
    const immediate = Date.now();
    const next = (await regenerate(0)).regenerateKey;
    expect(await untilStatus(withGrace.key, 401, immediate)).toBeLessThan(1_000);
    expect((await chat(dps[1]!, next.key)).status).toBe(200);
  });

  it('a new model is routable on every data plane within one second, and a deleted one is gone as fast', async () => {
    const key = await api.createKey({ alias: 'model-push' });
    await untilStatus(key.key, 200, Date.now());
    const ask = (dp: DataPlaneProcess) =>
      fetch(`${dp.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'pushed-model', messages: [{ role: 'user', content: 'ping' }] }),
      }).then((res) => res.status);
    const until = (status: number) =>
      Promise.all(dps.map((dp) => waitFor(async () => (await ask(dp)) === status, { timeoutMs: 1_000, intervalMs: 10, what: `HTTP ${status} for pushed-model` })));
    expect(await ask(dps[0]!)).toBe(404);
    const created = Date.now();
    const { createModel } = await api.call<{ createModel: { id: string } }>(
      'mutation { createModel(input: { name: "pushed-model", provider: "mock", providerModel: "mock-gpt", inputCostPerMillion: 1, outputCostPerMillion: 1 }) { id } }',
    );
    await until(200);
    expect(Date.now() - created).toBeLessThan(1_000);
    const deleted = Date.now();
    await api.call('mutation($id: ID!) { deleteModel(id: $id) }', { id: createModel.id });
    await until(404);
    expect(Date.now() - deleted).toBeLessThan(1_000);
  });

  it('every data plane reports the control plane config version', async () => {
    const version = await api.configVersion();
    for (const dp of dps) expect(await dp.configVersion()).toBe(version);
  });

  it('a data plane started later gets the full current snapshot', async () => {
    const key = await api.createKey({ alias: 'before-late-start' });
    const late = await startDataPlaneProcess({ controlPlane: cp });
    dps.push(late);
    expect(await late.configVersion()).toBe(await api.configVersion());
    expect((await chat(late, key.key)).status).toBe(200);
  });

  it('a data plane keeps serving its last snapshot while the control plane is down, and catches up after', async () => {
    const key = await api.createKey({ alias: 'survives-outage' });
    const version = await api.configVersion();
    await waitFor(async () => (await dps[0]!.configVersion()) >= version, { what: 'config push' });
    expect(await cp.process.stop()).toBe(0);
    const duringOutage = await fetch(`${dps[0]!.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'while the control plane is down' }] }),
    });
    expect(duringOutage.status).toBe(200);
    const requestId = duringOutage.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    // Its metrics say it is cut off, and for how long: it stays ready, serving a config that may be stale.
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await (await fetch(`${dps[0]!.baseUrl}/metrics`)).text())?.[1]);
    await waitFor(async () => (await metric('tollgate_control_plane_disconnected_seconds')) >= 1, { timeoutMs: 5_000, what: 'the disconnection in the metrics' });
    expect(await metric('tollgate_control_plane_connected')).toBe(0);

    cp = await startControlPlaneProcess({ databaseUrl: db.url, port: cp.port, masterKey: cp.masterKey, dataPlaneToken: cp.dataPlaneToken });
    api = admin(cp.graphqlUrl, cp.masterKey);
    const revoked = Date.now();
    await api.deleteKey(key.virtualKey.id);
    // The data planes reconnect on their own (with backoff), so allow more than the one-second push budget here.
    await Promise.all(dps.map((dp) => waitFor(async () => (await chat(dp, key.key)).status === 401, { timeoutMs: 15_000, intervalMs: 50, what: 'revocation after reconnect' })));
    expect(Date.now() - revoked).toBeLessThan(15_000);
    expect([await metric('tollgate_control_plane_connected'), await metric('tollgate_control_plane_disconnected_seconds')]).toEqual([1, 0]);
    // The usage of the request served during the outage was kept and delivered once the control plane was back.
    const rows = await waitFor(async () => {
      const logs = await api.spendLogs(key.virtualKey.id);
      return logs.some((l) => l.requestId === requestId) ? logs : null;
    }, { timeoutMs: 10_000, what: 'spend row of the request served during the outage' });
    expect(rows.filter((l) => l.requestId === requestId)).toHaveLength(1);
  });
});

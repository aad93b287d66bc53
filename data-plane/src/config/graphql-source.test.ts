import { applyConfigChanges, compactKeyConfig, snapshotParts, type ConfigChange } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataPlane, type DataPlane } from '../data-plane.js';
import { silentLogger } from '../logger.js';
import { FakeConfigServer } from '../test-support/fake-config-server.js';
import { FakeControlPlane } from '../test-support/fake-control-plane.js';
import { fixtureSnapshot, key, KEYS } from '../test-support/fixtures.js';
import { postChat } from '../test-support/sse.js';
import { waitFor } from '../test-support/wait.js';
import { GATEWAY_CONFIG_SUBSCRIPTION, toWebSocketUrl } from './graphql-source.js';

const chat = { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] };

describe('config over the gatewayConfig subscription (real graphql-ws client, real server)', () => {
  let config: FakeConfigServer;
  let usage: FakeControlPlane;
  let dp: DataPlane;
  let baseUrl: string;
  const status = async (key: string) => (await postChat(baseUrl, key, chat)).status;

  beforeAll(async () => {
    usage = new FakeControlPlane();
    config = await new FakeConfigServer(fixtureSnapshot(1), usage.handler).start();
    dp = await startDataPlane({
      host: '127.0.0.1',
      port: 0,
      controlPlaneUrl: config.url,
      dataPlaneToken: 'dp-secret',
      usageFlushMs: 20,
      logger: silentLogger,
      shutdownGraceMs: 1_000,
    });
    baseUrl = `http://127.0.0.1:${dp.port}`;
  });
  afterAll(async () => {
    await dp.close();
    await config.close();
    // Usage went to the same control-plane URL the config came from.
    expect(usage.acknowledged.size).toBeGreaterThan(0);
  });

  it('authenticates with the data-plane token and subscribes to gatewayConfig', async () => {
    await waitFor(() => dp.configVersion() === 1, 'snapshot v1');
    // The config features it understands travel with the credential (an older control plane ignores them).
    expect(config.connectionParams[0]).toEqual({ authorization: 'Bearer dp-secret', configFeatures: ['snapshotParts', 'governedSubjects', 'routing', 'healthChecks', 'subjectSpend'] });
    expect(config.queries[0]).toBe(GATEWAY_CONFIG_SUBSCRIPTION);
    expect(await status(KEYS.full)).toBe(200);
  });

  it('applies a delta: an added key becomes usable, a deleted key gets 401', async () => {
    expect(await status(KEYS.later)).toBe(401);
    const changes: ConfigChange[] = [{ op: 'upsertKey', value: key(KEYS.later, { id: 'k-later' }) }, { op: 'deleteKey', id: 'k-full' }];
    config.publish({ kind: 'delta', fromVersion: 1, version: 2, changes });
    config.snapshot = applyConfigChanges(config.snapshot, 2, changes);
    await waitFor(() => dp.configVersion() === 2, 'delta v2');
    expect(await status(KEYS.later)).toBe(200);
    expect(await status(KEYS.full)).toBe(401);
    const res = await postChat(baseUrl, KEYS.later, chat);
    expect(res.headers.get('x-tollgate-config-version')).toBe('2');
  });

  it('keeps the current config when a message fails validation', async () => {
    config.publish({ kind: 'snapshot', version: 3, snapshot: { nonsense: true } });
    config.publish({ kind: 'delta', fromVersion: 2, version: 3, changes: [{ op: 'upsertKey', value: { id: 'x' } }] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(dp.configVersion()).toBe(2);
    expect(await status(KEYS.later)).toBe(200);
  });

  it('resubscribes for a fresh snapshot on a version gap', async () => {
    const subscribesBefore = config.subscribeCount;
    // The data plane missed versions 3..4; the server's state moved on to v5 (k-full restored).
    config.snapshot = { ...fixtureSnapshot(5), keys: [...fixtureSnapshot(5).keys, key(KEYS.later, { id: 'k-later' })] };
    config.publish({ kind: 'delta', fromVersion: 4, version: 5, changes: [] });
    await waitFor(() => dp.configVersion() === 5, 'fresh snapshot v5');
    expect(config.subscribeCount).toBe(subscribesBefore + 1);
    // The superseded subscription was completed, not leaked.
    await waitFor(() => config.activeSubscriptions === 1, 'one active subscription');
    expect(await status(KEYS.full)).toBe(200);
  });

  it('keeps serving the last snapshot while the control plane is down, and resyncs when it is back', async () => {
    config.down = true;
    config.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(dp.configVersion()).toBe(5);
    expect(await status(KEYS.full)).toBe(200);
    const ready = await fetch(`${baseUrl}/health/readiness`);
    expect(ready.status).toBe(200);

    config.snapshot = fixtureSnapshot(6);
    config.down = false;
    await waitFor(() => dp.configVersion() === 6, 'snapshot v6 after reconnect', 10_000);
    expect(await status(KEYS.later)).toBe(401);
  });

  it('assembles a snapshot sent in parts, serving the previous config until the last part', async () => {
    const next = { ...fixtureSnapshot(7), keys: [...fixtureSnapshot(7).keys, key(KEYS.later, { id: 'k-later' })] };
    const parts = [...snapshotParts({ ...next, keys: next.keys.map(compactKeyConfig) }, 2)];
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts.slice(0, -1)) config.publish(part);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dp.configVersion()).toBe(6);
    config.publish(parts.at(-1));
    await waitFor(() => dp.configVersion() === 7, 'snapshot v7 from parts');
    expect(await status(KEYS.later)).toBe(200);
  });
});

describe('toWebSocketUrl', () => {
  it('derives ws(s) from http(s) and keeps the path', () => {
    expect(toWebSocketUrl('http://127.0.0.1:4001/graphql')).toBe('ws://127.0.0.1:4001/graphql');
    expect(toWebSocketUrl('https://cp.example.com/graphql')).toBe('wss://cp.example.com/graphql');
    expect(toWebSocketUrl('ws://h/graphql')).toBe('ws://h/graphql');
  });
});

import { applyConfigChanges, CONFIG_FEATURES_PARAM, ConfigMessage, ConfigStreamMessage, hashKey, joinSnapshotParts, type ConfigSnapshot } from '@tollgate/schema';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';

let db: TestDatabase;
let cp: TestControlPlane;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

interface Update {
  gatewayConfig: { version: number; message: unknown };
}
const GATEWAY_CONFIG = 'subscription { gatewayConfig { version message } }';

/** A data plane's view: apply each message as the contract says, refusing deltas that do not fit. */
function follow(current: ConfigSnapshot | null, update: Update): ConfigSnapshot {
  const message = ConfigMessage.parse(update.gatewayConfig.message);
  expect(update.gatewayConfig.version).toBe(message.version);
  if (message.kind === 'snapshot') return message.snapshot;
  expect(current?.version).toBe(message.fromVersion);
  return applyConfigChanges(current as ConfigSnapshot, message.version, message.changes);
}

describe('gatewayConfig over graphql-ws', () => {
  it('should send a snapshot, then a delta for a new key and one for its deletion', async () => {
    const client = cp.ws(cp.dataPlaneToken);
    try {
      const sub = subscribe<Update>(client, GATEWAY_CONFIG);
      const first = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      expect(first.kind).toBe('snapshot');
      if (first.kind !== 'snapshot') return;
      expect(first.version).toBe((await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion);
      expect(first.snapshot.models.map((m) => m.name)).toEqual(['mock-gpt']);
      let view = first.snapshot;

      const { createKey } = await cp.admin<{ createKey: { key: string; virtualKey: { id: string } } }>(
        'mutation { createKey(input: { alias: "dp" }) { key virtualKey { id } } }',
      );
      const created = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      expect(created).toMatchObject({ kind: 'delta', fromVersion: first.version });
      if (created.kind !== 'delta') return;
      expect(created.version).toBeGreaterThan(first.version);
      expect(created.changes).toEqual([
        {
          op: 'upsertKey',
          value: expect.objectContaining({ id: createKey.virtualKey.id, hash: hashKey(createKey.key), alias: 'dp' }),
        },
      ]);
      view = applyConfigChanges(view, created.version, created.changes);

      await cp.admin('mutation($id: ID!) { deleteKey(id: $id) }', { id: createKey.virtualKey.id });
      const deleted = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      expect(deleted).toEqual({
        kind: 'delta',
        fromVersion: created.version,
        version: expect.any(Number),
        changes: [{ op: 'deleteKey', id: createKey.virtualKey.id }],
      });
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });

  it('should send snapshots in parts to a connection that lists the snapshotParts feature, the same config in the end', async () => {
    const parted = createClient({
      url: cp.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${cp.dataPlaneToken}`, [CONFIG_FEATURES_PARAM]: ['snapshotParts', 'someFutureFeature'] },
      retryAttempts: 0,
      lazy: true,
    });
    const plain = cp.ws(cp.dataPlaneToken);
    try {
      await cp.admin('mutation { createKey(input: { alias: "parts" }) { key } }');
      const sub = subscribe<Update>(parted, GATEWAY_CONFIG);
      const parts: ConfigSnapshot[] = [];
      for (;;) {
        const message = ConfigStreamMessage.parse((await sub.next()).gatewayConfig.message);
        if (message.kind !== 'snapshotPart') throw new Error(`expected a snapshot part, got ${message.kind}`);
        expect(message.part).toBe(parts.length);
        parts.push(message.snapshot);
        if (message.last) break;
      }
      const whole = subscribe<Update>(plain, GATEWAY_CONFIG);
      const snapshot = ConfigMessage.parse((await whole.next()).gatewayConfig.message);
      expect(snapshot.kind).toBe('snapshot');
      if (snapshot.kind !== 'snapshot') return;
      expect({ ...joinSnapshotParts(parts), generatedAt: '' }).toEqual({ ...snapshot.snapshot, generatedAt: '' });
      expect(snapshot.snapshot.keys.some((k) => k.alias === 'parts')).toBe(true);
      sub.dispose();
      whole.dispose();
    } finally {
      await parted.dispose();
      await plain.dispose();
    }
  });

  it('should leave every subscriber with the same config as a fresh snapshot after a burst of changes', async () => {
    const client = cp.ws(cp.dataPlaneToken);
    try {
      const sub = subscribe<Update>(client, GATEWAY_CONFIG);
      let view = follow(null, await sub.next());

      const { createTeam } = await cp.admin<{ createTeam: { id: string } }>(
        'mutation { createTeam(input: { name: "burst", models: ["mock-gpt"] }) { id } }',
      );
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          cp.admin('mutation($t: ID, $a: String) { createKey(input: { teamId: $t, alias: $a }) { key } }', {
            t: createTeam.id,
            a: `k${i}`,
          }),
        ),
      );
      const target = (await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion;
      while (view.version < target) view = follow(view, await sub.next());

      const fresh = subscribe<Update>(client, GATEWAY_CONFIG);
      const snapshot = follow(null, await fresh.next());
      const normalise = (s: ConfigSnapshot) => ({
        version: s.version,
        models: [...s.models].sort((a, b) => a.id.localeCompare(b.id)),
        teams: [...s.teams].sort((a, b) => a.id.localeCompare(b.id)),
        keys: [...s.keys].sort((a, b) => a.id.localeCompare(b.id)),
      });
      expect(normalise(view)).toEqual(normalise(snapshot));
      expect(view.keys.filter((k) => k.teamId === createTeam.id)).toHaveLength(5);
      sub.dispose();
      fresh.dispose();
    } finally {
      await client.dispose();
    }
  });
});

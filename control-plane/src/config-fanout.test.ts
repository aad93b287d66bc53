import { ConfigMessage } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { roundTrip, startTestControlPlane, subscribe, testSecret, type TestControlPlane } from './testing/harness.js';

// Two control planes on one database, as two replicas behind a load balancer.
let db: TestDatabase;
let a: TestControlPlane;
let b: TestControlPlane;
beforeAll(async () => {
  db = await createTestDatabase();
  const shared = { databaseUrl: db.url, masterKey: testSecret('sk-tg-master-test-'), dataPlaneToken: testSecret('tg-dp-test-'), jobs: false as const };
  // B waits a second or more before reconnecting a lost LISTEN connection, so a test can change config meanwhile.
  [a, b] = await Promise.all([
    startTestControlPlane(shared),
    startTestControlPlane({ ...shared, configListener: { minBackoffMs: 2_000, maxBackoffMs: 2_000 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await db?.drop();
});

interface Update {
  gatewayConfig: { version: number; message: unknown };
}
const GATEWAY_CONFIG = 'subscription { gatewayConfig { version message } }';
const CREATE_KEY = 'mutation($alias: String) { createKey(input: { alias: $alias }) { key virtualKey { id } } }';

async function subscriber(cp: TestControlPlane) {
  const client = cp.ws(cp.dataPlaneToken);
  const sub = subscribe<Update>(client, GATEWAY_CONFIG);
  await roundTrip(client);
  const first = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
  expect(first.kind).toBe('snapshot');
  return {
    async next(timeoutMs?: number) {
      return ConfigMessage.parse((await sub.next(timeoutMs)).gatewayConfig.message);
    },
    close: () => client.dispose(),
  };
}

describe('config changes across control-plane replicas', () => {
  it('should deliver a change made through one replica to the subscribers of the other', async () => {
    const onB = await subscriber(b);
    const onA = await subscriber(a);
    try {
      const { createKey } = await a.admin<{ createKey: { virtualKey: { id: string } } }>(CREATE_KEY, { alias: 'via-a' });
      expect(await onB.next(1_000)).toMatchObject({
        kind: 'delta',
        changes: [{ op: 'upsertKey', value: { id: createKey.virtualKey.id, alias: 'via-a' } }],
      });
      expect(await onA.next(1_000)).toMatchObject({ kind: 'delta', changes: [{ op: 'upsertKey' }] });

      await b.admin('mutation($id: ID!) { deleteKey(id: $id) }', { id: createKey.virtualKey.id });
      expect(await onA.next(1_000)).toMatchObject({ kind: 'delta', changes: [{ op: 'deleteKey', id: createKey.virtualKey.id }] });
      expect(await onB.next(1_000)).toMatchObject({ kind: 'delta', changes: [{ op: 'deleteKey' }] });
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }
  });

  it('should catch up after its LISTEN connection was terminated, on reconnecting', async () => {
    const onB = await subscriber(b);
    try {
      const terminated = await a.orm.em.fork().execute<Array<{ pid: number }>>(
        `select pid, pg_terminate_backend(pid) from pg_stat_activity
         where application_name = 'tollgate-config-listener' and datname = current_database()`,
      );
      expect(terminated).toHaveLength(2); // one per replica
      await waitForLog(b, 'warn LISTEN connection to PostgreSQL lost; reconnecting');
      // Changed while B is not listening: its NOTIFY is lost, and B's subscriber hears nothing …
      await a.admin(CREATE_KEY, { alias: 'while-b-was-away' });
      await expect(onB.next(300)).rejects.toThrow('timed out');
      // … until B reconnects and catches up from the database.
      expect(await onB.next(3_000)).toMatchObject({ kind: 'delta', changes: [{ op: 'upsertKey', value: { alias: 'while-b-was-away' } }] });
      await waitForLog(b, 'info LISTEN connection to PostgreSQL restored');

      // And after reconnecting, changes arrive through the new connection.
      await a.admin(CREATE_KEY, { alias: 'after-reconnect' });
      expect(await onB.next(1_000)).toMatchObject({ kind: 'delta', changes: [{ op: 'upsertKey', value: { alias: 'after-reconnect' } }] });
    } finally {
      await onB.close();
    }
  });
});

async function waitForLog(cp: TestControlPlane, prefix: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cp.logger.lines.some((l) => l.startsWith(prefix))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the log line "${prefix}"`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

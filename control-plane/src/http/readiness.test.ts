import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/harness.js';

/**
 * `/healthz` says the process answers; `/readyz` that it can serve: its database answers. The database is reached
 * through a TCP relay the test can cut, as a PostgreSQL restart or a network partition would.
 */
let db: TestDatabase;
let cp: TestControlPlane;
let relay: Server;
let relayPort = 0;
let open = true;
const sockets = new Set<Socket>();

function startRelay(target: URL): Promise<void> {
  relay = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => relay.listen(relayPort, '127.0.0.1', () => {
    relayPort = (relay.address() as AddressInfo).port;
    resolve();
  }));
}

beforeAll(async () => {
  db = await createTestDatabase();
  const target = new URL(db.url);
  await startRelay(target);
  const url = new URL(db.url);
  url.hostname = '127.0.0.1';
  url.port = String(relayPort);
  cp = await startTestControlPlane({ databaseUrl: url.toString() });
});
afterAll(async () => {
  open = true;
  await cp?.close();
  relay?.close();
  await db?.drop();
});

describe('readiness', () => {
  it('says ready while the database answers, not ready while it is cut off, and ready again once it is back; liveness all along', async () => {
    const readyz = async () => {
      const res = await fetch(`${cp.url}/readyz`);
      return { status: res.status, body: (await res.json()) as unknown };
    };
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });

    open = false;
    for (const socket of sockets) socket.destroy();
    await expect.poll(readyz, { timeout: 10_000 }).toEqual({ status: 503, body: { status: 'not_ready', reason: 'database unavailable' } });
    expect((await fetch(`${cp.url}/healthz`)).status).toBe(200);

    open = true;
    await expect.poll(readyz, { timeout: 15_000 }).toEqual({ status: 200, body: { status: 'ready' } });
  });
});

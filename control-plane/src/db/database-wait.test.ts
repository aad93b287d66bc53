import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../testing/harness.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { openDatabase } from './orm.js';

/**
 * A control plane started before its database (docker compose, a pod restarted with it) waits for PostgreSQL to
 * answer instead of exiting at once. PostgreSQL "comes up" here as a TCP relay to the test database, opened on a port
 * a moment after the control plane started connecting to it.
 */
let db: TestDatabase;
let relay: Server | undefined;
const sockets = new Set<Socket>();

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
  await db?.drop();
});

/** A free port, closed again: nothing listens there until the relay opens it. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function openRelay(port: number, target: URL): Promise<void> {
  relay = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => relay!.listen(port, '127.0.0.1', resolve));
}

describe('opening the database', () => {
  it('waits for PostgreSQL to answer, then migrates and serves', async () => {
    const target = new URL(db.url);
    const port = await freePort();
    const through = new URL(db.url);
    through.hostname = '127.0.0.1';
    through.port = String(port);
    const logger = new MemoryLogger();
    const started = Date.now();
    setTimeout(() => void openRelay(port, target), 1_500);
    const orm = await openDatabase(through.toString(), logger, 20_000);
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
      expect(logger.lines.join('\n')).toMatch(/PostgreSQL is not answering yet \(ECONNREFUSED\); waiting up to 20 s/);
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });

  it('gives up when the wait is over, with the driver error', async () => {
    const closed = new URL(db.url);
    closed.hostname = '127.0.0.1';
    closed.port = String(await freePort());
    await expect(openDatabase(closed.toString(), new MemoryLogger(), 500)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { waitFor } from './wait.js';

export interface RedisServer {
  readonly url: string;
  /** Kills the server (SIGKILL: no goodbye to clients, like a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A Redis server of the test's own on a free port (redis-server from the machine's packages), so a test can take it
 * away without touching the Redis other tests and engineers share.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const started = child;
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      await waitFor(async () => ((await client.ping().catch(() => null)) === 'PONG' ? true : null), 'redis-server to start');
    } finally {
      client.disconnect();
    }
  };
  await start();
  return {
    url,
    start,
    async stop() {
      child?.kill('SIGKILL');
      await exited;
    },
  };
}

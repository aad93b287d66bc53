import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { admitInput, testSubject } from '../test-support/limits.js';
import { startRedisServer, type RedisServer } from '../test-support/redis-server.js';
import { waitFor } from '../test-support/wait.js';
import { Limiter } from './limiter.js';
import type { LimitDecision, Ticket } from './types.js';

function recordingLogger() {
  const lines: Array<{ level: 'info' | 'warn' | 'error'; message: string }> = [];
  const logger: Logger = {
    debug() {},
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
  return { logger, warnings: () => lines.filter((l) => l.level === 'warn'), lines };
}

const ticketOf = (decision: LimitDecision): Ticket => {
  if (!decision.ok) throw new Error(`expected an admission, got ${JSON.stringify(decision, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
  return decision.ticket;
};
const backendOf = (decision: LimitDecision) => ticketOf(decision).backend;
const settled = (tokens = 0) => ({ tokens, nanos: 0n, nowMs: Date.now() });

describe('Limiter', () => {
  let limiter: Limiter | undefined;
  let server: RedisServer | undefined;
  afterEach(async () => {
    await limiter?.close();
    await server?.stop();
    [limiter, server] = [undefined, undefined];
  });

  it('without Redis, counts in this process', async () => {
    limiter = new Limiter({ redisUrl: null, logger: recordingLogger().logger });
    expect(await limiter.ready()).toBe(true);
    const key = testSubject({ rpm: 1 });
    expect(backendOf(await limiter.admit(admitInput([key])))).toBe('local');
    expect(await limiter.admit(admitInput([key]))).toMatchObject({ ok: false, refusal: { kind: 'rpm' } });
    expect(limiter.degraded).toBe(false);
  });

  it('fails open by default: counts locally while Redis is away, warns once, and goes back to Redis by itself', async () => {
    server = await startRedisServer();
    const log = recordingLogger();
    limiter = new Limiter({ redisUrl: server.url, logger: log.logger });
    expect(limiter.failureMode).toBe('open');
    expect(await limiter.ready()).toBe(true);
    const key = testSubject({ rpm: 3, parallel: 10 });
    const before = ticketOf(await limiter.admit(admitInput([key])));
    expect(before.backend).toBe('redis');

    await server.stop();
    // This data plane's own counters decide meanwhile, exactly for its own requests.
    const during = await Promise.all([1, 2, 3, 4].map(() => limiter!.admit(admitInput([key]))));
    expect(during.filter((d) => d.ok).map(backendOf)).toEqual(['local', 'local', 'local']);
    expect(during.filter((d) => !d.ok)).toMatchObject([{ refusal: { kind: 'rpm' } }]);
    expect(limiter.degraded).toBe(true);
    expect(limiter.outages).toBe(1);
    expect(limiter.decidedWithoutRedis).toBe(4);
    expect(log.warnings()).toHaveLength(1);
    expect(log.warnings()[0]!.message).toMatch(/Redis unavailable/);
    // A ticket Redis admitted cannot be settled now; that must not fail the request (it is logged, once).
    await limiter.settle(before, settled());
    await limiter.settle(ticketOf(during[0]!), settled());
    expect(log.warnings().map((w) => w.message)).toEqual([expect.stringMatching(/Redis unavailable/), expect.stringMatching(/settle failed/)]);

    await server.start();
    await waitFor(async () => backendOf(await limiter!.admit(admitInput([testSubject({ rpm: 1 })]))) === 'redis', 'the limiter to use Redis again', 5_000);
    expect(limiter.degraded).toBe(false);
    expect(log.warnings()).toHaveLength(2);
    expect(log.lines.at(-1)).toMatchObject({ level: 'info', message: expect.stringMatching(/Redis is back/) });
    expect(limiter.outages).toBe(1);
  });

  it('tells an outage as it happens, before any request with limits meets it, and its end the same way', async () => {
    server = await startRedisServer();
    const log = recordingLogger();
    limiter = new Limiter({ redisUrl: server.url, logger: log.logger });
    expect(await limiter.ready()).toBe(true);
    expect(limiter.degraded).toBe(false);

    await server.stop();
    await waitFor(() => limiter!.degraded, 'the limiter to report Redis down without a request', 5_000);
    expect(limiter.outages).toBe(1);
    expect(log.warnings().map((w) => w.message)).toEqual([expect.stringMatching(/Redis unavailable/)]);

    await server.start();
    await waitFor(() => !limiter!.degraded, 'the limiter to report Redis back without a request', 5_000);
    expect(log.lines.at(-1)).toMatchObject({ level: 'info', message: expect.stringMatching(/Redis is back/) });
    expect(backendOf(await limiter.admit(admitInput([testSubject({ rpm: 5 })])))).toBe('redis');
    expect(limiter.outages).toBe(1);
    expect(limiter.decidedWithoutRedis).toBe(0);
  });

  it('is not degraded for closing its own connection', async () => {
    server = await startRedisServer();
    const log = recordingLogger();
    limiter = new Limiter({ redisUrl: server.url, logger: log.logger });
    expect(await limiter.ready()).toBe(true);
    await limiter.close();
    expect(limiter.degraded).toBe(false);
    expect(log.warnings()).toEqual([]);
    limiter = undefined;
  });

  it('fails closed when asked: requests with limits are unavailable while Redis is away, the others go on', async () => {
    server = await startRedisServer();
    limiter = new Limiter({ redisUrl: server.url, failureMode: 'closed', logger: recordingLogger().logger });
    await limiter.ready();
    const key = testSubject({ rpm: 100 });
    expect(backendOf(await limiter.admit(admitInput([key])))).toBe('redis');

    await server.stop();
    expect(await limiter.admit(admitInput([key]))).toEqual({ ok: false, unavailable: true });
    expect(await limiter.admit(admitInput([key]))).toEqual({ ok: false, unavailable: true });
    expect((await limiter.admit(admitInput([testSubject()]))).ok).toBe(true);
    expect(limiter.decidedWithoutRedis).toBe(2);

    await server.start();
    await waitFor(async () => (await limiter!.admit(admitInput([key]))).ok, 'the limiter to use Redis again', 5_000);
    expect(limiter.degraded).toBe(false);
  });

  it('fails closed from the start when Redis was never there', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    limiter = new Limiter({ redisUrl: `redis://127.0.0.1:${port}`, failureMode: 'closed', logger: recordingLogger().logger });
    expect(await limiter.ready(300)).toBe(false);
    expect(await limiter.admit(admitInput([testSubject({ tpm: 10 })]))).toEqual({ ok: false, unavailable: true });
    expect(limiter.degraded).toBe(true);
  });

  it('settles each ticket where it was admitted, across an outage', async () => {
    server = await startRedisServer();
    limiter = new Limiter({ redisUrl: server.url, logger: recordingLogger().logger });
    await limiter.ready();
    const key = testSubject({ tpm: 1_000 });
    const inRedis = ticketOf(await limiter.admit(admitInput([key], { reserveTokens: 500 })));
    expect(inRedis.backend).toBe('redis');

    // A restart empties Redis; the ticket admitted there holds 500 tokens again once it is back.
    await server.stop();
    const inProcess = ticketOf(await limiter.admit(admitInput([key], { reserveTokens: 500 })));
    expect(inProcess.backend).toBe('local');
    await server.start();
    await waitFor(async () => backendOf(await limiter!.admit(admitInput([testSubject({ rpm: 1 })]))) === 'redis', 'the limiter to use Redis again', 5_000);
    expect(backendOf(await limiter.admit(admitInput([key], { reserveTokens: 500 })))).toBe('redis');

    // Giving back the local ticket's 500 tokens must not free any in Redis.
    await limiter.settle(inProcess, settled());
    expect(await limiter.admit(admitInput([key], { reserveTokens: 600 }))).toMatchObject({ ok: false, refusal: { kind: 'tpm' } });
    await limiter.settle(inRedis, settled());
    expect(await limiter.admit(admitInput([key], { reserveTokens: 500 }))).toMatchObject({ ok: true, ticket: { backend: 'redis' } });
  });

  it('leaves no slot taken when Redis stalls past the timeout and then runs the admit: the key is not locked out', async () => {
    server = await startRedisServer();
    const admin = new Redis(server.url);
    try {
      limiter = new Limiter({ redisUrl: server.url, commandTimeoutMs: 100, logger: recordingLogger().logger });
      await limiter.ready();
      const key = testSubject({ parallel: 1 });
      expect(backendOf(await limiter.admit(admitInput([testSubject({ rpm: 10 })])))).toBe('redis'); // loads the script
      await admin.client('PAUSE', 400, 'WRITE');
      // Redis holds the admit past the timeout: the request goes on, counted here; then Redis takes the slot anyway.
      const during = ticketOf(await limiter.admit(admitInput([key])));
      expect(during.backend).toBe('local');
      expect(limiter.retriesPending).toBe(1);
      await limiter.settle(during, settled());
      // Once Redis answers again, the slot it took for a request it never heard of again is given back.
      const again = await waitFor(async () => {
        const decision = await limiter!.admit(admitInput([key]));
        return decision.ok && decision.ticket.backend === 'redis' ? decision : null;
      }, 'the key to be admitted in Redis again', 3_000);
      expect(again.ok).toBe(true);
      expect([limiter.retriesPending, limiter.retriesDropped]).toEqual([0, 0]);
    } finally {
      admin.disconnect();
    }
  });

  describe('with a Redis that stops answering', () => {
    let silent: Server;
    let sockets: Socket[] = [];
    beforeEach(async () => {
      sockets = [];
      silent = createServer((socket) => sockets.push(socket)); // accepts, reads, never answers
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('holds a request up no longer than the command timeout, and skips Redis for a while after', async () => {
      const { port } = silent.address() as AddressInfo;
      limiter = new Limiter({ redisUrl: `redis://127.0.0.1:${port}`, commandTimeoutMs: 100, logger: recordingLogger().logger });
      expect(await limiter.ready()).toBe(true);
      const key = testSubject({ rpm: 10 });
      let started = performance.now();
      expect(backendOf(await limiter.admit(admitInput([key])))).toBe('local');
      const first = performance.now() - started;
      expect(first).toBeGreaterThanOrEqual(95);
      expect(first).toBeLessThan(600);
      started = performance.now();
      expect(backendOf(await limiter.admit(admitInput([key])))).toBe('local');
      expect(performance.now() - started).toBeLessThan(50);
      expect(limiter.degraded).toBe(true);

      // A second on, one request tries Redis again; the others do not wait for it.
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      started = performance.now();
      const took = await Promise.all([1, 2, 3, 4, 5].map(async () => {
        await limiter!.admit(admitInput([key]));
        return performance.now() - started;
      }));
      expect(took.filter((ms) => ms >= 95)).toHaveLength(1);
    });
  });
});

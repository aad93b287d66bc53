import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot } from '../test-support/fixtures.js';
import { ManualConfigSource } from '../test-support/manual-config-source.js';
import { waitFor } from '../test-support/wait.js';

/** Just enough of the Redis protocol (RESP arrays in, +PONG/+OK out) to test readiness without a Redis server. */
async function fakeRedis(): Promise<{ url: string; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      for (;;) {
        const command = takeCommand(buffered);
        if (!command) break;
        buffered = buffered.slice(command.length);
        socket.write(command.name.toUpperCase() === 'PING' ? '+PONG\r\n' : '+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** One complete `*<n>\r\n($<len>\r\n<arg>\r\n)×n` command at the start of `input`, or null. */
function takeCommand(input: string): { name: string; length: number } | null {
  const header = /^\*(\d+)\r\n/.exec(input);
  if (!header) return null;
  let at = header[0].length;
  let name = '';
  for (let i = 0; i < Number(header[1]); i++) {
    const bulk = /^\$(\d+)\r\n/.exec(input.slice(at));
    if (!bulk) return null;
    const start = at + bulk[0].length;
    const end = start + Number(bulk[1]);
    if (input.length < end + 2) return null;
    if (i === 0) name = input.slice(start, end);
    at = end + 2;
  }
  return { name, length: at };
}

describe('health', () => {
  let t: TestDataPlane | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const get = async (path: string) => {
    const res = await fetch(`${t!.baseUrl}${path}`);
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it('is live at once, and ready only once a snapshot is loaded', async () => {
    const source = new ManualConfigSource();
    t = await startTestDataPlane({ configSource: source });
    expect(t.dp.configVersion()).toBe(-1);

    const live = await get('/health/liveness');
    expect(live.status).toBe(200);
    expect(live.headers.get('x-tollgate-config-version')).toBe('none');

    const before = await get('/health/readiness');
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ status: 'not_ready', configVersion: null, uws: 'uWebSockets.js' });

    // Requests are refused with 503 until then, too.
    const chat = await fetch(`${t.baseUrl}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(chat.status).toBe(503);
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('config_not_loaded');

    source.push({ kind: 'snapshot', version: 7, snapshot: fixtureSnapshot(7) });
    const after = await get('/health/readiness');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ status: 'ready', configVersion: 7, uws: 'uWebSockets.js' });
    expect(after.headers.get('x-tollgate-config-version')).toBe('7');
    expect(t.dp.configVersion()).toBe(7);
  });

  it('with REDIS_URL, is ready only while Redis answers PING', async () => {
    const redis = await fakeRedis();
    t = await startTestDataPlane({ redisUrl: redis.url });
    const ready = await waitFor(async () => ((await get('/health/readiness')).status === 200 ? true : null), 'redis readiness');
    expect(ready).toBe(true);
    expect((await get('/health/readiness')).body).toMatchObject({ status: 'ready', redis: 'ok' });
    await redis.close();
    await waitFor(async () => ((await get('/health/readiness')).status === 503 ? true : null), 'not ready after Redis went away');
  });

  it('with REDIS_URL pointing nowhere, is not ready', async () => {
    t = await startTestDataPlane({ redisUrl: 'redis://127.0.0.1:1' });
    const res = await get('/health/readiness');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'not_ready', reason: 'redis unreachable', configVersion: 1 });
  });
});

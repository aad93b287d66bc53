import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect, createServer, type AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { mockProvider } from './providers/mock/index.js';
import { ProviderRegistry } from './providers/registry.js';
import { startTestDataPlane } from './test-support/data-plane.js';
import { KEYS } from './test-support/fixtures.js';
import { postChat } from './test-support/sse.js';

const slow = () => new ProviderRegistry([mockProvider({ delayMs: 20 })]);
const chat = { model: 'mock-gpt', stream: true, messages: [{ role: 'user', content: 'one two three four five' }] };

describe('startDataPlane().close()', () => {
  it('lets an in-flight stream finish, ships its usage, and stops accepting', async () => {
    const t = await startTestDataPlane({ providers: slow() });
    const res = await postChat(t.baseUrl, KEYS.full, chat);
    const requestId = res.headers.get('x-request-id')!;
    const body = res.text();
    await t.dp.close();
    expect((await body).endsWith('data: [DONE]\n\n')).toBe(true);
    expect(t.cp.acknowledged.get(requestId)?.status).toBe('success');
    await expect(fetch(`${t.baseUrl}/health/liveness`)).rejects.toThrow();
    await t.cp.close();
  });

  it('cuts streams still running after the grace period and ships them as aborted', async () => {
    const t = await startTestDataPlane({ providers: slow(), shutdownGraceMs: 50 });
    const res = await postChat(t.baseUrl, KEYS.full, chat);
    const requestId = res.headers.get('x-request-id')!;
    const body = res.text().catch(() => 'cut');
    await t.dp.close();
    expect(await body).toBe('cut');
    // The gateway's doing, not the client's: told apart in the request log.
    expect(t.cp.acknowledged.get(requestId)).toMatchObject({ status: 'aborted', errorType: 'gateway_shutdown', errorMessage: expect.stringContaining('shut down') });
    await t.cp.close();
  });

  it('while draining, says not ready on connections kept from before and closes each one after its response', async () => {
    const t = await startTestDataPlane({ providers: slow(), shutdownGraceMs: 5_000 });
    const agent = new Agent({ connections: 1 });
    const ready = () => undiciFetch(`${t.baseUrl}/health/readiness`, { dispatcher: agent });
    const before = await ready();
    expect(before.status).toBe(200);
    await before.text(); // the connection goes back to the agent, kept alive
    // A stream keeps the data plane draining meanwhile.
    const res = await postChat(t.baseUrl, KEYS.full, { ...chat, messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }] });
    const body = res.text();
    const closed = t.dp.close();
    const draining = await ready();
    expect(draining.status).toBe(503);
    expect(draining.headers.get('connection')).toBe('close');
    expect(await draining.json()).toMatchObject({ status: 'not_ready', reason: 'shutting down' });
    expect((await body).endsWith('data: [DONE]\n\n')).toBe(true);
    await closed;
    await agent.close();
    await t.cp.close();
  });

  it('refuses a port that is taken', async () => {
    const a = await startTestDataPlane();
    await expect(startTestDataPlane({ port: a.dp.port })).rejects.toThrow(/could not listen/);
    await a.close();
  });

  it('refuses a port another uWS process serves, which uWS would share by default (SO_REUSEPORT)', async () => {
    // Another gateway (or any uWS server) on the port, listening as uWS does by default: a second one on the same port
    // used to start, and the kernel split the connections between the two.
    // A port chosen up front: bound as port 0, the kernel would not let another socket share it anyway.
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const uwsPath = createRequire(import.meta.url).resolve('uWebSockets.js');
    const script = `const uws = require(${JSON.stringify(uwsPath)}); uws.App().any('/*', (res) => res.end('other')).listen('127.0.0.1', ${free}, (s) => console.log(s ? uws.us_socket_local_port(s) : 0));`;
    const other = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        other.stdout.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())));
        other.once('exit', (code) => reject(new Error(`the other server exited (${code})`)));
      });
      expect(port).toBeGreaterThan(0);
      await expect(startTestDataPlane({ port })).rejects.toThrow(/could not listen/);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('other');
    } finally {
      other.kill();
    }
  });

  it("records a stream uWS closes because its client read nothing for 10 s as the client's slowness, not a hang-up", async () => {
    const t = await startTestDataPlane();
    const words = Array.from({ length: 100_000 }, (_, i) => `w${i}`).join(' ');
    const body = JSON.stringify({ model: 'mock-gpt', stream: true, messages: [{ role: 'user', content: words }] });
    const { port } = new URL(t.baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.full}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    let head = '';
    await new Promise<void>((resolve) => socket.once('data', (chunk: Buffer) => {
      head = chunk.toString('latin1');
      resolve();
    }));
    socket.pause(); // reads nothing more: the answer piles up in the socket's buffers, then in uWS's
    const requestId = /x-request-id: ([0-9a-f-]+)/i.exec(head)![1]!;
    // uWS closes the connection about 10 s in (the paused socket does not see it until it reads again).
    await expect.poll(() => t.cp.acknowledged.get(requestId), { timeout: 20_000, interval: 500 }).toMatchObject({ status: 'aborted', errorType: 'client_too_slow' });
    socket.destroy();
    await t.close();
  }, 30_000);
});

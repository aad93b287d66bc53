import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, KEYS } from '../test-support/fixtures.js';
import { ManualConfigSource } from '../test-support/manual-config-source.js';
import { startRedisServer } from '../test-support/redis-server.js';
import { waitFor } from '../test-support/wait.js';

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

  it('counts requests, tokens and latencies per model in /metrics', async () => {
    t = await startTestDataPlane();
    const chat = (model: string) =>
      fetch(`${t!.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }] }),
      });
    expect((await chat('mock-gpt')).status).toBe(200);
    expect((await chat('mock-gpt')).status).toBe(200);
    expect((await chat('no-such-model')).status).toBe(404);
    const text = await waitFor(async () => {
      const body = await (await fetch(`${t!.baseUrl}/metrics`)).text();
      return body.includes('code="404"') ? body : null;
    }, 'the refused request counted');
    expect(text).toContain('tollgate_requests_total{model="mock-gpt",code="200",outcome="success"} 2');
    expect(text).toContain('tollgate_requests_total{model="",code="404",outcome="error"} 1');
    expect(text).toMatch(/tollgate_tokens_total\{model="mock-gpt",kind="output"\} [1-9]/);
    expect(text).toContain('tollgate_request_duration_seconds_count{model="mock-gpt"} 2');
  });

  it('with a metrics token, answers /metrics only to its bearer, in the OpenAI error shape otherwise', async () => {
    t = await startTestDataPlane({ metricsToken: 'scrape-token-0123456789' });
    const scrape = (authorization?: string) => fetch(`${t!.baseUrl}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
    const missing = await scrape();
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    const wrong = await scrape('Bearer scrape-token-0123456780');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain('Incorrect metrics token');
    const right = await scrape('Bearer scrape-token-0123456789');
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('tollgate_config_version 1');
    expect((await fetch(`${t.baseUrl}/health/readiness`)).status).toBe(200);
  });

  it('with REDIS_URL failing closed, is ready only while Redis answers PING', async () => {
    const redis = await startRedisServer();
    t = await startTestDataPlane({ redisUrl: redis.url, limitsFailureMode: 'closed' });
    const ready = await waitFor(async () => ((await get('/health/readiness')).status === 200 ? true : null), 'redis readiness');
    expect(ready).toBe(true);
    expect((await get('/health/readiness')).body).toMatchObject({ status: 'ready', redis: 'ok', limits: { counters: 'redis', degraded: false } });
    await redis.stop();
    await waitFor(async () => ((await get('/health/readiness')).status === 503 ? true : null), 'not ready after Redis went away');
  });

  it('with REDIS_URL pointing nowhere and failing closed, is not ready', async () => {
    t = await startTestDataPlane({ redisUrl: 'redis://127.0.0.1:1', limitsFailureMode: 'closed' });
    const res = await get('/health/readiness');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'not_ready', reason: 'redis unreachable', configVersion: 1 });
  });

  it('failing open (the default), stays ready and serving without Redis, and says so in readiness and /metrics', async () => {
    t = await startTestDataPlane({ redisUrl: 'redis://127.0.0.1:1' });
    const res = await get('/health/readiness');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', redis: 'unreachable', limits: { counters: 'redis', failureMode: 'open' } });
    const chat = await fetch(`${t.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'still served' }] }),
    });
    expect(chat.status).toBe(200);
    const metrics = await fetch(`${t.baseUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^tollgate_config_version 1$/m);
    expect(text).toMatch(/^tollgate_limits_degraded\{counters="redis",failure_mode="open"\} [01]$/m);
    expect(text).toMatch(/^tollgate_limits_redis_retries_pending 0$/m);
    expect(text).toMatch(/^tollgate_limits_redis_retries_dropped_total 0$/m);
  });
  it('answers HEAD on every GET route with the same status and headers and no body, so the connection stays usable', async () => {
    t = await startTestDataPlane();
    // HEAD then GET on one connection: a body after the HEAD answer would be read as the start of the next response.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(t!.dp.port, '127.0.0.1', () => {
        socket.write(`HEAD /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.full}\r\n\r\nHEAD /v1/nowhere HTTP/1.1\r\nHost: x\r\n\r\nGET /health/liveness HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (d) => {
        text += d.toString();
        if (text.endsWith('{"status":"alive"}')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    const [models, missing, live] = raw.split(/(?=HTTP\/1\.1 )/);
    const listed = await fetch(`${t.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${KEYS.full}` } });
    expect(models).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(models).toContain(`content-length: ${(await listed.arrayBuffer()).byteLength}\r\n`);
    expect(models!.endsWith('\r\n\r\n')).toBe(true);
    expect(missing).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(missing!.endsWith('\r\n\r\n')).toBe(true);
    expect(live).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\{"status":"alive"\}$/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { KEYS } from '../test-support/fixtures.js';

/**
 * Browsers' cross-origin requests: a page on an allowed origin may call the gateway (its preflight answered, its
 * responses readable, headers included); a page on another origin gets no CORS headers, so the browser refuses it;
 * without `TOLLGATE_CORS_ORIGINS` no origin may.
 */
describe('CORS', () => {
  const APP = 'https://app.example.com';
  let listed: TestDataPlane;
  let anyOrigin: TestDataPlane;
  let none: TestDataPlane;

  beforeAll(async () => {
    [listed, anyOrigin, none] = await Promise.all([
      startTestDataPlane({ corsOrigins: [APP, 'http://localhost:5173'] }),
      startTestDataPlane({ corsOrigins: ['*'] }),
      startTestDataPlane(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([listed?.close(), anyOrigin?.close(), none?.close()]);
  });

  /** The preflight a browser sends before the OpenAI SDK's POST from a page. */
  const preflight = (plane: TestDataPlane, origin: string, path = '/v1/chat/completions') =>
    fetch(`${plane.baseUrl}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os' },
    });
  const chat = (plane: TestDataPlane, origin: string) =>
    fetch(`${plane.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin, authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('answers the preflight of an allowed origin, with the headers the page asked to send', async () => {
    const res = await preflight(listed, APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE, OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type,x-stainless-os');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toBe('Origin');
    // Anthropic's route too (a page using the Anthropic SDK).
    expect((await preflight(listed, APP, '/v1/messages')).headers.get('access-control-allow-origin')).toBe(APP);
  });

  it("lets an allowed origin's page read answers and their headers, errors included", async () => {
    const ok = await chat(listed, APP);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-expose-headers')).toBe('*');
    expect(ok.headers.get('x-request-id')).toBeTruthy();
    const refused = await fetch(`${listed.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('gives other origins nothing a browser would accept', async () => {
    const evil = 'https://evil.example';
    const res = await preflight(listed, evil);
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const answered = await chat(listed, evil);
    expect(answered.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers any origin with * when configured so, and none without TOLLGATE_CORS_ORIGINS', async () => {
    const any = await chat(anyOrigin, 'https://anywhere.example');
    expect(any.headers.get('access-control-allow-origin')).toBe('*');
    expect(any.headers.get('vary')).toBeNull();
    expect((await preflight(anyOrigin, 'https://anywhere.example')).status).toBe(204);
    expect((await preflight(none, APP)).status).toBe(404);
    expect((await chat(none, APP)).headers.get('access-control-allow-origin')).toBeNull();
  });
});

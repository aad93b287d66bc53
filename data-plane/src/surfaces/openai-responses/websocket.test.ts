import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS } from '../../test-support/fixtures.js';

/**
 * The Responses API's WebSocket mode (`GET /v1/responses` with `Upgrade: websocket`), which Codex tries before HTTP:
 * Tollgate answers 426, on which Codex falls back to HTTP at once (other statuses cost it retries with backoff).
 */
describe('Responses over a WebSocket', () => {
  let t: TestDataPlane;
  beforeAll(async () => {
    t = await startTestDataPlane({ snapshot: fixtureSnapshot() });
  });
  afterAll(() => t.close());

  /** Opens a WebSocket at `path`: the handshake's HTTP status and body, as the client saw them. */
  const handshake = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(`${t.baseUrl.replace('http', 'ws')}${path}`, { headers: { authorization: `Bearer ${KEYS.full}` } });
      socket.on('open', () => reject(new Error('the WebSocket opened')));
      socket.on('error', () => undefined);
      socket.on('unexpected-response', (_req, res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      });
    });

  it('refuses the upgrade with 426 and an OpenAI error saying to use HTTP, with or without /v1', async () => {
    for (const path of ['/v1/responses', '/responses']) {
      const { status, body } = await handshake(path);
      expect(status, path).toBe(426);
      expect(JSON.parse(body)).toEqual({
        error: { message: expect.stringContaining('POST /v1/responses'), type: 'invalid_request_error', param: null, code: 'websocket_not_supported' },
      });
    }
  });

  it("surfaces as a 426 to the OpenAI SDK's WebSocket client, whose caller then uses HTTP", async () => {
    const client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    const socket = new ResponsesWS(client);
    const error = await new Promise<Error>((resolve) => socket.on('error', resolve));
    expect(error.message).toContain('426');
    socket.close();
    const response = await client.responses.create({ model: 'mock-gpt', input: 'over HTTP then' });
    expect(response.status).toBe('completed');
  });

  it('answers a plain GET of the route as a wrong route', async () => {
    const res = await fetch(`${t.baseUrl}/v1/responses`, { headers: { authorization: `Bearer ${KEYS.full}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

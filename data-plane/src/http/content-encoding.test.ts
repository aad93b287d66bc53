import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../test-support/fixtures.js';
import { startRawUpstream, type RawUpstream } from '../test-support/raw-upstream.js';

/**
 * `zstd -3` of a chat request for `plain` (1,956 bytes of JSON, a summary of forty log lines), as the zstd CLI
 * writes it: a frame with its content size and compressed blocks, the kind Codex sends (`enable_request_compression`).
 */
const ZSTD_CHAT_REQUEST = Buffer.from(
  'KLUv/WSkBvUHAFKMJh5QaeuINIg9yi8rIP7ZmEdgZtjt7tOnJHER05iZCSGLg4WqTo0a6dNHd3Nvm1acGDHChw8+zcvMqzbtLlqzyO5ZdaRFjajDR+pltM/gXZp8LI3h/AdZ9IZwUDFiclCMTTCSIEAgl0l/rCWAAbZ8dojpz5bEucSALo3P44OKFnTxT+hSb3BRRcHSd0Py704L+ljSELq0OQJ0qghAqJG4vv+fAWAzSj0SaBCYznME/2/VjegDQ3GpHc2lKnVVtaLWfUrzqklOPG380JTtZp5JaXdvJm0XNkyH0zYiuxpsleufWS+oxpSapmciTXd0aoZRDsTHDCyzcPI8TkcVWRYiIA==',
  'base64',
);

/**
 * A zstd frame of `blocks` RLE blocks of 128 KiB each (one byte repeated): a few bytes per block on the wire, so a
 * kilobyte decodes to tens of megabytes. RFC 8878: magic, a frame header with a 2 MiB window and no content size,
 * then per block a 3-byte header (last-block bit, type 1 = RLE, size) and the byte.
 */
function zstdRleBomb(blocks: number): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58])];
  for (let i = 0; i < blocks; i++) {
    const header = (128 * 1024) * 8 + (1 << 1) + (i === blocks - 1 ? 1 : 0);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x20]));
  }
  return Buffer.concat(parts);
}

describe('request bodies sent with a Content-Encoding', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  const MAX_BODY = 1024 * 1024;
  const chat = JSON.stringify({ model: 'plain', messages: [{ role: 'user', content: 'hi' }] });
  const post = (path: string, body: Buffer | string, encoding: string, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json', 'content-encoding': encoding, ...headers },
      body,
    });

  beforeAll(async () => {
    upstream = await startRawUpstream((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'up', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 } }));
    });
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'raw', name: 'plain', provider: 'openai_compatible', providerModel: 'up', apiBase: `${upstream.origin}/v1` }));
    t = await startTestDataPlane({ snapshot, maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  it.each([
    ['gzip', gzipSync(chat)],
    ['x-gzip', gzipSync(chat)],
    ['deflate', deflateSync(chat)],
    ['deflate', deflateRawSync(chat)],
    ['br', brotliCompressSync(chat)],
    ['zstd', ZSTD_CHAT_REQUEST],
    ['identity', Buffer.from(chat)],
    // Applied in the order listed: brotli first, then gzip; undone the other way round.
    ['br, gzip', gzipSync(brotliCompressSync(chat))],
  ])('decodes %s before reading the request, and the upstream gets the JSON plain', async (encoding, body) => {
    const res = await post('/v1/chat/completions', body, encoding);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(upstream.received).toHaveLength(1);
    const [received] = upstream.received;
    expect(received!.body.messages).toEqual(encoding === 'zstd' ? [expect.objectContaining({ role: 'user', content: expect.stringMatching(/^Summarise this log\. line 0: GET/) })] : [{ role: 'user', content: 'hi' }]);
    expect(received!.headers['content-encoding']).toBeUndefined();
  });

  it('decodes compressed bodies on the Anthropic and Responses routes too', async () => {
    const messages = await post('/v1/messages', gzipSync(JSON.stringify({ model: 'mock-gpt', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })), 'gzip');
    expect(messages.status).toBe(200);
    expect(await messages.json()).toMatchObject({ type: 'message', role: 'assistant' });
    const responses = await post('/v1/responses', brotliCompressSync(JSON.stringify({ model: 'mock-gpt', input: 'hi' })), 'br');
    expect(responses.status).toBe(200);
    expect(await responses.json()).toMatchObject({ object: 'response', status: 'completed' });
  });

  it('refuses a coding it does not know with 415, naming the ones it takes in Accept-Encoding', async () => {
    const res = await post('/v1/chat/completions', chat, 'compress');
    expect(res.status).toBe(415);
    expect(res.headers.get('accept-encoding')).toBe('gzip, deflate, br, zstd');
    expect(await res.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'unsupported_content_encoding',
        param: null,
        message: "The request body's Content-Encoding 'compress' is not supported. Send it uncompressed or encoded as one of: gzip, deflate, br, zstd.",
      },
    });
    // In Anthropic's shape on its routes.
    const anthropic = await post('/v1/messages', chat, 'compress');
    expect(anthropic.status).toBe(415);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining("'compress' is not supported") } });
    expect(upstream.received).toHaveLength(0);
  });

  it('refuses a body that does not decode as its coding says with 400, naming the coding', async () => {
    const res = await post('/v1/chat/completions', chat, 'gzip');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_content_encoding', message: expect.stringMatching(/^We could not decode the request body as gzip, as its Content-Encoding says: .+\.$/) } });
    const zstd = await post('/v1/chat/completions', ZSTD_CHAT_REQUEST.subarray(0, 100), 'zstd');
    expect(zstd.status).toBe(400);
    expect(await zstd.json()).toMatchObject({ error: { code: 'invalid_content_encoding', message: expect.stringContaining('as zstd') } });
    expect(upstream.received).toHaveLength(0);
  });

  it('holds the decoded body to the body limit: a small body that expands past it is a 413', async () => {
    const expanded = `Request body exceeds the limit of ${MAX_BODY} bytes once decoded`;
    // 2 MiB of one byte, under 3 KiB compressed.
    const gzip = await post('/v1/chat/completions', gzipSync(Buffer.alloc(2 * MAX_BODY, 0x20)), 'gzip');
    expect(gzip.status).toBe(413);
    expect(await gzip.json()).toMatchObject({ error: { code: 'request_too_large', message: `${expanded} (Content-Encoding: gzip).` } });
    // 40 MiB from 1.3 KB: refused once the first megabyte is past, not after decoding it all.
    const bomb = zstdRleBomb(320);
    expect(bomb.length).toBeLessThan(1_300);
    const zstd = await post('/v1/chat/completions', bomb, 'zstd');
    expect(zstd.status).toBe(413);
    expect(await zstd.json()).toMatchObject({ error: { code: 'request_too_large', message: `${expanded} (Content-Encoding: zstd).` } });
    expect(upstream.received).toHaveLength(0);
    // The data plane is still answering.
    expect((await post('/v1/chat/completions', gzipSync(chat), 'gzip')).status).toBe(200);
  });
});

import { gzipSync } from 'node:zlib';
import OpenAI, { APIError } from 'openai';
import { RouterConfig } from '@tollgate/schema';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { startRawUpstream, streamParts, type RawHandler, type RawUpstream } from '../../test-support/raw-upstream.js';
import { waitFor } from '../../test-support/wait.js';

/**
 * What OpenAI-compatible servers and the proxies before them answer that is no answer, on the OpenAI chat fast path,
 * seen through the official `openai` SDK: a 200 carrying an error (OpenRouter's), a proxy's HTML page, a redirect, an
 * empty 204, a stream request answered with JSON. Each is an error in OpenAI's shape, before anything reached the
 * client, so the router falls back (`fallbacks: ["backup"]`, a second server that answers).
 */

const head = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up' };
const chunk = (delta: object, finish: string | null = null) => ({ ...head, choices: [{ index: 0, delta, finish_reason: finish }] });
const USAGE = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 };
const COMPLETION = { id: 'c2', object: 'chat.completion', created: 1, model: 'backup', choices: [{ index: 0, message: { role: 'assistant', content: 'from backup' }, finish_reason: 'stop' }], usage: USAGE };
const sse = (events: object[]) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat('data: [DONE]\n\n');

describe('OpenAI chat fast path: answers that are no answer', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  let backup: RawUpstream;
  let handler: RawHandler;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startRawUpstream((req, body, res) => handler(req, body, res));
    backup = await startRawUpstream((_req, body, res) => {
      if (body.stream === true) return streamParts(sse([chunk({ role: 'assistant', content: '' }), chunk({ content: 'from backup' }, 'stop'), { ...head, choices: [], usage: USAGE }]))(_req, body, res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(COMPLETION));
    });
    const snapshot = fixtureSnapshot();
    const priced = { inputCostPerMillion: 1, outputCostPerMillion: 2 };
    snapshot.models.push(model({ id: 'n1', name: 'compat', provider: 'openai_compatible', providerModel: 'up-model', apiBase: `${upstream.origin}/v1`, ...priced }));
    snapshot.models.push(model({ id: 'n2', name: 'backup', provider: 'openai_compatible', providerModel: 'backup-model', apiBase: `${backup.origin}/v1`, ...priced }));
    snapshot.router = RouterConfig.parse({ backoffMs: 0, numRetries: 0 });
    t = await startTestDataPlane({ snapshot });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
    await backup.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
    backup.received.length = 0;
  });

  const ask = (extra: Record<string, unknown> = {}) =>
    client.chat.completions.create({ model: 'compat', messages: [{ role: 'user', content: 'hi' }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);
  const refusal = (extra: Record<string, unknown> = {}) => ask(extra).then(() => undefined, (e: unknown) => e as APIError);
  const reply = (status: number, type: string, body: string) => {
    handler = (_req, _body, res) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
  };
  const usageEvent = (requestId: string | null | undefined) => waitFor(() => t.cp.acknowledged.get(requestId!), 'usage event');

  it("turns a 200 carrying an error into that error, at the status its code gives, and falls back", async () => {
    reply(200, 'application/json', JSON.stringify({ error: { code: 429, message: 'Provider returned error: rate limited upstream', metadata: { provider_name: 'X' } } }));
    const error = await refusal();
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 429, message: expect.stringContaining('rate limited upstream') });
    expect(await usageEvent(error!.requestID)).toMatchObject({ status: 'error', httpStatus: 429, promptTokens: 0, cost: '0.000000000000' });
    const answer = await ask({ fallbacks: ['backup'] });
    expect(answer.choices[0]!.message.content).toBe('from backup');
  });

  it("names a proxy's HTML page by its title instead of answering it as a completion", async () => {
    reply(200, 'text/html', '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>\r\n</html>\r\n');
    const error = await refusal();
    expect(error).toMatchObject({ status: 502, message: expect.stringContaining('an HTML page (HTTP 200): 502 Bad Gateway') });
    expect((await ask({ fallbacks: ['backup'] })).choices[0]!.message.content).toBe('from backup');
  });

  it('makes a redirect and an empty 204 a 502 that says what came', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(302, { location: 'https://elsewhere.example/v1/chat/completions' });
      res.end();
    };
    expect(await refusal()).toMatchObject({ status: 502, message: expect.stringContaining("HTTP 302 (a redirect: check the deployment's apiBase)") });
    handler = (_req, _body, res) => {
      res.writeHead(204);
      res.end();
    };
    expect(await refusal()).toMatchObject({ status: 502, message: expect.stringContaining('HTTP 204') });
  });

  it('asks for uncompressed bytes, and does not pass on a compressed body as JSON', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(COMPLETION)));
    };
    const error = await refusal();
    expect(upstream.received[0]!.headers['accept-encoding']).toBe('identity');
    expect(error).toMatchObject({ status: 502 });
  });

  it('answers a stream request the server answered with a JSON error with that error, not a cut stream', async () => {
    reply(200, 'application/json', JSON.stringify({ error: { code: 400, message: 'This endpoint does not support streaming' } }));
    const error = await client.chat.completions.create({ model: 'compat', stream: true, messages: [{ role: 'user', content: 'hi' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 400, message: expect.stringContaining('does not support streaming') });
  });

  it("retries OpenRouter's error chunk before the answer, then falls back, with OpenRouter's message", async () => {
    const errorChunk = { ...chunk({ content: '' }, 'error'), error: { code: 502, message: 'Upstream provider went away' } };
    handler = streamParts([': OPENROUTER PROCESSING\n\n', ...sse([errorChunk])]);
    const stream = await client.chat.completions.create({ model: 'compat', stream: true, messages: [{ role: 'user', content: 'hi' }], fallbacks: ['backup'] } as OpenAI.ChatCompletionCreateParamsStreaming);
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('from backup');
    expect(upstream.received).toHaveLength(1);
    // Without a fallback the client gets OpenRouter's message in the stream its head opened.
    const alone = await client.chat.completions.create({ model: 'compat', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const failed = await (async () => {
      for await (const _ of alone);
    })().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed?.message).toContain('Upstream provider went away');
  });
});

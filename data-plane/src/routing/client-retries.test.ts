import Anthropic from '@anthropic-ai/sdk';
import { RouterConfig, type ConfigSnapshot } from '@tollgate/schema';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model, ONE_ATTEMPT } from '../test-support/fixtures.js';
import { startRawUpstream, type RawHandler, type RawRequest, type RawUpstream } from '../test-support/raw-upstream.js';

/**
 * The gateway's retries and the client's, as the official SDKs (default `maxRetries` 2, which Claude Code raises to
 * 10) meet them: one SDK call must cost the upstream the router's attempts, not the router's attempts once per SDK
 * attempt. A raw upstream counts the calls.
 */
const KEY_ENV = 'TG_TEST_CLIENT_RETRIES_KEY';
const RETRYING = RouterConfig.parse({ numRetries: 2, backoffMs: 1, maxBackoffMs: 5, fallbacks: { 'refused-with-fallback': ['compat'] } });

const ANSWER = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'up-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

function snapshotWith(router: RouterConfig, origin: string): ConfigSnapshot {
  const snapshot = fixtureSnapshot();
  snapshot.router = router;
  const compat = { provider: 'openai_compatible', providerModel: 'up-model' } as const;
  snapshot.models.push(
    model({ id: 'c1', name: 'compat', ...compat, apiBase: `${origin}/v1` }),
    // Deployments whose credential the upstream refuses (it answers 401 under /refused).
    model({ id: 'r1', name: 'refused', ...compat, apiBase: `${origin}/refused/v1` }),
    model({ id: 'r2', name: 'refused-with-fallback', ...compat, apiBase: `${origin}/refused/v1` }),
    model({ id: 'a1', name: 'claude', provider: 'anthropic', providerModel: 'claude-up', apiBase: origin, apiKeyRef: `env:${KEY_ENV}` }),
  );
  return snapshot;
}

describe("client retries after the gateway's own", () => {
  let upstream: RawUpstream;
  let handler: RawHandler;
  let received: RawRequest[];
  /** Retries at the gateway (numRetries 2), and one without (numRetries 0). */
  let retrying: TestDataPlane;
  let single: TestDataPlane;

  beforeAll(async () => {
    process.env[KEY_ENV] = 'sk-ant-upstream';
    upstream = await startRawUpstream((req, body, res) => {
      if (req.url?.startsWith('/refused/')) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Incorrect API key provided: sk-up***.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }));
        return;
      }
      handler(req, body, res);
    });
    received = upstream.received;
    retrying = await startTestDataPlane({ snapshot: snapshotWith(RETRYING, upstream.origin) });
    single = await startTestDataPlane({ snapshot: snapshotWith(ONE_ATTEMPT, upstream.origin) });
  });
  afterAll(async () => {
    await retrying?.close();
    await single?.close();
    await upstream?.close();
    delete process.env[KEY_ENV];
  });
  beforeEach(() => {
    received.length = 0;
  });

  /** The SDKs as shipped: two retries of their own. */
  const openai = (t: TestDataPlane) => new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 2 });
  const anthropic = (t: TestDataPlane) => new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 2 });
  /** The error a call that must fail ends with. */
  const caught = <E>(promise: Promise<unknown>) => promise.then(() => expect.unreachable('the call should fail'), (e: unknown) => e as E);
  const chat = (t: TestDataPlane, name: string) =>
    caught<InstanceType<typeof OpenAI.APIError>>(openai(t).chat.completions.create({ model: name, messages: [{ role: 'user', content: 'hi' }] }));
  const failWith = (status: number, body: unknown, headers: Record<string, string> = {}): RawHandler => (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  it('makes one OpenAI SDK call cost three upstream calls, not nine, when the upstream keeps failing', async () => {
    handler = failWith(502, { error: { message: 'bad gateway', type: 'server_error', param: null, code: null } });
    const err = await chat(retrying, 'compat');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.headers?.get('x-should-retry')).toBe('false');
    expect(received).toHaveLength(3);
  });

  // A busy provider recovers in seconds, and the router's retries are over in a fraction of one: the SDKs' own backoff
  // (Claude Code's "Retrying in …", up to ten times) is what outlasts a brief overload.
  it("keeps a rate limit's retry-after and lets the SDK wait it out after the gateway's own retries", async () => {
    handler = failWith(429, { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': '0' });
    const err = await chat(retrying, 'compat');
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('0');
    expect(err.headers?.get('x-should-retry')).toBeNull();
    expect(received).toHaveLength(9);
  });

  it("lets the Anthropic SDK retry Anthropic's overload after the gateway's own retries, and succeed once it passes", async () => {
    handler = failWith(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_up' }, { 'x-should-retry': 'true' });
    const err = await caught<InstanceType<typeof Anthropic.APIError>>(
      anthropic(retrying).messages.create({ model: 'claude', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(529);
    expect(err.headers?.get('x-should-retry')).not.toBe('false');
    expect(received).toHaveLength(9);

    // An overload that passes while the SDK waits: its next attempt is answered.
    received.length = 0;
    const overloaded = failWith(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_up' });
    handler = (req, body, res) => {
      if (received.length > 3) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-up', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } }));
      } else overloaded(req, body, res);
    };
    const message = await anthropic(retrying).messages.create({ model: 'claude', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(received).toHaveLength(4);
  });

  it('leaves the SDK free to retry when the gateway made one attempt because it is configured not to retry', async () => {
    handler = failWith(502, { error: { message: 'bad gateway', type: 'server_error', param: null, code: null } });
    const err = await chat(single, 'compat');
    expect(err.status).toBe(502);
    expect(err.headers?.get('x-should-retry')).toBeNull();
    // The SDK's three attempts, one upstream call each.
    expect(received).toHaveLength(3);
  });

  it("calls the upstream once for a refused credential, retried neither by the gateway nor by the SDK", async () => {
    const err = await chat(retrying, 'refused');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({ status: 502, code: 'upstream_auth_failed' });
    expect(err.headers?.get('x-should-retry')).toBe('false');
    expect(received.map((r) => r.url)).toEqual(['/refused/v1/chat/completions']);

    // Even where the gateway makes one attempt anyway: a retry cannot change the gateway's key.
    received.length = 0;
    const once = await chat(single, 'refused');
    expect(once.headers?.get('x-should-retry')).toBe('false');
    expect(received).toHaveLength(1);
  });

  it("falls back to another model after a refused credential, without trying the refused one again", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(ANSWER);
    };
    const answer = await openai(retrying).chat.completions.create({ model: 'refused-with-fallback', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0]!.message.content).toBe('ok');
    expect(received.map((r) => r.url)).toEqual(['/refused/v1/chat/completions', '/v1/chat/completions']);
  });
});

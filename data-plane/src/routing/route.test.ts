import { RouterConfig, type UsageEvent } from '@tollgate/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderError } from '../canonical/errors.js';
import { defineProvider } from '../providers/define-provider.js';
import { ProviderRegistry } from '../providers/registry.js';
import type { ProviderStreamEvent } from '../providers/types.js';
import { staticConfigSource } from '../config/source.js';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { key, KEYS, model, snapshotOf, team } from '../test-support/fixtures.js';
import { STREAM_OPENING } from '../http/exchange.js';
import { postChat, sseData } from '../test-support/sse.js';
import { waitFor } from '../test-support/wait.js';
import { ATTEMPTS_HEADER, DEPLOYMENT_HEADER } from './route.js';

/**
 * The router in the running data plane: a fake provider answers per deployment (model config id) as the test says,
 * so one request can meet a dead deployment and a healthy one.
 */
type Behaviour = 'ok' | 'late-failure' | 'opens-then-fails' | 'slow-start' | { readonly error: ProviderError };

const behaviours = new Map<string, Behaviour>();
/** Deployment ids in the order attempts reached them, and when. */
const calls: { id: string; at: number; body: unknown }[] = [];

const serverError: ProviderError = { status: 502, type: 'api_error', code: 'upstream_error', message: 'mock: upstream exploded' };
const rateLimited: ProviderError = { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'mock: slow down', retryAfterSeconds: 1 };
const tooLong: ProviderError = { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded', message: "mock: This model's maximum context length is 10 tokens" };
const filtered: ProviderError = { status: 400, type: 'invalid_request_error', code: 'content_policy_violation', message: 'mock: blocked by the content filter' };
const badRequest: ProviderError = { status: 400, type: 'invalid_request_error', code: null, message: 'mock: temperature must be at most 2' };
/** The provider refused the gateway's key for the deployment (its 401/403, see `upstreamHttpError`). */
const refusedKey: ProviderError = { status: 502, type: 'api_error', code: 'upstream_auth_failed', message: 'mock: invalid x-api-key' };

/** An OpenAI chat answer or error body, as far as these tests read it. */
interface ChatBody {
  readonly choices: { message: { content: string } }[];
  readonly error: { code: string | null; message: string; param: string | null };
}
const json = async (res: Response) => (await res.json()) as ChatBody;

const scripted = defineProvider<{ text: string }>({
  kind: 'mock',
  translateRequest: (request) => {
    const last = request.messages.at(-1)!.content[0]!;
    return { text: last.type === 'text' ? last.text : '' };
  },
  call: async function* (wire, call): AsyncGenerator<ProviderStreamEvent> {
    const id = call.target.id;
    calls.push({ id, at: Date.now(), body: wire });
    const behaviour = behaviours.get(id) ?? 'ok';
    if (typeof behaviour === 'object') {
      yield { type: 'error', error: behaviour.error };
      return;
    }
    if (behaviour === 'slow-start') {
      // A model that thinks before its first token: the stream is open, nothing comes for 800 ms.
      yield { type: 'response-metadata', id: `up-${id}`, model: id };
      await new Promise((resolve) => setTimeout(resolve, 800));
    }
    if (behaviour === 'opens-then-fails') {
      // The upstream accepted the stream (its 200 and first event), then, in a later read, failed before any content.
      yield { type: 'response-metadata', id: `up-${id}`, model: id };
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield { type: 'error', error: { ...serverError, message: 'mock: overloaded before the first token' } };
      return;
    }
    yield { type: 'text-delta', text: `from ${id}` };
    if (behaviour === 'late-failure') {
      yield { type: 'error', error: serverError };
      return;
    }
    yield { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 5, outputTokens: 2 } };
  },
});

const router = RouterConfig.parse({
  numRetries: 2,
  backoffMs: 1,
  maxBackoffMs: 5,
  allowedFails: 2,
  cooldownMs: 60_000,
  maxRetryAfterMs: 2_000,
  fallbacks: { gpt: ['claude'] },
  contextWindowFallbacks: { small: ['large'] },
  contentPolicyFallbacks: { strict: ['lenient'] },
});

const snapshot = (r: RouterConfig = router) =>
  snapshotOf({
    models: [
      model({ id: 'gpt-a', name: 'gpt' }),
      model({ id: 'gpt-b', name: 'gpt' }),
      model({ id: 'claude-1', name: 'claude' }),
      model({ id: 'small-1', name: 'small', maxInputTokens: 50 }),
      model({ id: 'large-1', name: 'large' }),
      model({ id: 'strict-1', name: 'strict' }),
      model({ id: 'lenient-1', name: 'lenient' }),
      model({ id: 'solo-1', name: 'solo' }),
      model({ id: 'pair-a', name: 'pair' }),
      model({ id: 'pair-b', name: 'pair' }),
      model({ id: 'secret-1', name: 'secret' }),
    ],
    teams: [team({ id: 't1', name: 'platform' })],
    keys: [
      key(KEYS.full, { id: 'k-full', teamId: 't1' }),
      key(KEYS.mockOnly, { id: 'k-limited', teamId: 't1', models: ['solo', 'gpt', 'claude', 'small', 'large', 'strict', 'lenient'] }),
    ],
    router: r,
  });

describe('routing in the data plane', () => {
  let t: TestDataPlane;

  // A data plane per test: router state (cooldowns, latency) starts empty, so each test stands alone.
  beforeEach(async () => {
    behaviours.clear();
    calls.length = 0;
    t = await startTestDataPlane({ providers: new ProviderRegistry([scripted]), configSource: staticConfigSource(snapshot()) });
  });
  afterEach(() => t.close());

  const chat = (model: string, over: Record<string, unknown> = {}, apiKey: string = KEYS.full) =>
    postChat(t.baseUrl, apiKey, { model, messages: [{ role: 'user', content: 'hello' }], ...over });
  const usageOf = (res: Response) => waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event') as Promise<UsageEvent>;

  it('retries a failed deployment on the healthy one, invisibly, then cools the failing one down', async () => {
    behaviours.set('gpt-a', { error: serverError });
    let moved = 0;
    for (let i = 0; i < 30; i++) {
      const res = await chat('gpt');
      expect(res.status).toBe(200);
      expect(res.headers.get(DEPLOYMENT_HEADER)).toBe('gpt-b');
      expect((await json(res)).choices[0]!.message.content).toBe('from gpt-b');
      if (res.headers.get(ATTEMPTS_HEADER) === '2') moved++;
    }
    // allowedFails 2: after two failures gpt-a is skipped for the cooldown, so at most two requests paid a retry.
    expect(calls.filter((c) => c.id === 'gpt-a')).toHaveLength(2);
    expect(moved).toBe(2);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain('tollgate_deployment_cooling_down{deployment="gpt-a",model="gpt"} 1');
    expect(metrics).toContain('tollgate_deployment_cooling_down{deployment="gpt-b",model="gpt"} 0');
    expect(metrics).toMatch(/tollgate_deployment_latency_ms\{deployment="gpt-b",model="gpt",figure="per_output_token"\} \d+\.\d{3}/);
  });

  it('records one usage event for the request, billed to the deployment that answered', async () => {
    behaviours.set('solo-1', 'ok');
    const res = await chat('solo');
    expect(res.status).toBe(200);
    expect(await usageOf(res)).toMatchObject({ model: 'solo', modelId: 'solo-1', status: 'success', promptTokens: 5, completionTokens: 2 });
  });

  it('says when every deployment of a group was cooling down and the one that failed longest ago was tried', async () => {
    behaviours.set('pair-a', { error: serverError });
    behaviours.set('pair-b', { error: serverError });
    // allowedFails 2: the first request's three attempts cool both down; from then on each goes to one of them anyway.
    await chat('pair');
    const res = await chat('pair');
    expect(res.status).toBe(502);
    expect((await json(res)).error.message).toBe(
      "mock: upstream exploded (all 2 deployments of 'pair' are cooling down after recent failures; the one that failed longest ago was tried) (3 attempts on 'pair')",
    );
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain('tollgate_deployment_cooling_down{deployment="pair-a",model="pair"} 1');
    expect(metrics).toContain('tollgate_deployment_cooling_down{deployment="pair-b",model="pair"} 1');
  });

  it('never cools down the only deployment of a model: there is nowhere else to go', async () => {
    behaviours.set('solo-1', { error: serverError });
    for (let i = 0; i < 3; i++) await chat('solo');
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain('tollgate_deployment_cooling_down{deployment="solo-1",model="solo"} 0');
  });

  it('answers the last failure when retries are used up, saying how many attempts were made', async () => {
    behaviours.set('solo-1', { error: serverError });
    const res = await chat('solo');
    expect(res.status).toBe(502);
    expect((await json(res)).error).toMatchObject({ code: 'upstream_error', message: "mock: upstream exploded (3 attempts on 'solo')" });
    expect(calls.map((c) => c.id)).toEqual(['solo-1', 'solo-1', 'solo-1']);
    // The gateway retried: the SDKs' own retries would route the request again, three attempts each.
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(await usageOf(res)).toMatchObject({ status: 'error', httpStatus: 502, modelId: 'solo-1', cost: '0.000000000000' });
  });

  it('does not retry what the request itself got wrong', async () => {
    behaviours.set('solo-1', { error: badRequest });
    const res = await chat('solo');
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toBe('mock: temperature must be at most 2');
    expect(calls).toHaveLength(1);
    // One attempt: the status alone tells the SDKs (which do not retry a 400).
    expect(res.headers.get('x-should-retry')).toBeNull();
  });

  it("honours the provider's retry-after before trying the same deployment again", async () => {
    behaviours.set('solo-1', { error: rateLimited });
    const res = await chat('solo');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    // Still rate limited after the router's tries: the client may wait out the retry-after too (`clientMayRetry`).
    expect(res.headers.get('x-should-retry')).toBeNull();
    expect(calls).toHaveLength(3);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(1_000);
  });

  it("hands a retry-after longer than the router waits to the client: one attempt, and the client may retry when told", async () => {
    behaviours.set('solo-1', { error: { ...rateLimited, retryAfterSeconds: 30 } });
    const res = await chat('solo');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.headers.get('x-should-retry')).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('leaves the client free to retry when the router was configured not to', async () => {
    const other = await startTestDataPlane({
      providers: new ProviderRegistry([scripted]),
      configSource: staticConfigSource(snapshot(RouterConfig.parse({ ...router, numRetries: 0, fallbacks: {} }))),
    });
    try {
      behaviours.set('solo-1', { error: serverError });
      const res = await postChat(other.baseUrl, KEYS.full, { model: 'solo', messages: [{ role: 'user', content: 'hello' }] });
      expect(res.status).toBe(502);
      expect(res.headers.get('x-should-retry')).toBeNull();
      expect(calls).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it("never retries a refused credential on the same deployment, and tells the client not to retry it", async () => {
    behaviours.set('solo-1', { error: refusedKey });
    const res = await chat('solo');
    expect(res.status).toBe(502);
    expect((await json(res)).error).toMatchObject({ code: 'upstream_auth_failed', message: 'mock: invalid x-api-key' });
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(calls.map((c) => c.id)).toEqual(['solo-1']);
  });

  it('takes a refused credential to the other deployment of the model, which answers', async () => {
    behaviours.set('gpt-a', { error: refusedKey });
    let refusedFirst = false;
    for (let i = 0; i < 30 && !refusedFirst; i++) {
      calls.length = 0;
      const res = await chat('gpt');
      expect(res.status).toBe(200);
      expect(res.headers.get(DEPLOYMENT_HEADER)).toBe('gpt-b');
      refusedFirst = calls[0]!.id === 'gpt-a';
    }
    expect(calls.map((c) => c.id)).toEqual(['gpt-a', 'gpt-b']);
  });

  it("keeps retrying the deployment that failed otherwise, never the one whose credential was refused", async () => {
    behaviours.set('pair-a', { error: refusedKey });
    behaviours.set('pair-b', { error: serverError });
    const res = await chat('pair');
    expect(res.status).toBe(502);
    // numRetries 2: three attempts, whichever deployment came first; pair-a's credential is refused only once.
    expect(calls.filter((c) => c.id === 'pair-a')).toHaveLength(1);
    expect(calls.filter((c) => c.id === 'pair-b')).toHaveLength(2);
    expect((await json(res)).error.code).toBe('upstream_error');
    expect(res.headers.get('x-should-retry')).toBe('false');
  });

  it("falls back to the next model when every deployment's credential was refused, each tried once", async () => {
    behaviours.set('gpt-a', { error: refusedKey });
    behaviours.set('gpt-b', { error: refusedKey });
    const res = await chat('gpt');
    expect(res.status).toBe(200);
    expect(res.headers.get(DEPLOYMENT_HEADER)).toBe('claude-1');
    expect(calls.map((c) => c.id).sort()).toEqual(['claude-1', 'gpt-a', 'gpt-b']);
    expect(calls.at(-1)!.id).toBe('claude-1');
  });

  it('never retries a stream that already sent the client something: the error event stands', async () => {
    behaviours.set('solo-1', 'late-failure');
    const res = await chat('solo', { stream: true });
    expect(res.status).toBe(200);
    const data = sseData(await res.text());
    expect(JSON.parse(data.at(-1)!).error.code).toBe('upstream_error');
    expect(calls).toHaveLength(1);
  });

  it('retries a stream that opened but failed before its first token on another deployment, in the same response', async () => {
    behaviours.set('gpt-a', 'opens-then-fails');
    let retried: string | undefined;
    for (let i = 0; i < 30 && retried === undefined; i++) {
      calls.length = 0;
      const res = await chat('gpt', { stream: true });
      const body = await res.text();
      expect(res.status).toBe(200);
      if (calls[0]?.id === 'gpt-a') retried = body;
    }
    // One stream: the head went out when gpt-a accepted it, the answer is gpt-b's alone, with no error in between.
    expect(calls.map((c) => c.id)).toEqual(['gpt-a', 'gpt-b']);
    expect(retried!.startsWith(STREAM_OPENING)).toBe(true);
    const data = sseData(retried!);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { error?: unknown; choices: { delta: { content?: string } }[] });
    expect(chunks.some((c) => c.error !== undefined)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('from gpt-b');
  });

  it('ends an opened stream with the error event when no deployment answers: no content, status 200 as sent', async () => {
    behaviours.set('solo-1', 'opens-then-fails');
    const res = await chat('solo', { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const message = "mock: overloaded before the first token (3 attempts on 'solo')";
    expect(sseData(await res.text()).map((d) => JSON.parse(d))).toEqual([{ error: { message, type: 'api_error', param: null, code: 'upstream_error' } }]);
    expect(await usageOf(res)).toMatchObject({ status: 'error', httpStatus: 200, errorMessage: message, completionTokens: 0 });
    // Retried like a refusal: numRetries 2.
    expect(calls.map((c) => c.id)).toEqual(['solo-1', 'solo-1', 'solo-1']);
  });

  it('sends a translated stream\'s head when the upstream accepts, and keep-alive comments while the model is silent', async () => {
    await t.close();
    t = await startTestDataPlane({ providers: new ProviderRegistry([scripted]), configSource: staticConfigSource(snapshot()), streamKeepAliveMs: 300 });
    behaviours.set('solo-1', 'slow-start');
    const res = await chat('solo', { stream: true });
    expect(res.status).toBe(200);
    const body = await res.text();
    // Opened at the upstream's first event; comments every 300 ms or so of silence (a 250 ms sweep), then the answer.
    expect(body.startsWith(STREAM_OPENING + ': keep-alive\n\n')).toBe(true);
    expect(body.slice(STREAM_OPENING.length).match(/^(: keep-alive\n\n)+data: /)).not.toBeNull();
    const data = sseData(body);
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.slice(0, -1).map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '').join('')).toBe('from solo-1');
  });

  it('counts streams that die after they started towards the cooldown, so such a deployment is skipped too', async () => {
    behaviours.set('gpt-b', 'late-failure');
    for (let i = 0; i < 30 && calls.filter((c) => c.id === 'gpt-b').length < 2; i++) {
      const res = await chat('gpt', { stream: true });
      await res.text();
    }
    expect(calls.filter((c) => c.id === 'gpt-b')).toHaveLength(2);
    calls.length = 0;
    for (let i = 0; i < 20; i++) {
      const res = await chat('gpt', { stream: true });
      expect(res.headers.get(DEPLOYMENT_HEADER)).toBe('gpt-a');
      await res.text();
    }
  });

  it('falls back to the next model when every deployment of the requested one failed', async () => {
    behaviours.set('gpt-a', { error: serverError });
    behaviours.set('gpt-b', { error: serverError });
    const res = await chat('gpt', { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get(DEPLOYMENT_HEADER)).toBe('claude-1');
    expect(sseData(await res.text()).some((d) => d.includes('from claude-1'))).toBe(true);
    expect(await usageOf(res)).toMatchObject({ model: 'gpt', modelId: 'claude-1', status: 'success' });
  });

  it('falls back to a larger model when the prompt exceeds the window, before calling the small one', async () => {
    const res = await chat('small', { messages: [{ role: 'user', content: 'word '.repeat(400) }] });
    expect(res.status).toBe(200);
    expect(res.headers.get(DEPLOYMENT_HEADER)).toBe('large-1');
    expect(calls.map((c) => c.id)).toEqual(['large-1']);
  });

  it("falls back to a larger model on the provider's context-length error", async () => {
    behaviours.set('small-1', { error: tooLong });
    const res = await chat('small');
    expect(res.status).toBe(200);
    expect(calls.map((c) => c.id)).toEqual(['small-1', 'large-1']);
  });

  it('answers a clear 400 when the prompt fits no deployment and no fallback is configured', async () => {
    const other = await startTestDataPlane({
      providers: new ProviderRegistry([scripted]),
      configSource: staticConfigSource(snapshot(RouterConfig.parse({ ...router, contextWindowFallbacks: {} }))),
    });
    try {
      const refused = await postChat(other.baseUrl, KEYS.full, { model: 'small', messages: [{ role: 'user', content: 'word '.repeat(400) }] });
      expect(refused.status).toBe(400);
      expect((await json(refused)).error).toMatchObject({
        code: 'context_length_exceeded',
        message: expect.stringMatching(/^This request's prompt is about \d+ tokens, more than the context window of every deployment of 'small' \(largest: 50 tokens\)/),
      });
      expect(calls).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it("falls back on the provider's content filter to the content-policy fallback", async () => {
    behaviours.set('strict-1', { error: filtered });
    const res = await chat('strict');
    expect(res.status).toBe(200);
    expect(calls.map((c) => c.id)).toEqual(['strict-1', 'lenient-1']);
  });

  it("takes the request's own fallbacks out of the body and uses them; skips models the key may not use", async () => {
    behaviours.set('solo-1', { error: serverError });
    const res = await chat('solo', { fallbacks: ['secret', 'nonexistent', 'claude'] }, KEYS.mockOnly);
    expect(res.status).toBe(200);
    expect(res.headers.get(DEPLOYMENT_HEADER)).toBe('claude-1');
    expect(calls.map((c) => c.id)).toEqual(['solo-1', 'solo-1', 'solo-1', 'claude-1']);
    expect(JSON.stringify(calls.map((c) => c.body))).not.toContain('fallbacks');
  });

  it('refuses fallbacks that are not a list of model names', async () => {
    const res = await chat('solo', { fallbacks: 'claude' });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ param: 'fallbacks', message: "Invalid value for 'fallbacks': expected an array of model names." });
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startOpenAiStandIn, STAND_IN_API_KEY, type OpenAiStandIn } from '../stand-ins/openai/server.js';
import { directive } from '../stand-ins/script.js';

/**
 * Limits and budgets are exact across data-plane instances: three data planes share one Redis, and a burst spread
 * over them is admitted exactly as far as the limit goes, whichever instance each request lands on.
 */
describe('rate limits and budgets across three data planes sharing Redis', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dps: DataPlaneProcess[];
  let api: ReturnType<typeof admin>;
  let upstream: OpenAiStandIn;

  beforeAll(async () => {
    upstream = await startOpenAiStandIn();
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    api = admin(cp.graphqlUrl, cp.masterKey);
    // $1 per million input tokens, $2 per million output tokens.
    await api.call('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: { name: 'gpt', provider: 'openai', providerModel: 'gpt-4o-mini', apiBase: upstream.url, apiKeyRef: 'env:TG_TEST_OPENAI_KEY', inputCostPerMillion: 1, outputCostPerMillion: 2 },
    });
    const env = { TG_TEST_OPENAI_KEY: STAND_IN_API_KEY, REDIS_URL: 'redis://127.0.0.1:6379' };
    dps = await Promise.all([0, 1, 2].map(() => startDataPlaneProcess({ controlPlane: cp, env })));
  });

  afterAll(async () => {
    await Promise.all((dps ?? []).map((dp) => dp.process.stop()));
    await cp?.process.stop();
    await db?.drop();
    await upstream?.close();
  });

  async function keyWith(settings: Record<string, unknown>): Promise<{ key: string; id: string }> {
    const created = await api.call<{ createKey: { key: string; virtualKey: { id: string } } }>(
      'mutation($input: CreateKeyInput!) { createKey(input: $input) { key virtualKey { id } } }',
      { input: { alias: `limits-${Math.random().toString(36).slice(2)}`, ...settings } },
    );
    const version = await api.configVersion();
    await Promise.all(dps.map((dp) => waitFor(async () => (await dp.configVersion()) >= version, { what: 'the key on every data plane' })));
    return { key: created.createKey.key, id: created.createKey.virtualKey.id };
  }

  interface Answer { status: number; headers: Headers; body: { error?: { code?: string; type?: string; message?: string } } }

  async function chat(i: number, key: string, body: Record<string, unknown> = {}): Promise<Answer> {
    const res = await fetch(`${dps[i % dps.length]!.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'ping' }], ...body }),
    });
    const text = await res.text();
    // Streamed answers are server-sent events; only errors (and plain answers) are JSON.
    const json = res.headers.get('content-type')?.startsWith('application/json');
    return { status: res.status, headers: res.headers, body: (json ? JSON.parse(text) : {}) as Answer['body'] };
  }

  const burst = (n: number, key: string, body?: Record<string, unknown>) => Promise.all(Array.from({ length: n }, (_, i) => chat(i, key, body)));

  it('60 requests per minute: exactly 60 of 200 concurrent requests succeed, the rest are 429s naming the limit', async () => {
    const { key } = await keyWith({ rpmLimit: 60 });
    const answers = await burst(200, key);
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(ok).toHaveLength(60);
    expect(refused).toHaveLength(140);
    for (const a of refused) {
      expect(a.body.error).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringMatching(/60 requests per minute/) });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(ok[0]!.headers.get('x-ratelimit-limit-requests')).toBe('60');
    const remaining = ok.map((a) => Number(a.headers.get('x-ratelimit-remaining-requests'))).sort((a, b) => a - b);
    expect(remaining[0]).toBe(0);
    expect(remaining.at(-1)).toBe(59);
  });

  it('tokens per minute: exactly as many requests as their reservations fit, and actual usage settles the window', async () => {
    const { key } = await keyWith({ tpmLimit: 2_000 });
    // Streamed slowly, so no admitted request settles (and hands back unused tokens) while the burst is decided.
    const slow = { stream: true, max_tokens: 190, messages: [{ role: 'user', content: `go ${directive({ text: 'one two', chunkDelayMs: 700 })}` }] };
    const answers = await burst(200, key, slow);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    const reserve = Number(/this request reserves (\d+)/.exec(refused[0]!.body.error!.message!)![1]);
    expect(reserve).toBeGreaterThanOrEqual(190);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(Math.floor(2_000 / reserve));
    expect(answers.find((a) => a.status === 200)!.headers.get('x-ratelimit-limit-tokens')).toBe('2000');
    // The admitted requests used far fewer tokens than they reserved, and settling gave the rest back: another
    // request fits at once (the window itself refills only ~33 tokens a second).
    const after = await chat(0, key, { max_tokens: 190 });
    expect(after.status).toBe(200);
    expect(Number(after.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThan(0);
  });

  it("the request's tags are recorded with its spend, and the gateway's metadata fields never reach the provider", async () => {
    const { key, id } = await keyWith({});
    const answer = await chat(1, key, { metadata: { tags: ['launch'], spend_logs_metadata: { ticket: 'T-1' } } });
    expect(answer.status).toBe(200);
    const sent = upstream.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent).not.toHaveProperty('metadata');
    const requestId = answer.headers.get('x-request-id');
    const row = await waitFor(async () => (await api.call<{ requestLog: { entries: Array<{ requestId: string; tags: string[] }> } }>(
      'query($k: ID) { requestLog(filter: { keyId: $k }, first: 10) { entries { requestId tags } } }', { k: id },
    )).requestLog.entries.find((r) => r.requestId === requestId) ?? null, { timeoutMs: 10_000, what: 'the spend row' });
    expect(row.tags).toEqual(['launch']);
  });

  it('parallel requests: at most 5 in flight across all instances, and slots free up as requests finish', async () => {
    const { key } = await keyWith({ maxParallelRequests: 5 });
    // Each request streams for about half a second, so all 50 overlap.
    const slow = { stream: true, messages: [{ role: 'user', content: `go ${directive({ text: 'one two three four five', chunkDelayMs: 100 })}` }] };
    const answers = await burst(50, key, slow as Record<string, unknown>);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(45);
    expect(refused[0]!.body.error).toMatchObject({ code: 'parallel_request_limit_exceeded', message: expect.stringMatching(/at most 5 at once/) });
    // All finished: the slots are free again.
    expect((await chat(0, key)).status).toBe(200);
  });

  it('a budget taken only by what requests in flight reserved: those refused are told so, to retry in a second, and nobody is alerted; spent, it is exceeded and alerts', async () => {
    // Each request reserves its prompt and max_tokens 1,000 at $2 per million: about $0.002, so $0.01 holds four in
    // flight. Each costs 100 + 100 tokens: $0.0003.
    const { key, id } = await keyWith({ maxBudget: 0.01, budgetDuration: '1d' });
    const slow = directive({ text: 'one two three four five', chunkDelayMs: 100, usage: { inputTokens: 100, outputTokens: 100 } });
    const answers = await burst(20, key, { stream: true, max_tokens: 1_000, messages: [{ role: 'user', content: `go ${slow}` }] });
    expect(answers.filter((a) => a.status === 200)).toHaveLength(4);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(16);
    for (const a of refused) {
      expect(a.status).toBe(429);
      expect(a.body.error).toMatchObject({ type: 'budget_exceeded', code: 'budget_in_flight', message: expect.stringContaining('is taken by requests in flight') });
      // Retried as a rate limit is: soon, and the SDKs may (no x-should-retry: false).
      expect(a.headers.get('retry-after')).toBe('1');
      expect(a.headers.get('x-should-retry')).toBeNull();
    }
    // They finished and cost little: a retry fits.
    expect((await chat(0, key, { max_tokens: 1_000 })).status).toBe(200);
    // Every request of the burst in the ledger, the refused ones too, and no alert: the budget was never spent.
    const alerts = () =>
      api.call<{ budgetAlerts: { alerts: Array<{ threshold: string; spend: number }> } }>('query($s: ID) { budgetAlerts(filter: { subjectId: $s }) { alerts { threshold spend } } }', { s: id });
    await waitFor(async () => (await api.spendLogs(id)).length === 21, { timeoutMs: 10_000, what: 'the burst in the ledger' });
    expect((await alerts()).budgetAlerts.alerts).toEqual([]);

    // Spent for real: one answer costs $0.01 (5,000 output tokens), and the budget is exceeded, for the period.
    const costly = directive({ text: 'expensive', usage: { inputTokens: 100, outputTokens: 5_000 } });
    expect((await chat(1, key, { max_tokens: 1_000, messages: [{ role: 'user', content: `go ${costly}` }] })).status).toBe(200);
    // A data plane settles a request just after its answer: the next request, on another data plane at once, may
    // still find only its reservation counted (and be admitted, costing little). Once settled, every one is refused.
    const spentOut = await waitFor(async () => {
      const answer = await chat(2, key, { max_tokens: 1_000 });
      return answer.status === 429 ? answer : null;
    }, { timeoutMs: 5_000, intervalMs: 50, what: 'the settled spend to refuse the next request' });
    expect(spentOut.body.error).toMatchObject({ type: 'budget_exceeded', code: 'budget_exceeded', message: expect.stringMatching(/^Budget exceeded for this key/) });
    expect(spentOut.headers.get('x-should-retry')).toBe('false');
    // Now the max_budget alert, with the spend that exceeded it.
    const found = await waitFor(async () => {
      const listed = (await alerts()).budgetAlerts.alerts;
      return listed.length > 0 ? listed : null;
    }, { timeoutMs: 10_000, what: 'the budget alert' });
    expect(found).toEqual([expect.objectContaining({ threshold: 'max_budget' })]);
    expect(found[0]!.spend).toBeGreaterThan(0.01);
  });

  it('a budget that fits about 10 requests: 50 concurrent requests never overspend it by more than one request, the rest are refused with budget_exceeded', async () => {
    // (Refused while the admitted ones are in flight, a request is told the budget is taken by them, code
    // budget_in_flight, to retry in a second; once they settled, that it is spent.)
    // Each answer: 2,000 input + 500 output tokens = $0.003 at this model's prices; reservations use max_tokens.
    const script = directive({ text: 'budgeted answer', usage: { inputTokens: 2_000, outputTokens: 500 } });
    const prompt = `${'word '.repeat(1_990)}${script}`;
    const { key, id } = await keyWith({ maxBudget: 0.03, budgetDuration: '1d' });
    const answers = await burst(50, key, { messages: [{ role: 'user', content: prompt }], max_tokens: 500 });
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThanOrEqual(10);
    for (const a of refused) {
      expect(a.body.error).toEqual(
        expect.objectContaining(
          a.body.error?.code === 'budget_in_flight'
            ? { type: 'budget_exceeded', message: expect.stringMatching(/^The budget of this key \(\$0\.03\) is taken by requests in flight \(\$[\d.]+ spent, \$[\d.]+ reserved/) }
            : { type: 'budget_exceeded', code: 'budget_exceeded', message: expect.stringMatching(/^Budget (exceeded|nearly exhausted) for this key/) },
        ),
      );
    }
    const rows = await waitFor(async () => {
      const logged = (await api.spendLogs(id)).filter((r) => r.status === 'success');
      return logged.length === ok.length ? logged : null;
    }, { timeoutMs: 10_000, what: 'spend rows of the admitted requests' });
    const spent = rows.reduce((sum, r) => sum + Number(r.cost), 0);
    expect(spent).toBeLessThanOrEqual(0.03 + 0.003);
  });
});

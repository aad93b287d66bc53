import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, key, model } from '../test-support/fixtures.js';
import { startRawUpstream, type RawUpstream } from '../test-support/raw-upstream.js';

const TPM_KEY = 'sk-tg-outcap-000000000000000000000000000000';
const SMALL_TPM_KEY = 'sk-tg-smalltpm-0000000000000000000000000000';
const BUDGET_KEY = 'sk-tg-opusbudget-00000000000000000000000000';

/**
 * A token limit reserves the output the deployment may produce: the request's `max_tokens`, or, where the request
 * sends none or the deployment drops it, the one the deployment's `defaultParams` give it (otherwise the gateway's
 * default reservation, 1,024 tokens).
 */
describe('the output a token limit reserves, by deployment', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  const client = () => new OpenAI({ apiKey: TPM_KEY, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  const ask = (name: string, extra: Record<string, unknown> = {}) =>
    client().chat.completions.create({ model: name, messages: [{ role: 'user', content: 'hi' }], ...extra }).catch((err: unknown) => err);

  beforeAll(async () => {
    upstream = await startRawUpstream((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'up', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 } }));
    });
    const apiBase = `${upstream.origin}/v1`;
    const snapshot = fixtureSnapshot();
    snapshot.models.push(
      model({ id: 'oc1', name: 'plain', provider: 'openai_compatible', providerModel: 'up', apiBase }),
      model({ id: 'oc2', name: 'defaulted', provider: 'openai_compatible', providerModel: 'up', apiBase, defaultParams: { max_tokens: 4_000 } }),
      model({ id: 'oc3', name: 'enforced', provider: 'openai_compatible', providerModel: 'up', apiBase, dropParams: ['max_tokens'], defaultParams: { max_tokens: 200 } }),
    );
    snapshot.models.push(model({ id: 'op1', name: 'opus', provider: 'anthropic', providerModel: 'claude-opus-5-5', apiBase: 'http://127.0.0.1:9', inputCostPerMillion: 4, outputCostPerMillion: 20 }));
    snapshot.keys.push(
      key(TPM_KEY, { id: 'k-outcap', teamId: 't1', tpmLimit: 3_000 }),
      key(SMALL_TPM_KEY, { id: 'k-small-tpm', teamId: 't1', tpmLimit: 500 }),
      key(BUDGET_KEY, { id: 'k-opus-budget', teamId: 't1', maxBudget: 0.03 }),
    );
    t = await startTestDataPlane({ snapshot });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  it("reserves the deployment's default max_tokens for a request that sends none", async () => {
    // 1,024 (the gateway's default) fits 3,000 tokens a minute; the 4,000 this deployment will be asked for does not.
    expect(await ask('plain')).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    const err = await ask('defaulted');
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as Error).message).toMatch(/Request too large .* reserves 4\d{3} tokens/);
    // The request's own cap still wins over the default.
    expect(await ask('defaulted', { max_tokens: 100 })).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(upstream.received.map((r) => r.body.max_tokens)).toEqual([undefined, 100]);
  });

  it("reserves the enforced max_tokens, not the client's, where the deployment drops the client's", async () => {
    expect(await ask('plain', { max_tokens: 5_000 })).toBeInstanceOf(OpenAI.RateLimitError);
    expect(await ask('enforced', { max_tokens: 5_000 })).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(upstream.received.map((r) => r.body.max_tokens)).toEqual([200]);
  });

  it('reserves nothing for the output of an embedding, which has none', async () => {
    // 500 tokens a minute: a chat request without max_tokens reserves the default 1,024 and is too large, an embedding of a
    // few words fits (it used to reserve the same 1,024 and be refused, "lower max_tokens", a parameter it has not).
    const small = new OpenAI({ apiKey: SMALL_TPM_KEY, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    expect(await small.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }).catch((err: unknown) => err)).toBeInstanceOf(OpenAI.RateLimitError);
    const embedded = await small.embeddings.create({ model: 'mock-gpt', input: 'vector me' });
    expect(embedded.data[0]!.embedding.length).toBeGreaterThan(0);
  });

  it("reserves a request's budget at the fast-mode and US-only prices it asks for (Anthropic's speed, inference_geo)", async () => {
    // Claude Opus 5.5 at list price: 1,000 output tokens reserve $0.02 at standard speed, twice that in fast mode, and
    // 1.1× more again in the US only. A budget of $0.03 takes the first and refuses the others before any upstream call.
    const ask = (extra: Record<string, unknown>) =>
      fetch(`${t.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': BUDGET_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'opus', max_tokens: 1_000, messages: [{ role: 'user', content: 'hi' }], ...extra }),
      });
    const refusedFor = async (extra: Record<string, unknown>) => {
      const res = await ask(extra);
      return res.status === 429 ? ((await res.json()) as { error: { message: string } }).error.message : res.status;
    };
    expect(await refusedFor({ speed: 'fast' })).toMatch(/^Request too large for the budget of this key: it may cost up to \$0\.04\d* /);
    expect(await refusedFor({ inference_geo: 'us', speed: 'fast' })).toMatch(/^Request too large for the budget of this key: it may cost up to \$0\.044\d* /);
    // Standard speed fits, and goes on to the deployment (which here cannot be reached: not a budget refusal).
    expect(await refusedFor({})).toEqual(expect.any(Number));
  });
});

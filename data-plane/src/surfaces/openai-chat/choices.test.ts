import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, key, KEYS, model } from '../../test-support/fixtures.js';
import { startRawUpstream, type RawUpstream } from '../../test-support/raw-upstream.js';
import { waitFor } from '../../test-support/wait.js';

const TPM_KEY = 'sk-tg-tpm-0000000000000000000000000000000000';

/**
 * Several answers per request: chat's `n` (evals, best-of sampling), and legacy completions' `n`, `best_of`, several
 * prompts, with `echo` and `logprobs`. OpenAI and compatible servers answer them, so a forwarded request keeps them; a
 * translated model gives one choice, so there each is a 400 naming it. Each answer may take the whole `max_tokens`,
 * so a token limit reserves that much for each.
 */
describe('chat completions with n choices', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;

  beforeAll(async () => {
    // An OpenAI-compatible server that answers `n` choices, "choice <i>" each, usage over all of them.
    upstream = await startRawUpstream((req, body, res) => {
      const n = typeof body.n === 'number' ? body.n : 1;
      if (req.url?.endsWith('/completions') && !req.url.endsWith('/chat/completions')) {
        // Legacy completions (vLLM's): a choice per prompt and n, echo and log probabilities as asked.
        const prompts = Array.isArray(body.prompt) ? (body.prompt as string[]) : [body.prompt as string];
        const choices = prompts.flatMap((prompt, p) =>
          Array.from({ length: n }, (_, i) => ({
            index: p * n + i,
            text: `${body.echo === true ? prompt : ''} done`,
            logprobs: body.logprobs == null ? null : { tokens: [' done'], token_logprobs: [-0.1], top_logprobs: [{ ' done': -0.1 }], text_offset: [0] },
            finish_reason: 'stop',
          })),
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'up', choices, usage: { prompt_tokens: 4, completion_tokens: choices.length, total_tokens: 4 + choices.length } }));
        return;
      }
      const usage = { prompt_tokens: 8, completion_tokens: 2 * n, total_tokens: 8 + 2 * n };
      const head = { id: 'c1', created: 1, model: 'up' };
      if (body.stream === true) {
        const chunk = (choices: object[], extra: object = {}) => `data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
        let out = '';
        for (let i = 0; i < n; i++) out += chunk([{ index: i, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
        for (let i = 0; i < n; i++) out += chunk([{ index: i, delta: { content: `choice ${i}` }, finish_reason: null }]);
        // A server that never sends [DONE] (ik_llama.cpp, llama-box): `no_done`; one whose stream is cut just after
        // the first choice finished: `cut_after_first`.
        if (body.cut_after_first === true) {
          out += chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(out);
          return;
        }
        for (let i = 0; i < n; i++) out += chunk([{ index: i, delta: {}, finish_reason: 'stop' }]);
        out += chunk([], { usage }) + (body.no_done === true ? '' : 'data: [DONE]\n\n');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(out);
        return;
      }
      const choices = Array.from({ length: n }, (_, i) => ({ index: i, message: { role: 'assistant', content: `choice ${i}` }, finish_reason: 'stop' }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...head, object: 'chat.completion', choices, usage }));
    });
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'n1', name: 'compat', provider: 'openai_compatible', providerModel: 'up-model', apiBase: `${upstream.origin}/v1` }));
    snapshot.keys.push(key(TPM_KEY, { id: 'k-tpm', teamId: 't1', tpmLimit: 1_000 }));
    t = await startTestDataPlane({ snapshot });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  const openai = (apiKey: string = KEYS.full) => new OpenAI({ apiKey, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });

  it('forwarded: every choice reaches the client, plain and streamed, billed by the usage over all of them', async () => {
    const { data, response } = await openai().chat.completions.create({ model: 'compat', messages: [{ role: 'user', content: 'hi' }], n: 3 }).withResponse();
    expect(data.choices.map((c) => c.message.content)).toEqual(['choice 0', 'choice 1', 'choice 2']);
    expect(upstream.received[0]!.body.n).toBe(3);
    const event = await waitFor(() => t.cp.acknowledged.get(response.headers.get('x-request-id')!), 'usage event');
    expect({ status: event.status, completion: event.completionTokens, estimated: event.estimated }).toEqual({ status: 'success', completion: 6, estimated: false });

    const texts = ['', ''];
    const stream = await openai().chat.completions.create({ model: 'compat', messages: [{ role: 'user', content: 'hi' }], n: 2, stream: true });
    for await (const chunk of stream) for (const choice of chunk.choices) texts[choice.index] += choice.delta.content ?? '';
    expect(texts).toEqual(['choice 0', 'choice 1']);
  });

  it('a stream without [DONE] is complete only when every choice finished: one cut after the first is a failure', async () => {
    const streamed = async (extra: Record<string, unknown>) => {
      const res = await fetch(`${t.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.full}` },
        body: JSON.stringify({ model: 'compat', messages: [{ role: 'user', content: 'hi' }], n: 2, stream: true, ...extra }),
      });
      const text = await res.text();
      const event = await waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');
      return { text, status: event.status };
    };
    const whole = await streamed({ no_done: true });
    expect(whole.status).toBe('success');
    expect(whole.text.endsWith('data: [DONE]\n\n')).toBe(true);
    // Choice 1 never finished: the client gets the protocol's error event, not a [DONE] that says all is there.
    const cut = await streamed({ cut_after_first: true });
    expect(cut.status).toBe('error');
    expect(cut.text).not.toContain('[DONE]');
    expect(cut.text).toMatch(/data: \{"error":/);
  });

  it('translated: a 400 naming n, before any provider is called', async () => {
    const err = await openai()
      .chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }], n: 2 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('n');
    // n=1 is a plain request.
    const one = await openai().chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }], n: 1 });
    expect(one.choices).toHaveLength(1);
  });

  // Evaluation harnesses (lm-evaluation-harness's local-completions) score answers with echo and logprobs on
  // /v1/completions of a vLLM server: forwarded, every parameter is the provider's to answer.
  it('legacy completions, forwarded: echo, logprobs, n and several prompts reach the provider, its answer the client', async () => {
    const { data, response } = await openai()
      .completions.create({ model: 'compat', prompt: ['The sky is', 'Grass is'], echo: true, logprobs: 1, n: 2, max_tokens: 1 })
      .withResponse();
    expect(data.choices.map((c) => c.text)).toEqual(['The sky is done', 'The sky is done', 'Grass is done', 'Grass is done']);
    expect(data.choices[0]!.logprobs?.token_logprobs).toEqual([-0.1]);
    expect(upstream.received[0]!.body).toMatchObject({ prompt: ['The sky is', 'Grass is'], echo: true, logprobs: 1, n: 2 });
    const event = await waitFor(() => t.cp.acknowledged.get(response.headers.get('x-request-id')!), 'usage event');
    expect({ status: event.status, completion: event.completionTokens }).toEqual({ status: 'success', completion: 4 });
    // Translated, the same request is a 400 naming what the model cannot do.
    const err = await openai()
      .completions.create({ model: 'mock-gpt', prompt: 'The sky is', echo: true })
      .catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('echo');
  });

  it('a token limit reserves max_tokens for each choice', async () => {
    // 400 output tokens fit a limit of 1,000 tokens a minute; three choices of 400 do not.
    const err = await openai(TPM_KEY)
      .chat.completions.create({ model: 'compat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 400, n: 3 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as Error).message).toMatch(/Request too large .* reserves 1\d{3} tokens/);
    expect(upstream.received).toHaveLength(0);
    const ok = await openai(TPM_KEY).chat.completions.create({ model: 'compat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 400, n: 2 });
    expect(ok.choices).toHaveLength(2);
  });
});

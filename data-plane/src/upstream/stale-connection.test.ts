import type { Socket } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../test-support/fixtures.js';
import { startRawUpstream, type RawUpstream } from '../test-support/raw-upstream.js';
import { waitFor } from '../test-support/wait.js';

/**
 * An upstream that closes a pooled keep-alive connection just as a request goes out on it: servers that close idle
 * connections after a few seconds without announcing it (uvicorn after 5 s: vLLM, LiteLLM) do that now and then. The
 * stand-in drops the second request of every connection without a byte of answer, as such a close would; the
 * gateway sends the request once more at once, on another connection, inside the same attempt: the client gets its
 * answer, the router counts no failure and waits no backoff (no `x-tollgate-attempts`, which says 2 when it retried).
 */
describe('a pooled upstream connection closed under a request', () => {
  let t: TestDataPlane;
  let upstream: RawUpstream;
  const requestsOn = new WeakMap<Socket, number>();
  /** Requests the stand-in dropped (closed their connection without answering). */
  let dropped = 0;

  beforeAll(async () => {
    upstream = await startRawUpstream((req, body, res) => {
      const n = (requestsOn.get(req.socket) ?? 0) + 1;
      requestsOn.set(req.socket, n);
      if (n === 2) {
        dropped++;
        req.socket.destroy();
        return;
      }
      const usage = { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 };
      if (body.stream === true) {
        const chunk = (delta: object, finish: string | null) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta, finish_reason: finish }] });
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          [chunk({ role: 'assistant', content: '' }, null), chunk({ content: 'Hi there' }, null), chunk({}, 'stop'), { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [], usage }]
            .map((c) => `data: ${JSON.stringify(c)}\n\n`)
            .join('') + 'data: [DONE]\n\n',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'up', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }], usage }));
    });
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'sc1', name: 'compat', provider: 'openai_compatible', providerModel: 'up-model', apiBase: `${upstream.origin}/v1` }));
    t = await startTestDataPlane({ snapshot });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
    dropped = 0;
  });

  const openai = () => new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });

  it('OpenAI chat, forwarded: the request is answered in one attempt, plain and streamed', async () => {
    for (const stream of [false, true]) {
      // One request opens a connection; the next goes out on it and is dropped.
      for (let i = 0; i < 2; i++) {
        const { data, response } = await openai()
          .chat.completions.create({ model: 'compat', messages: [{ role: 'user', content: 'hi' }], stream } as OpenAI.ChatCompletionCreateParams)
          .withResponse();
        let text = '';
        if (stream) for await (const chunk of data as AsyncIterable<OpenAI.ChatCompletionChunk>) text += chunk.choices[0]?.delta.content ?? '';
        else text = (data as OpenAI.ChatCompletion).choices[0]!.message.content!;
        expect({ text, attempts: response.headers.get('x-tollgate-attempts') }, `stream ${stream}, request ${i + 1}`).toEqual({ text: 'Hi there', attempts: null });
        const event = await waitFor(() => t.cp.acknowledged.get(response.headers.get('x-request-id')!), 'usage event');
        expect({ status: event.status, output: event.completionTokens, estimated: event.estimated }).toEqual({ status: 'success', output: 2, estimated: false });
      }
    }
    expect(dropped).toBeGreaterThan(0);
    // Each dropped request reached the upstream twice: once on the closed connection, once answered.
    expect(upstream.received.length).toBe(4 + dropped);
  });

  it('Anthropic Messages to the same model, translated: answered in one attempt', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${t.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEYS.full, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'compat', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const json = (await res.json()) as { content?: { text: string }[] };
      expect({ status: res.status, text: json.content?.[0]?.text, attempts: res.headers.get('x-tollgate-attempts') }, `request ${i + 1}`).toEqual({
        status: 200,
        text: 'Hi there',
        attempts: null,
      });
    }
    expect(dropped).toBeGreaterThan(0);
  });
});

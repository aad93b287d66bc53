import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiStandIn, type OpenAiStandIn } from '../../../../test/stand-ins/openai/server.js';
import { startTestDataPlane, type TestDataPlane } from '../../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../../test-support/fixtures.js';
import { waitFor } from '../../test-support/wait.js';

// A compatible server that refuses the stream_options the gateway adds to every stream (Mistral's API: 422
// extra_forbidden, usage on each stream's last chunk unasked), behind the fast path and behind a translation.
describe('a deployment that refuses stream_options', () => {
  let t: TestDataPlane;
  let standIn: OpenAiStandIn;
  let client: OpenAI;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ apiKey: null, strictBody: true });
    const snapshot = fixtureSnapshot();
    const strict = { provider: 'openai_compatible' as const, providerModel: 'mistral-small-latest', apiBase: standIn.url, inputCostPerMillion: 1, outputCostPerMillion: 2 };
    snapshot.models.push(model({ id: 'm40', name: 'strict-a', ...strict }), model({ id: 'm41', name: 'strict-b', ...strict }));
    t = await startTestDataPlane({ snapshot });
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await standIn.close();
  });

  const usageEvent = (id: string | null) => waitFor(() => t.cp.acknowledged.get(id!), 'usage event');
  const messages = [{ role: 'user' as const, content: 'a strict server' }];
  const sentOptions = () => standIn.requests.map((r) => (r.body as { stream_options?: unknown }).stream_options);

  const streamOptionsMetric = async (deployment: string) => {
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    return new RegExp(`^tollgate_deployment_stream_options\\{deployment="${deployment}",[^}]*\\} (\\d)$`, 'm').exec(text)?.[1];
  };

  it('streams: asked again without them at once, never with them after, billed from the usage it reports unasked', async () => {
    standIn.requests.length = 0;
    expect(await streamOptionsMetric('m40')).toBe('1');
    for (let i = 0; i < 2; i++) {
      const { data: stream, response } = await client.chat.completions.create({ model: 'strict-a', messages, stream: true, stream_options: { include_usage: true } }).withResponse();
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: a strict server');
      // The server's own usage, on its last chunk, once: no second usage chunk from the gateway.
      expect(chunks.filter((c) => c.usage)).toHaveLength(1);
      const usage = chunks.find((c) => c.usage)!.usage!;
      expect(await usageEvent(response.headers.get('x-request-id'))).toMatchObject({ status: 'success', promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, estimated: false });
    }
    expect(sentOptions()).toEqual([{ include_usage: true }, undefined, undefined]);
    // Operators see it: this deployment is streamed without them now, the other not yet.
    expect(await streamOptionsMetric('m40')).toBe('0');
    expect(await streamOptionsMetric('m41')).toBe('1');
  });

  it('is learnt per deployment, and behind a translation too (Anthropic Messages in)', async () => {
    standIn.requests.length = 0;
    const res = await fetch(`${t.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEYS.full, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'strict-b', max_tokens: 100, stream: true, messages }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('event: message_stop');
    expect(text).not.toContain('event: error');
    expect(sentOptions()).toEqual([{ include_usage: true }, undefined]);
    // The server's own count, as the client saw it in message_delta.
    const delta = text.split('\n\n').find((e) => e.startsWith('event: message_delta'))!;
    const reported = (JSON.parse(delta.slice(delta.indexOf('{'))) as { usage: { output_tokens: number } }).usage.output_tokens;
    expect(await usageEvent(res.headers.get('x-request-id'))).toMatchObject({ status: 'success', completionTokens: reported, estimated: false });
  });
});

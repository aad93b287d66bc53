import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineProvider } from '../providers/define-provider.js';
import { ProviderRegistry } from '../providers/registry.js';
import type { ProviderStreamEvent } from '../providers/types.js';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { KEYS } from '../test-support/fixtures.js';
import { postChat, sseData } from '../test-support/sse.js';
import { waitFor } from '../test-support/wait.js';

const upstreamDown = { status: 502, type: 'api_error', code: 'upstream_error', message: 'upstream said no' };

/** A provider that fails the way the last user message says: before any output, or after two words. */
const failing = defineProvider<string>({
  kind: 'mock',
  translateRequest: (request) => {
    const last = request.messages.at(-1)!.content[0]!;
    return last.type === 'text' ? last.text : '';
  },
  call: async function* (mode): AsyncGenerator<ProviderStreamEvent> {
    if (mode === 'late') {
      yield { type: 'text-delta', text: 'Hello' };
      yield { type: 'text-delta', text: ' there' };
    }
    yield { type: 'error', error: upstreamDown };
  },
});

describe('provider failures', () => {
  let t: TestDataPlane;

  beforeAll(async () => {
    t = await startTestDataPlane({ providers: new ProviderRegistry([failing]) });
  });
  afterAll(() => t.close());

  const request = (mode: string, stream: boolean) =>
    postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', stream, messages: [{ role: 'user', content: mode }] });

  it('answers an error before any output with its HTTP status, streamed or not, and bills nothing', async () => {
    for (const stream of [false, true]) {
      const res = await request('early', stream);
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ error: { message: 'upstream said no', type: 'api_error', param: null, code: 'upstream_error' } });
      const event = await waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');
      expect(event).toMatchObject({ status: 'error', httpStatus: 502, errorType: 'upstream_error', promptTokens: 0, completionTokens: 0, cost: '0.000000000000' });
    }
  });

  it('reports a mid-stream failure as an SSE error event and bills the partial answer', async () => {
    const res = await request('late', true);
    expect(res.status).toBe(200);
    const data = sseData(await res.text());
    expect(data).toHaveLength(4);
    expect(JSON.parse(data[0]!).choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(JSON.parse(data.at(-1)!)).toEqual({ error: { message: 'upstream said no', type: 'api_error', param: null, code: 'upstream_error' } });
    const event = await waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'usage event');
    expect(event).toMatchObject({ status: 'error', httpStatus: 200, errorType: 'upstream_error', completionTokens: 2 });
    expect(event.promptTokens).toBeGreaterThan(0);
  });
});

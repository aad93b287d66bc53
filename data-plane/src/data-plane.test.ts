import { describe, expect, it } from 'vitest';
import { mockProvider } from './providers/mock/index.js';
import { ProviderRegistry } from './providers/registry.js';
import { startTestDataPlane } from './test-support/data-plane.js';
import { KEYS } from './test-support/fixtures.js';
import { postChat } from './test-support/sse.js';

const slow = () => new ProviderRegistry([mockProvider({ delayMs: 20 })]);
const chat = { model: 'mock-gpt', stream: true, messages: [{ role: 'user', content: 'one two three four five' }] };

describe('startDataPlane().close()', () => {
  it('lets an in-flight stream finish, ships its usage, and stops accepting', async () => {
    const t = await startTestDataPlane({ providers: slow() });
    const res = await postChat(t.baseUrl, KEYS.full, chat);
    const requestId = res.headers.get('x-request-id')!;
    const body = res.text();
    await t.dp.close();
    expect((await body).endsWith('data: [DONE]\n\n')).toBe(true);
    expect(t.cp.acknowledged.get(requestId)?.status).toBe('success');
    await expect(fetch(`${t.baseUrl}/health/liveness`)).rejects.toThrow();
    await t.cp.close();
  });

  it('cuts streams still running after the grace period and ships them as aborted', async () => {
    const t = await startTestDataPlane({ providers: slow(), shutdownGraceMs: 50 });
    const res = await postChat(t.baseUrl, KEYS.full, chat);
    const requestId = res.headers.get('x-request-id')!;
    const body = res.text().catch(() => 'cut');
    await t.dp.close();
    expect(await body).toBe('cut');
    expect(t.cp.acknowledged.get(requestId)?.status).toBe('aborted');
    await t.cp.close();
  });

  it('refuses a port that is taken', async () => {
    const a = await startTestDataPlane();
    await expect(startTestDataPlane({ port: a.dp.port })).rejects.toThrow(/could not listen/);
    await a.close();
  });
});

import { effectScope } from 'vue';
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeSubscription, deferred, installFakeFetch, type FakeAnswer } from '../testing/fakeApi';

vi.mock('../api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api/client')>()),
  subscribe: vi.fn(),
}));

import { subscribe } from '../api/client';
import { SpendUpdatedSubscription, type SpendUpdate } from '../api/operations';
import { useSpend } from './useSpend';

const summary = (totalSpend: number, totalRequests: number, totalTokens: number): FakeAnswer => ({
  data: { spendSummary: { totalSpend, totalRequests, totalTokens } },
});

function update(overrides: Partial<SpendUpdate> = {}): { spendUpdated: SpendUpdate } {
  return {
    spendUpdated: {
      totalSpend: 0.00015,
      totalRequests: 3,
      totalTokens: 90,
      batchSpend: 0.00005,
      batchRequests: 1,
      at: '2025-01-02T03:04:05.000Z',
      ...overrides,
    },
  };
}

let live: ReturnType<typeof createFakeSubscription>;

beforeEach(() => {
  live = createFakeSubscription();
  vi.mocked(subscribe).mockImplementation(live.impl);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

function startInScope(options: Parameters<typeof useSpend>[0] = {}) {
  const scope = effectScope();
  const spend = scope.run(() => useSpend(options))!;
  return { spend, scope };
}

describe('useSpend', () => {
  it('should load the totals from spendSummary and subscribe to spendUpdated', async () => {
    installFakeFetch({ SpendSummary: () => summary(0.0001, 2, 60) });
    const { spend, scope } = startInScope();
    await flushPromises();

    expect(spend.totals.value).toEqual({ totalSpend: 0.0001, totalRequests: 2, totalTokens: 60 });
    expect(live.state.query).toBe(SpendUpdatedSubscription);
    expect(spend.status.value).toBe('connecting');
    scope.stop();
  });

  it('should apply live updates without reloading', async () => {
    const api = installFakeFetch({ SpendSummary: () => summary(0.0001, 2, 60) });
    const onUpdate = vi.fn();
    const { spend, scope } = startInScope({ onUpdate });
    await flushPromises();
    live.setStatus('live');
    await flushPromises();
    const summaryCalls = api.requests.length;

    live.emit(update());

    expect(spend.status.value).toBe('live');
    expect(spend.totals.value).toEqual({ totalSpend: 0.00015, totalRequests: 3, totalTokens: 90 });
    expect(spend.lastUpdate.value?.batchSpend).toBe(0.00005);
    expect(onUpdate).toHaveBeenCalledWith(update().spendUpdated);
    expect(api.requests.length).toBe(summaryCalls);
    scope.stop();
  });

  it('should drop a summary answer that a live update overtook', async () => {
    const slow = deferred<FakeAnswer>();
    installFakeFetch({ SpendSummary: () => slow.promise });
    const { spend, scope } = startInScope();

    live.emit(update({ totalSpend: 0.0002, totalRequests: 4 }));
    slow.resolve(summary(0.0001, 2, 60));
    await flushPromises();

    expect(spend.totals.value?.totalSpend).toBe(0.0002);
    scope.stop();
  });

  it('should reload the summary after reconnecting, to cover updates missed while offline', async () => {
    let total = 0.0001;
    const api = installFakeFetch({ SpendSummary: () => summary(total, 2, 60) });
    const { spend, scope } = startInScope();
    await flushPromises();

    live.setStatus('reconnecting');
    expect(spend.status.value).toBe('reconnecting');
    total = 0.0003;
    live.setStatus('live');
    await flushPromises();

    expect(api.requests.filter((r) => r.operationName === 'SpendSummary')).toHaveLength(2);
    expect(spend.totals.value?.totalSpend).toBe(0.0003);
    scope.stop();
  });

  it('should expose subscription errors and stop the subscription with its scope', async () => {
    installFakeFetch({ SpendSummary: () => summary(0, 0, 0) });
    const { spend, scope } = startInScope();
    await flushPromises();

    const { ApiError } = await import('../api/client');
    live.setStatus('error');
    live.fail(new ApiError('Forbidden', 'FORBIDDEN'));
    expect(spend.status.value).toBe('error');
    expect(spend.error.value).toBe('Forbidden');

    scope.stop();
    expect(live.state.stopped).toBe(1);
  });
});

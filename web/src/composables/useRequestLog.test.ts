import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, graphQLError, installFakeFetch, type FakeAnswer } from '../testing/fakeApi';
import { requestLogEntry } from '../testing/fixtures';
import { toRequestLogFilter, useRequestLog } from './useRequestLog';

const page = (ids: string[], endCursor: string | null): FakeAnswer => ({
  data: { requestLog: { entries: ids.map((requestId) => requestLogEntry({ requestId })), endCursor, hasNextPage: endCursor !== null } },
});

afterEach(() => vi.unstubAllGlobals());

describe('toRequestLogFilter', () => {
  it('should leave out filters that are "any"', () => {
    expect(toRequestLogFilter({ status: '', model: '', keyId: '' })).toBeNull();
    expect(toRequestLogFilter({ status: 'error', model: '', keyId: 'k1' })).toEqual({ status: 'error', keyId: 'k1' });
    expect(toRequestLogFilter({ status: '', model: 'gpt-4o', keyId: '' })).toEqual({ model: 'gpt-4o' });
  });
});

describe('useRequestLog', () => {
  it('should load the newest requests, then older pages with the cursor', async () => {
    const api = installFakeFetch({
      RequestLog: (vars) => (vars.after === 'c1' ? page(['r2', 'r1'], null) : page(['r4', 'r3'], 'c1')),
    });
    const log = useRequestLog({ pageSize: 2 });
    await flushPromises();
    expect(log.entries.value.map((e) => e.requestId)).toEqual(['r4', 'r3']);
    expect(log.hasNextPage.value).toBe(true);

    await log.loadMore();

    expect(log.entries.value.map((e) => e.requestId)).toEqual(['r4', 'r3', 'r2', 'r1']);
    expect(log.hasNextPage.value).toBe(false);
    expect(api.requests.map((r) => r.variables)).toEqual([
      { filter: null, first: 2, after: null },
      { filter: null, first: 2, after: 'c1' },
    ]);
  });

  it('should start again from the newest request when a filter changes, and drop the older filter\'s answer', async () => {
    const slow = deferred<FakeAnswer>();
    const api = installFakeFetch({ RequestLog: (vars) => (vars.filter ? page(['e1'], null) : slow.promise) });
    const log = useRequestLog();

    await log.setFilter({ status: 'error', keyId: 'k1' });
    slow.resolve(page(['r4', 'r3'], 'c1'));
    await flushPromises();

    expect(log.filter.status).toBe('error');
    expect(log.entries.value.map((e) => e.requestId)).toEqual(['e1']);
    expect(api.requests.at(-1)?.variables).toEqual({ filter: { status: 'error', keyId: 'k1' }, first: 50, after: null });
  });

  it('should show a refused read as an error, not a broken list', async () => {
    installFakeFetch({ RequestLog: () => graphQLError('FORBIDDEN', 'Not allowed') });
    const log = useRequestLog();
    await flushPromises();
    expect(log.error.value).toBe('Not allowed');
    expect(log.entries.value).toEqual([]);
    expect(log.loading.value).toBe(false);
  });
});

import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, graphQLError, installFakeFetch, type FakeAnswer } from '../testing/fakeApi';
import { auditEntry } from '../testing/fixtures';
import { toAuditLogFilter, useAudit } from './useAudit';

const page = (ids: string[], endCursor: string | null): FakeAnswer => ({
  data: { auditLog: { entries: ids.map((id) => auditEntry({ id })), endCursor, hasNextPage: endCursor !== null } },
});

afterEach(() => vi.unstubAllGlobals());

describe('toAuditLogFilter', () => {
  it('should leave out filters that are "any"', () => {
    expect(toAuditLogFilter({ action: '', entityType: '' })).toBeNull();
    expect(toAuditLogFilter({ action: 'key.update', entityType: '' })).toEqual({ action: 'key.update' });
    expect(toAuditLogFilter({ action: '', entityType: 'user' })).toEqual({ entityType: 'user' });
  });
});

describe('useAudit', () => {
  it('should load the newest page, then older pages with the cursor', async () => {
    const api = installFakeFetch({
      AuditLog: (vars) => (vars.after === 'c1' ? page(['3', '2'], null) : page(['5', '4'], 'c1')),
    });
    const audit = useAudit({ pageSize: 2 });
    await flushPromises();
    expect(audit.entries.value.map((e) => e.id)).toEqual(['5', '4']);
    expect(audit.hasNextPage.value).toBe(true);

    await audit.loadMore();

    expect(audit.entries.value.map((e) => e.id)).toEqual(['5', '4', '3', '2']);
    expect(audit.hasNextPage.value).toBe(false);
    expect(api.requests.map((r) => r.variables)).toEqual([
      { filter: null, first: 2, after: null },
      { filter: null, first: 2, after: 'c1' },
    ]);
    await audit.loadMore();
    expect(api.requests).toHaveLength(2);
  });

  it('should start again from the newest entry when the filter changes', async () => {
    const api = installFakeFetch({
      AuditLog: (vars) => (vars.filter ? page(['9'], null) : page(['5', '4'], 'c1')),
    });
    const audit = useAudit();
    await flushPromises();

    await audit.setFilter({ action: 'user.create' });

    expect(audit.filter.action).toBe('user.create');
    expect(audit.entries.value.map((e) => e.id)).toEqual(['9']);
    expect(audit.hasNextPage.value).toBe(false);
    expect(api.requests.at(-1)?.variables).toMatchObject({ filter: { action: 'user.create' }, after: null });
  });

  it('should drop a page that belongs to an older filter', async () => {
    const slow = deferred<FakeAnswer>();
    installFakeFetch({ AuditLog: (vars) => (vars.filter ? page(['9'], null) : slow.promise) });
    const audit = useAudit();

    await audit.setFilter({ entityType: 'user' });
    slow.resolve(page(['5', '4'], 'c1'));
    await flushPromises();

    expect(audit.entries.value.map((e) => e.id)).toEqual(['9']);
  });

  it('should show a refused read as an error, not a broken list', async () => {
    installFakeFetch({ AuditLog: () => graphQLError('FORBIDDEN', 'Not allowed') });
    const audit = useAudit();
    await flushPromises();
    expect(audit.error.value).toBe('Not allowed');
    expect(audit.entries.value).toEqual([]);
    expect(audit.loading.value).toBe(false);
  });
});

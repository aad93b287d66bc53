import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { orgAdminViewer, ORG_ID, USER_ID } from '../testing/fixtures';
import { ownSpendScope, useOwnSpend } from './useOwnSpend';

afterEach(() => vi.unstubAllGlobals());

describe('ownSpendScope', () => {
  it("should read an org admin's organization and anyone else's own keys", () => {
    expect(ownSpendScope(orgAdminViewer())).toEqual({ dimension: 'org', value: ORG_ID, label: 'your organization' });
    expect(ownSpendScope(orgAdminViewer({ role: 'internal_user' }))).toEqual({ dimension: 'user', value: USER_ID, label: 'the keys you own' });
    expect(ownSpendScope(orgAdminViewer({ role: 'internal_viewer', userId: null }))).toBeNull();
  });
});

describe('useOwnSpend', () => {
  it('should show zero before anything was spent (no roll-up row yet)', async () => {
    installFakeFetch({ SpendReport: () => ({ data: { spendReport: [] } }) });
    const spend = useOwnSpend(orgAdminViewer({ role: 'internal_user' }));
    await flushPromises();
    expect(spend.totals.value).toEqual({ totalSpend: 0, totalRequests: 0, totalTokens: 0 });
    expect(spend.error.value).toBeNull();
  });

  it("should show the server's message when it refuses", async () => {
    installFakeFetch({ SpendReport: () => graphQLError('FORBIDDEN', 'Not allowed') });
    const spend = useOwnSpend(orgAdminViewer());
    await flushPromises();
    expect(spend.totals.value).toBeNull();
    expect(spend.error.value).toBe('Not allowed');
  });
});

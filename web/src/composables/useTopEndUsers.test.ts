import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EndUserSpend } from '../api/operations';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { useTopEndUsers } from './useTopEndUsers';

const endUser = (externalId: string, spend: number): EndUserSpend => ({
  id: `eu-${externalId}`,
  externalId,
  alias: null,
  spend,
  maxBudget: externalId === '*' ? 1 : null,
  budgetDuration: externalId === '*' ? '1d' : null,
  followsAnyEndUser: externalId !== '*',
});

afterEach(() => vi.unstubAllGlobals());

describe('useTopEndUsers', () => {
  it('loads the biggest spenders without the end user *, which it holds apart as the defaults', async () => {
    const api = installFakeFetch({
      TopEndUsers: () => ({ data: { top: [endUser('alice', 3), endUser('*', 2), endUser('bob', 1)], defaults: [endUser('*', 2)] } }),
    });
    const top = useTopEndUsers({ limit: 2 });
    await flushPromises();
    expect(top.endUsers.value.map((e) => e.externalId)).toEqual(['alice', 'bob']);
    expect(top.defaults.value?.maxBudget).toBe(1);
    // One more than shown, for * among them.
    expect(api.requests[0]?.variables).toEqual({ first: 3 });
  });

  it('has no defaults when there is no end user * (the prefix search found another), and shows a failed read', async () => {
    let fail = false;
    installFakeFetch({ TopEndUsers: () => (fail ? graphQLError('FORBIDDEN', 'Not allowed.') : { data: { top: [endUser('alice', 3)], defaults: [endUser('*vip', 0)] } }) });
    const top = useTopEndUsers();
    await flushPromises();
    expect(top.defaults.value).toBeNull();
    fail = true;
    await top.refresh();
    expect(top.error.value).toBe('Not allowed.');
    expect(top.endUsers.value.map((e) => e.externalId)).toEqual(['alice']);
  });
});

import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BudgetAlert } from '../api/operations';
import { deferred, graphQLError, installFakeFetch, type FakeAnswer } from '../testing/fakeApi';
import { useBudgetAlerts } from './useBudgetAlerts';

const alert = (id: string): BudgetAlert => ({
  id,
  threshold: 'soft_budget',
  subjectKind: 'key',
  subjectId: `key-${id}`,
  subjectName: `key ${id}`,
  budgetDuration: null,
  budget: 1,
  spend: 1.5,
  createdAt: '2025-01-02T03:04:05.000Z',
});
const answer = (ids: string[]): FakeAnswer => ({ data: { budgetAlerts: { alerts: ids.map(alert) } } });

afterEach(() => vi.unstubAllGlobals());

describe('useBudgetAlerts', () => {
  it('should load the newest alerts and read them again on refresh', async () => {
    let ids = ['2', '1'];
    const api = installFakeFetch({ BudgetAlerts: () => answer(ids) });
    const alerts = useBudgetAlerts({ limit: 5 });
    expect(alerts.loading.value).toBe(true);
    await flushPromises();
    expect(alerts.alerts.value.map((a) => a.id)).toEqual(['2', '1']);
    expect(alerts.loading.value).toBe(false);
    expect(api.requests[0]?.variables).toEqual({ first: 5 });

    ids = ['3', '2', '1'];
    await alerts.refresh();
    expect(alerts.alerts.value.map((a) => a.id)).toEqual(['3', '2', '1']);
  });

  it('should keep the alerts it has and show the error when a read fails', async () => {
    let fail = false;
    installFakeFetch({ BudgetAlerts: () => (fail ? graphQLError('INTERNAL_SERVER_ERROR', 'Unexpected error.') : answer(['1'])) });
    const alerts = useBudgetAlerts();
    await flushPromises();
    fail = true;
    await alerts.refresh();
    expect(alerts.error.value).toBe('Unexpected error.');
    expect(alerts.alerts.value.map((a) => a.id)).toEqual(['1']);
    fail = false;
    await alerts.refresh();
    expect(alerts.error.value).toBeNull();
  });

  it('should drop an answer overtaken by a newer read', async () => {
    const slow = deferred<FakeAnswer>();
    let calls = 0;
    installFakeFetch({ BudgetAlerts: () => (++calls === 1 ? slow.promise : answer(['9'])) });
    const alerts = useBudgetAlerts();
    await alerts.refresh();
    slow.resolve(answer(['1']));
    await flushPromises();
    expect(alerts.alerts.value.map((a) => a.id)).toEqual(['9']);
  });
});

/**
 * The newest budget alerts the viewer may see (the server scopes them per role). Read on start and on `refresh()`,
 * which the dashboard calls with its spend refreshes: alerts are raised by the same ingested usage.
 */
import { ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import { BudgetAlertsQuery, type BudgetAlert } from '../api/operations';
import { errorMessage } from './forms';

export interface UseBudgetAlertsOptions {
  /** How many of the newest alerts to show. */
  limit?: number;
}

export function useBudgetAlerts(options: UseBudgetAlertsOptions = {}) {
  const alerts = shallowRef<BudgetAlert[]>([]);
  const loading = ref(true);
  const error = ref<string | null>(null);
  /** Counts reads, so an answer overtaken by a newer read is dropped. */
  let generation = 0;

  async function refresh(): Promise<void> {
    const current = ++generation;
    try {
      const { budgetAlerts } = await graphql(BudgetAlertsQuery, { first: options.limit ?? 10 });
      if (current !== generation) return;
      alerts.value = budgetAlerts.alerts;
      error.value = null;
    } catch (caught) {
      if (current === generation) error.value = errorMessage(caught);
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  void refresh();

  return {
    alerts: alerts as Readonly<Ref<readonly BudgetAlert[]>>,
    loading: loading as Readonly<Ref<boolean>>,
    error: error as Readonly<Ref<string | null>>,
    refresh,
  };
}

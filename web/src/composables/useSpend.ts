/**
 * Gateway-wide spend: the totals from `spendSummary`, then kept current by the `spendUpdated` subscription
 * (each event carries absolute totals, so applying the latest one is enough).
 */
import { getCurrentScope, onScopeDispose, ref, shallowRef, type Ref } from 'vue';
import { graphql, subscribe, type LiveStatus } from '../api/client';
import { SpendSummaryQuery, SpendUpdatedSubscription, type SpendSummary, type SpendUpdate } from '../api/operations';
import { errorMessage } from './forms';

export interface UseSpendOptions {
  /** Called for every live update, after the totals were applied. */
  onUpdate?: (update: SpendUpdate) => void;
}

export function useSpend(options: UseSpendOptions = {}) {
  const totals = shallowRef<SpendSummary | null>(null);
  const lastUpdate = shallowRef<SpendUpdate | null>(null);
  const status = ref<LiveStatus>('connecting');
  const error = ref<string | null>(null);
  /** Counts live updates, so a summary answer older than an update that overtook it is dropped. */
  let updatesApplied = 0;

  async function loadSummary(): Promise<void> {
    const updatesBefore = updatesApplied;
    try {
      const { spendSummary } = await graphql(SpendSummaryQuery, {});
      if (updatesApplied === updatesBefore) totals.value = spendSummary;
      error.value = null;
    } catch (caught) {
      error.value = errorMessage(caught);
    }
  }

  function applyUpdate(update: SpendUpdate): void {
    updatesApplied++;
    totals.value = {
      totalSpend: update.totalSpend,
      totalRequests: update.totalRequests,
      totalTokens: update.totalTokens,
    };
    lastUpdate.value = update;
    options.onUpdate?.(update);
  }

  const stop = subscribe(SpendUpdatedSubscription, (data) => applyUpdate(data.spendUpdated), {
    onStatus: (next) => {
      // Updates published while the socket was (re)connecting are lost; the summary fills that gap.
      if (next === 'live' && totals.value !== null) void loadSummary();
      status.value = next;
    },
    onError: (caught) => {
      error.value = caught.message;
    },
  });

  void loadSummary();

  if (getCurrentScope()) onScopeDispose(stop);

  return {
    totals: totals as Readonly<Ref<SpendSummary | null>>,
    lastUpdate: lastUpdate as Readonly<Ref<SpendUpdate | null>>,
    status: status as Readonly<Ref<LiveStatus>>,
    error: error as Readonly<Ref<string | null>>,
    refresh: loadSummary,
    stop,
  };
}

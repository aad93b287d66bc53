/**
 * Spend for those the API does not give the gateway-wide totals (everyone but proxy admins and their viewers): one
 * `spendReport` row from the daily roll-ups, so the figure costs the same however many keys there are. An org admin
 * gets their organization's spend; others the spend of the keys they own (the `user` dimension is the key's owner).
 */
import { ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import { SpendReportQuery, type SpendDimension, type SpendSummary, type Viewer } from '../api/operations';
import { errorMessage } from './forms';

export interface OwnSpendScope {
  dimension: SpendDimension;
  /** The organization id or user id the row is for. */
  value: string;
  /** What the figure covers, after "Spend of": "your organization", "the keys you own". */
  label: string;
}

/** The one roll-up this viewer may read as a whole; null when there is none (no user behind the credential). */
export function ownSpendScope(viewer: Viewer): OwnSpendScope | null {
  if (viewer.role === 'org_admin' && viewer.organizationId !== null) {
    return { dimension: 'org', value: viewer.organizationId, label: 'your organization' };
  }
  if (viewer.userId !== null) return { dimension: 'user', value: viewer.userId, label: 'the keys you own' };
  return null;
}

export function useOwnSpend(viewer: Viewer) {
  const scope = ownSpendScope(viewer);
  const totals = shallowRef<SpendSummary | null>(null);
  const error = ref<string | null>(scope === null ? 'No spend to show for this credential.' : null);
  let generation = 0;

  async function refresh(): Promise<void> {
    if (scope === null) return;
    const current = ++generation;
    try {
      const { spendReport } = await graphql(SpendReportQuery, { dimension: scope.dimension, value: scope.value, first: 1 });
      if (current !== generation) return;
      // No row: nothing spent yet.
      const row = spendReport.find((r) => r.value === scope.value);
      totals.value = { totalSpend: row?.cost ?? 0, totalRequests: row?.requests ?? 0, totalTokens: row?.totalTokens ?? 0 };
      error.value = null;
    } catch (caught) {
      if (current === generation) error.value = errorMessage(caught);
    }
  }

  void refresh();

  return {
    scope: scope?.label ?? 'your keys',
    totals: totals as Readonly<Ref<SpendSummary | null>>,
    error: error as Readonly<Ref<string | null>>,
    refresh,
  };
}

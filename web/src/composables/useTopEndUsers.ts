/**
 * The end users that spent most in their budget period, and the end user `*` whose limits and budget every end user
 * without settings of its own takes (proxy admins and their viewers: end users belong to no organization). Read on
 * start and on `refresh()`, which the dashboard calls with its spend refreshes.
 */
import { computed } from 'vue';
import { graphql } from '../api/client';
import { TopEndUsersQuery, type EndUserSpend } from '../api/operations';
import { useRemoteList } from './useRemoteList';

export const ANY_END_USER = '*';

export interface UseTopEndUsersOptions {
  /** How many to show. */
  limit?: number;
}

export function useTopEndUsers(options: UseTopEndUsersOptions = {}) {
  const limit = options.limit ?? 10;
  // One read brings both: the top spenders (one more than shown, as `*` itself may be among them) and `*`.
  const list = useRemoteList(async (): Promise<EndUserSpend[]> => {
    const answer = await graphql(TopEndUsersQuery, { first: limit + 1 });
    const any = answer.defaults.find((e) => e.externalId === ANY_END_USER);
    const top = answer.top.filter((e) => e.externalId !== ANY_END_USER).slice(0, limit);
    return any === undefined ? top : [...top, any];
  });
  void list.refresh();

  return {
    endUsers: computed(() => list.items.value.filter((e) => e.externalId !== ANY_END_USER)),
    defaults: computed(() => list.items.value.find((e) => e.externalId === ANY_END_USER) ?? null),
    loading: list.loading,
    error: list.error,
    refresh: list.refresh,
  };
}

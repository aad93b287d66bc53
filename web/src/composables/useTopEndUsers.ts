/**
 * The end users that spent most in their budget period, and the end user `*` whose limits and budget every end user
 * without settings of its own takes (proxy admins and their viewers: end users belong to no organization). Read on
 * start and on `refresh()`, which the dashboard calls with its spend refreshes.
 */
import { ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import { TopEndUsersQuery, type EndUserSpend } from '../api/operations';
import { errorMessage } from './forms';

export const ANY_END_USER = '*';

export interface UseTopEndUsersOptions {
  /** How many to show. */
  limit?: number;
}

export function useTopEndUsers(options: UseTopEndUsersOptions = {}) {
  const endUsers = shallowRef<EndUserSpend[]>([]);
  const defaults = shallowRef<EndUserSpend | null>(null);
  const loading = ref(true);
  const error = ref<string | null>(null);
  /** Counts reads, so an answer overtaken by a newer read is dropped. */
  let generation = 0;

  async function refresh(): Promise<void> {
    const current = ++generation;
    const limit = options.limit ?? 10;
    try {
      // One more than shown: `*` itself may be among the top spenders, and is shown apart.
      const answer = await graphql(TopEndUsersQuery, { first: limit + 1 });
      if (current !== generation) return;
      endUsers.value = answer.top.filter((e) => e.externalId !== ANY_END_USER).slice(0, limit);
      defaults.value = answer.defaults.find((e) => e.externalId === ANY_END_USER) ?? null;
      error.value = null;
    } catch (caught) {
      if (current === generation) error.value = errorMessage(caught);
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  void refresh();

  return {
    endUsers: endUsers as Readonly<Ref<readonly EndUserSpend[]>>,
    defaults: defaults as Readonly<Ref<EndUserSpend | null>>,
    loading: loading as Readonly<Ref<boolean>>,
    error: error as Readonly<Ref<string | null>>,
    refresh,
  };
}

/** Models: the read-only list. */
import { graphql } from '../api/client';
import { ModelsQuery } from '../api/operations';
import { useRemoteList } from './useRemoteList';

export function useModels(options: { immediate?: boolean } = {}) {
  const list = useRemoteList(async () => (await graphql(ModelsQuery, {})).models);
  if (options.immediate ?? true) void list.refresh();
  return { models: list.items, loading: list.loading, loadError: list.error, refresh: list.refresh };
}

/**
 * The request log: requests newest first, filtered by status, model and key, one page at a time ("load older" follows
 * the server's cursor). Changing a filter or refreshing starts again from the newest request; an answer for an older
 * filter is dropped (usePagedList).
 */
import { reactive, readonly } from 'vue';
import { graphql } from '../api/client';
import { RequestLogQuery, type RequestLogEntry, type RequestLogFilter } from '../api/operations';
import { usePagedList } from './usePagedList';

export const REQUEST_LOG_PAGE_SIZE = 50;
/** The server's largest page. */
const REQUEST_LOG_PAGE_MAX = 500;

/** What the filter controls hold: '' means any. */
export interface RequestLogFilterValues {
  status: string;
  model: string;
  keyId: string;
}

export function toRequestLogFilter(values: RequestLogFilterValues): RequestLogFilter | null {
  const filter: RequestLogFilter = {
    ...(values.status !== '' ? { status: values.status } : {}),
    ...(values.model !== '' ? { model: values.model } : {}),
    ...(values.keyId !== '' ? { keyId: values.keyId } : {}),
  };
  return Object.keys(filter).length > 0 ? filter : null;
}

/** A log entry as a list row: the paged list keys rows by `id`. */
export type RequestLogRow = RequestLogEntry & { id: string };

export interface UseRequestLogOptions {
  /** Load the first page right away (default true). */
  immediate?: boolean;
  pageSize?: number;
}

export function useRequestLog(options: UseRequestLogOptions = {}) {
  const filter = reactive<RequestLogFilterValues>({ status: '', model: '', keyId: '' });
  const list = usePagedList<RequestLogRow>(
    async (first, after) => {
      const { requestLog } = await graphql(RequestLogQuery, { filter: toRequestLogFilter(filter), first, after });
      return { items: requestLog.entries.map((entry) => ({ ...entry, id: entry.requestId })), endCursor: requestLog.endCursor, hasNextPage: requestLog.hasNextPage };
    },
    { pageSize: options.pageSize ?? REQUEST_LOG_PAGE_SIZE, maxPageSize: REQUEST_LOG_PAGE_MAX },
  );

  /** Changes the filter and starts again from the newest matching request. */
  function setFilter(change: Partial<RequestLogFilterValues>): Promise<void> {
    Object.assign(filter, change);
    return list.refresh();
  }

  if (options.immediate ?? true) void list.refresh();

  return {
    entries: list.items,
    filter: readonly(filter),
    hasNextPage: list.hasNextPage,
    loading: list.loading,
    loadingMore: list.loadingMore,
    error: list.error,
    refresh: list.refresh,
    loadMore: list.loadMore,
    setFilter,
  };
}

export type RequestLogStore = ReturnType<typeof useRequestLog>;

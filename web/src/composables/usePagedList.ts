/**
 * A list the API serves in keyset pages, newest first: the first page, "load more" after the server's cursor, and
 * a quiet re-read of what is shown (for columns that change underneath, such as spend).
 *
 * Local edits (`update`: an optimistic delete, a created row put on top) made while a load is in flight are
 * replayed onto its answer, so an answer that left the server before the edit never undoes it. A new first page
 * (`refresh`, e.g. for another filter) drops every older load's answer, including a pending "load more", whose
 * cursor belongs to the list it replaces.
 */
import { ref, shallowRef, type Ref } from 'vue';
import { errorMessage } from './forms';

export interface Page<T> {
  /** Newest first. */
  items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export type PageLoader<T> = (first: number, after: string | null) => Promise<Page<T>>;

export interface PagedListOptions {
  /** Rows per page. */
  pageSize: number;
  /** The most rows the server returns at once; a re-read of more than this many re-reads only the newest ones. */
  maxPageSize: number;
}

export interface PagedList<T> {
  items: Readonly<Ref<T[]>>;
  /** A first page is loading (what is shown is about to be replaced). */
  loading: Readonly<Ref<boolean>>;
  loadingMore: Readonly<Ref<boolean>>;
  hasNextPage: Readonly<Ref<boolean>>;
  error: Readonly<Ref<string | null>>;
  /** Replaces the list with the first page. */
  refresh: () => Promise<void>;
  /** Re-reads the rows shown (at least a page, at most `maxPageSize`), keeping the position; skipped while loading. */
  reload: () => Promise<void>;
  /** Appends the next page. */
  loadMore: () => Promise<void>;
  update: (change: (items: T[]) => T[]) => void;
}

export function usePagedList<T extends { id: string }>(load: PageLoader<T>, options: PagedListOptions): PagedList<T> {
  const items = shallowRef<T[]>([]);
  const loading = ref(false);
  const loadingMore = ref(false);
  const hasNextPage = ref(false);
  const error = ref<string | null>(null);
  let endCursor: string | null = null;
  /** Bumped by every load that replaces the list; an answer for an older one is dropped. */
  let generation = 0;
  /** Whether a replacing load (`refresh` or `reload`) is in flight. */
  let replacing = false;
  /** Edits made since the replacing load in flight started, to replay onto its answer. */
  let edits: ((items: T[]) => T[])[] = [];

  const replay = (loaded: T[]): T[] => edits.reduce((current, edit) => edit(current), loaded);

  /** Runs a replacing load; `apply` gets its page, with the edits made meanwhile replayed. */
  async function replace(first: number, apply: (page: Page<T>, replayed: T[]) => void): Promise<void> {
    const current = ++generation;
    replacing = true;
    edits = [];
    loadingMore.value = false;
    try {
      const page = await load(first, null);
      if (current !== generation) return;
      apply(page, replay(page.items));
      error.value = null;
    } catch (caught) {
      if (current === generation) error.value = errorMessage(caught);
    } finally {
      if (current === generation) {
        replacing = false;
        edits = [];
        loading.value = false;
      }
    }
  }

  function refresh(): Promise<void> {
    loading.value = true;
    return replace(options.pageSize, (page, replayed) => {
      items.value = replayed;
      endCursor = page.endCursor;
      hasNextPage.value = page.hasNextPage;
    });
  }

  function reload(): Promise<void> {
    // A load in flight brings fresh rows anyway, and a re-read now would drop a "load more" on its way.
    if (replacing || loadingMore.value) return Promise.resolve();
    const shown = items.value;
    const first = Math.min(Math.max(shown.length, options.pageSize), options.maxPageSize);
    const rest = new Set(shown.slice(first).map((item) => item.id));
    return replace(first, (page, replayed) => {
      if (rest.size === 0) {
        items.value = replayed;
        endCursor = page.endCursor;
        hasNextPage.value = page.hasNextPage;
        return;
      }
      // More is shown than one request may read: the newest rows are fresh, the older ones and the cursor stay.
      const fresh = new Set(replayed.map((item) => item.id));
      items.value = [...replayed, ...items.value.filter((item) => rest.has(item.id) && !fresh.has(item.id))];
    });
  }

  async function loadMore(): Promise<void> {
    if (!hasNextPage.value || endCursor === null || loadingMore.value || replacing) return;
    const current = generation;
    loadingMore.value = true;
    try {
      const page = await load(options.pageSize, endCursor);
      if (current !== generation) return;
      // Edits meanwhile touched only rows shown, all newer than the cursor; a row may still come twice if the
      // list shifted on the server, so keep the first.
      const seen = new Set(items.value.map((item) => item.id));
      items.value = [...items.value, ...page.items.filter((item) => !seen.has(item.id))];
      endCursor = page.endCursor;
      hasNextPage.value = page.hasNextPage;
      error.value = null;
    } catch (caught) {
      if (current === generation) error.value = errorMessage(caught);
    } finally {
      if (current === generation) loadingMore.value = false;
    }
  }

  function update(change: (items: T[]) => T[]): void {
    if (replacing) edits.push(change);
    items.value = change(items.value);
  }

  return {
    items,
    loading,
    loadingMore,
    hasNextPage,
    error,
    refresh,
    reload,
    loadMore,
    update,
  };
}

import { describe, expect, it, vi } from 'vitest';
import { deferred } from '../testing/fakeApi';
import { usePagedList, type Page } from './usePagedList';

interface Row {
  id: string;
  value: number;
}

const rows = (count: number, value = 0): Row[] => Array.from({ length: count }, (_, n) => ({ id: `r${n}`, value }));

/** Serves `data()` in pages; the cursor is the last row's id. */
function pager(data: () => Row[]) {
  return vi.fn(async (first: number, after: string | null): Promise<Page<Row>> => {
    const all = data();
    const start = after === null ? 0 : all.findIndex((row) => row.id === after) + 1;
    const items = all.slice(start, start + first);
    const hasNextPage = start + first < all.length;
    return { items, hasNextPage, endCursor: hasNextPage ? (items.at(-1)?.id ?? null) : null };
  });
}

describe('usePagedList', () => {
  it('should re-read only the newest rows when more are shown than one request may read, keeping the rest and the cursor', async () => {
    let data = rows(12);
    const load = pager(() => data);
    const list = usePagedList(load, { pageSize: 4, maxPageSize: 6 });
    await list.refresh();
    await list.loadMore();
    await list.loadMore();
    expect(list.items.value).toHaveLength(12);
    expect(list.hasNextPage.value).toBe(false);

    data = rows(12, 1);
    await list.reload();

    expect(load).toHaveBeenLastCalledWith(6, null);
    expect(list.items.value.map((row) => row.value)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(list.items.value.map((row) => row.id)).toEqual(rows(12).map((row) => row.id));
    expect(list.hasNextPage.value).toBe(false);
  });

  it('should skip a re-read while a page is loading', async () => {
    const slow = deferred<Page<Row>>();
    const load = vi.fn((_first: number, _after: string | null) => slow.promise);
    const list = usePagedList(load, { pageSize: 4, maxPageSize: 6 });
    const first = list.refresh();

    await list.reload();
    slow.resolve({ items: rows(2), endCursor: null, hasNextPage: false });
    await first;

    expect(load).toHaveBeenCalledTimes(1);
    expect(list.items.value).toHaveLength(2);
    expect(list.loading.value).toBe(false);
  });

  it('should replay edits made while a page loads onto its answer', async () => {
    const slow = deferred<Page<Row>>();
    const list = usePagedList((_first, _after) => slow.promise, { pageSize: 4, maxPageSize: 6 });
    const first = list.refresh();

    list.update((items) => [{ id: 'new', value: 9 }, ...items]);
    list.update((items) => items.filter((row) => row.id !== 'r1'));
    slow.resolve({ items: rows(3), endCursor: null, hasNextPage: false });
    await first;

    expect(list.items.value.map((row) => row.id)).toEqual(['new', 'r0', 'r2']);
  });
});

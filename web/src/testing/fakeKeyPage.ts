/** A fake `keyPage` over keys the test owns: filtered and paged the way the control plane does it. */
import type { KeyFilter, KeyPage, VirtualKey } from '../api/operations';
import type { FakeAnswer, FakeHandler } from './fakeApi';

/** One `keyPage` answer, for handlers that answer by hand. */
export function keyPageAnswer(keys: VirtualKey[], endCursor: string | null = null): FakeAnswer {
  const keyPage: KeyPage = { keys, endCursor, hasNextPage: endCursor !== null };
  return { data: { keyPage } };
}

/**
 * Answers `keyPage` from `keys()` (newest first, read at each request): team and search filters (the alias from its
 * start in any case, the prefix exactly), `first` rows after the cursor, which is the last row's id.
 */
export function keyPageHandler(keys: () => readonly VirtualKey[]): FakeHandler {
  return (variables) => {
    const filter = (variables.filter ?? null) as KeyFilter | null;
    const first = variables.first as number;
    const after = (variables.after ?? null) as string | null;
    const search = filter?.search;
    const matching = keys().filter(
      (key) =>
        (filter?.teamId === undefined || key.teamId === filter.teamId) &&
        (search === undefined || (key.alias ?? '').toLowerCase().startsWith(search.toLowerCase()) || key.prefix.startsWith(search)),
    );
    const start = after === null ? 0 : matching.findIndex((key) => key.id === after) + 1;
    const rows = matching.slice(start, start + first);
    const hasNextPage = start + first < matching.length;
    return keyPageAnswer(rows, hasNextPage ? (rows.at(-1)?.id ?? null) : null);
  };
}

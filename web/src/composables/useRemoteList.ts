/**
 * A list loaded from the API: items, loading flag, load error, refresh. Local edits (`update`) win over a load
 * that was already in flight, so an optimistic change is never overwritten by an older answer.
 */
import { ref, shallowRef, type Ref } from 'vue';
import { errorMessage } from './forms';

export interface RemoteList<T> {
  items: Readonly<Ref<T[]>>;
  loading: Readonly<Ref<boolean>>;
  error: Readonly<Ref<string | null>>;
  refresh: () => Promise<void>;
  update: (change: (items: T[]) => T[]) => void;
}

export function useRemoteList<T>(load: () => Promise<T[]>): RemoteList<T> {
  const items = shallowRef<T[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let generation = 0;

  async function refresh(): Promise<void> {
    const current = ++generation;
    loading.value = true;
    try {
      const loaded = await load();
      if (current !== generation) return;
      items.value = loaded;
      error.value = null;
    } catch (caught) {
      if (current === generation) error.value = errorMessage(caught);
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  function update(change: (items: T[]) => T[]): void {
    generation++;
    loading.value = false;
    items.value = change(items.value);
  }

  return { items, loading, error, refresh, update };
}

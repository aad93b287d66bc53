/** A change to one item of a list that shows at once, before the server has answered. */
import type { Ref } from 'vue';
import { errorMessage } from './forms';
import type { RemoteList } from './useRemoteList';

export interface OptimisticUpdate<T extends { id: string }> {
  list: RemoteList<T>;
  id: string;
  /** What the item looks like until the server answers. */
  patch: Partial<T>;
  /** Sends the change; resolves to the item as the server has it now. */
  send: () => Promise<T>;
  /** Set to what failed ("Could not block research") and why, when the server refuses; cleared when one starts. */
  actionError: Ref<string | null>;
  /** The start of that message, for the item as it was. */
  failure: (before: T) => string;
  onChange?: (() => void) | undefined;
}

/**
 * Applies `patch` to the item at once, then puts the server's answer in its place; if the server refuses, puts the
 * item back as it was and says why in `actionError`. False when the item is not in the list or the change failed.
 */
export async function optimisticUpdate<T extends { id: string }>(change: OptimisticUpdate<T>): Promise<boolean> {
  const { list, id } = change;
  const before = list.items.value.find((item) => item.id === id);
  if (!before) return false;
  change.actionError.value = null;
  const replace = (next: T) => list.update((items) => items.map((item) => (item.id === id ? next : item)));
  replace({ ...before, ...change.patch });
  try {
    replace(await change.send());
    change.onChange?.();
    return true;
  } catch (caught) {
    replace(before);
    change.actionError.value = `${change.failure(before)}: ${errorMessage(caught)}`;
    return false;
  }
}

/**
 * Virtual keys: the list (newest first, a page at a time, narrowed by a search and a team), the create form's
 * submit, the one-time display of a new key's plaintext (or a regenerated key's new one), editing a key's settings,
 * blocking and unblocking, and deletion (both optimistic, rolled back on failure). A gateway may hold hundreds of
 * thousands of keys, so nothing here reads them all: a new key is put on top of the list, a changed one replaced and a
 * deleted one taken out, without reading the list again.
 */
import { reactive, readonly, ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import {
  CreateKeyMutation,
  DeleteKeyMutation,
  KEY_TYPES,
  KeyPageQuery,
  RegenerateKeyMutation,
  UpdateKeyMutation,
  type CreatedKey,
  type CreateKeyInput,
  type KeyFilter,
  type KeyType,
  type VirtualKey,
} from '../api/operations';
import { toUpdateKeyInput, type KeyEditValues } from '../keyForm';
import {
  errorMessage,
  invalidField,
  optionalText,
  parseBudget,
  parseModelList,
  toFormError,
  type FormError,
  type NumberInputValue,
} from './forms';
import { useDebounced } from './useDebounced';
import { usePagedList } from './usePagedList';

export const KEY_PAGE_SIZE = 50;
/** The most keys `keyPage` returns at once. */
export const KEY_PAGE_MAX = 500;
/** How long typing must pause before the search goes to the server. */
export const KEY_SEARCH_DEBOUNCE_MS = 300;

/** What the list's filter controls hold: '' means any. */
export interface KeyListFilterValues {
  /** The start of an alias (any case) or of a key prefix. */
  search: string;
  teamId: string;
}

export function toKeyFilter(values: KeyListFilterValues): KeyFilter | null {
  const search = values.search.trim();
  const filter: KeyFilter = {
    ...(search !== '' ? { search } : {}),
    ...(values.teamId !== '' ? { teamId: values.teamId } : {}),
  };
  return Object.keys(filter).length > 0 ? filter : null;
}

/**
 * Whether the server would list this key under the filter (the alias matched from its start in any case, the prefix
 * exactly), so that a key made here joins the list only where it belongs.
 */
export function matchesKeyFilter(key: VirtualKey, filter: KeyFilter | null): boolean {
  if (filter === null) return true;
  if (filter.teamId !== undefined && key.teamId !== filter.teamId) return false;
  if (filter.search !== undefined) {
    const search = filter.search;
    const aliasMatches = key.alias !== null && key.alias.toLowerCase().startsWith(search.toLowerCase());
    if (!aliasMatches && !key.prefix.startsWith(search)) return false;
  }
  return true;
}

/** What the create-key form holds, as typed. */
export interface KeyFormValues {
  /** A team id, or '' for no team. */
  teamId: string;
  /** A user id, or '' for the default owner (yourself; nobody for the master key). Absent: no owner choice. */
  ownerId?: string;
  /** `llm_api` (calls models), `management` or `read_only` (act on this API as the owner). Absent: `llm_api`. */
  keyType?: string;
  alias: string;
  /** Comma-separated model names; blank for all models (of the team). */
  models: string;
  /** Blank for no budget. */
  budget: NumberInputValue;
}

export type KeyFormParse = { input: CreateKeyInput } | { error: FormError };

export function toCreateKeyInput(values: KeyFormValues): KeyFormParse {
  const maxBudget = parseBudget(values.budget);
  if (maxBudget === null) return { error: invalidField('maxBudget', 'Enter an amount in US dollars.') };
  const keyType = values.keyType ?? '';
  if (keyType !== '' && !(KEY_TYPES as readonly string[]).includes(keyType)) {
    return { error: invalidField('keyType', 'Choose a key type.') };
  }
  const teamId = optionalText(values.teamId);
  const ownerId = optionalText(values.ownerId ?? '');
  const alias = optionalText(values.alias);
  const models = parseModelList(values.models);
  return {
    input: {
      ...(teamId ? { teamId } : {}),
      ...(ownerId ? { ownerId } : {}),
      // The default type is left out, so a plain key is created exactly as before key types existed.
      ...(keyType !== '' && keyType !== 'llm_api' ? { keyType: keyType as KeyType } : {}),
      ...(alias ? { alias } : {}),
      ...(models ? { models } : {}),
      ...(maxBudget !== undefined ? { maxBudget } : {}),
    },
  };
}

export interface UseKeysOptions {
  /** Load the list right away (default true). */
  immediate?: boolean;
  pageSize?: number;
  /** Called after a key was created, changed or deleted (team key counts changed). */
  onChange?: () => void;
}

export function useKeys(options: UseKeysOptions = {}) {
  /** What the filter controls show; `applied` is what the list was loaded with (the search lags while typing). */
  const filter = reactive<KeyListFilterValues>({ search: '', teamId: '' });
  let applied: KeyFilter | null = null;
  const list = usePagedList<VirtualKey>(
    async (first, after) => {
      const { keyPage } = await graphql(KeyPageQuery, { filter: applied, first, after });
      return { items: keyPage.keys, endCursor: keyPage.endCursor, hasNextPage: keyPage.hasNextPage };
    },
    { pageSize: options.pageSize ?? KEY_PAGE_SIZE, maxPageSize: KEY_PAGE_MAX },
  );
  const creating = ref(false);
  const createError = ref<FormError | null>(null);
  /** The last created key with its plaintext, until dismissed. The server never returns the plaintext again. */
  const createdKey = shallowRef<CreatedKey | null>(null);
  /** Whether `createdKey` is a new secret of an existing key rather than a new key. */
  const regenerated = ref(false);
  /** The key whose edit is being saved, and the last failed save of an edit. */
  const savingId = ref<string | null>(null);
  const saveError = ref<FormError | null>(null);
  const regeneratingId = ref<string | null>(null);
  const deleteError = ref<string | null>(null);
  const actionError = ref<string | null>(null);

  const searchLater = useDebounced(() => void refresh(), KEY_SEARCH_DEBOUNCE_MS);

  /** Loads the first page for the filter as it is now. */
  function refresh(): Promise<void> {
    searchLater.cancel();
    applied = toKeyFilter(filter);
    return list.refresh();
  }

  /** Changes the filter and starts again from the newest matching key: a search once typing pauses, a team at once. */
  function setFilter(change: Partial<KeyListFilterValues>): void {
    Object.assign(filter, change);
    if (change.teamId !== undefined) void refresh();
    else searchLater();
  }

  /** Creates the key; on success shows its plaintext once and puts it on top of the list (if the filter lets it). */
  async function create(values: KeyFormValues): Promise<CreatedKey | null> {
    const parsed = toCreateKeyInput(values);
    if ('error' in parsed) {
      createError.value = parsed.error;
      return null;
    }
    creating.value = true;
    createError.value = null;
    try {
      const { createKey } = await graphql(CreateKeyMutation, { input: parsed.input });
      createdKey.value = createKey;
      regenerated.value = false;
      const created = createKey.virtualKey;
      if (matchesKeyFilter(created, applied)) {
        list.update((keys) => [created, ...keys.filter((key) => key.id !== created.id)]);
      }
      options.onChange?.();
      return createKey;
    } catch (caught) {
      createError.value = toFormError(caught);
      return null;
    } finally {
      creating.value = false;
    }
  }

  /** Forgets the plaintext of the last created key. */
  function dismissCreatedKey(): void {
    createdKey.value = null;
  }

  /** Deletes a key: it leaves the list at once and comes back if the server refuses. */
  async function remove(id: string): Promise<boolean> {
    const index = list.items.value.findIndex((key) => key.id === id);
    const removed = list.items.value[index];
    if (!removed) return false;
    deleteError.value = null;
    list.update((keys) => keys.filter((key) => key.id !== id));
    try {
      await graphql(DeleteKeyMutation, { id });
      options.onChange?.();
      return true;
    } catch (caught) {
      list.update((keys) => {
        const restored = keys.filter((key) => key.id !== id);
        restored.splice(Math.min(index, restored.length), 0, removed);
        return restored;
      });
      deleteError.value = `Could not delete key ${removed.prefix}…: ${errorMessage(caught)}`;
      return false;
    }
  }

  const replaceKey = (next: VirtualKey) => list.update((keys) => keys.map((key) => (key.id === next.id ? next : key)));

  /**
   * Saves what the edit form changed since `before` (the key as the form was opened on): nothing is sent when nothing
   * changed. The row shows what the server stored. Returns whether the form may close.
   */
  async function update(before: VirtualKey, values: KeyEditValues): Promise<boolean> {
    const parsed = toUpdateKeyInput(values, before);
    if ('error' in parsed) {
      saveError.value = parsed.error;
      return false;
    }
    saveError.value = null;
    if (Object.keys(parsed.input).length === 0) return true;
    savingId.value = before.id;
    try {
      const { updateKey } = await graphql(UpdateKeyMutation, { id: before.id, input: parsed.input });
      replaceKey(updateKey);
      options.onChange?.();
      return true;
    } catch (caught) {
      saveError.value = toFormError(caught);
      return false;
    } finally {
      savingId.value = null;
    }
  }

  /**
   * Gives a key a new secret, shown once like a new key's; the old one keeps working for `gracePeriodSeconds` (0: it
   * stops at once), so clients can be moved over.
   */
  async function regenerate(id: string, gracePeriodSeconds: number): Promise<CreatedKey | null> {
    const before = list.items.value.find((key) => key.id === id);
    actionError.value = null;
    regeneratingId.value = id;
    try {
      const { regenerateKey } = await graphql(RegenerateKeyMutation, { id, input: { gracePeriodSeconds } });
      createdKey.value = regenerateKey;
      regenerated.value = true;
      replaceKey(regenerateKey.virtualKey);
      options.onChange?.();
      return regenerateKey;
    } catch (caught) {
      actionError.value = `Could not regenerate key ${before?.prefix ?? ''}…: ${errorMessage(caught)}`;
      return null;
    } finally {
      regeneratingId.value = null;
    }
  }

  /** Blocks or unblocks a key: shown at once, put back if the server refuses. Data planes apply it within a second. */
  async function setBlocked(id: string, blocked: boolean): Promise<boolean> {
    const before = list.items.value.find((key) => key.id === id);
    if (!before) return false;
    actionError.value = null;
    replaceKey({ ...before, blocked });
    try {
      const { updateKey } = await graphql(UpdateKeyMutation, { id, input: { blocked } });
      replaceKey(updateKey);
      options.onChange?.();
      return true;
    } catch (caught) {
      replaceKey(before);
      actionError.value = `Could not ${blocked ? 'block' : 'unblock'} key ${before.prefix}…: ${errorMessage(caught)}`;
      return false;
    }
  }

  if (options.immediate ?? true) void refresh();

  return {
    keys: list.items,
    loading: list.loading,
    loadingMore: list.loadingMore,
    hasNextPage: list.hasNextPage,
    loadError: list.error,
    filter: readonly(filter),
    refresh,
    /** Re-reads the keys shown (their spend moves), keeping what "load more" added. */
    reload: list.reload,
    loadMore: list.loadMore,
    setFilter,
    creating: creating as Readonly<Ref<boolean>>,
    createError: createError as Readonly<Ref<FormError | null>>,
    createdKey: createdKey as Readonly<Ref<CreatedKey | null>>,
    regenerated: regenerated as Readonly<Ref<boolean>>,
    savingId: savingId as Readonly<Ref<string | null>>,
    saveError: saveError as Readonly<Ref<FormError | null>>,
    regeneratingId: regeneratingId as Readonly<Ref<string | null>>,
    deleteError: deleteError as Readonly<Ref<string | null>>,
    actionError: actionError as Readonly<Ref<string | null>>,
    create,
    dismissCreatedKey,
    remove,
    setBlocked,
    update,
    regenerate,
  };
}

export type KeysStore = ReturnType<typeof useKeys>;

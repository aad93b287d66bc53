/**
 * Virtual keys: the list (newest first), the create form's submit, the one-time display of a new key's plaintext,
 * blocking and unblocking, and deletion (both optimistic, rolled back on failure).
 */
import { ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import {
  CreateKeyMutation,
  DeleteKeyMutation,
  KEY_TYPES,
  KeysQuery,
  UpdateKeyMutation,
  type CreatedKey,
  type CreateKeyInput,
  type KeyType,
  type VirtualKey,
} from '../api/operations';
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
import { useRemoteList } from './useRemoteList';

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
  /** Called after a key was created, changed or deleted (team key counts changed). */
  onChange?: () => void;
}

export function useKeys(options: UseKeysOptions = {}) {
  const list = useRemoteList(async () => (await graphql(KeysQuery, {})).keys);
  const creating = ref(false);
  const createError = ref<FormError | null>(null);
  /** The last created key with its plaintext, until dismissed. The server never returns the plaintext again. */
  const createdKey = shallowRef<CreatedKey | null>(null);
  const deleteError = ref<string | null>(null);
  const actionError = ref<string | null>(null);

  /** Creates the key; on success shows its plaintext once and refreshes the list. */
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
      list.update((keys) => [createKey.virtualKey, ...keys.filter((key) => key.id !== createKey.virtualKey.id)]);
      options.onChange?.();
      void list.refresh();
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

  /** Blocks or unblocks a key: shown at once, put back if the server refuses. Data planes apply it within a second. */
  async function setBlocked(id: string, blocked: boolean): Promise<boolean> {
    const before = list.items.value.find((key) => key.id === id);
    if (!before) return false;
    actionError.value = null;
    const replace = (next: VirtualKey) => list.update((keys) => keys.map((key) => (key.id === id ? next : key)));
    replace({ ...before, blocked });
    try {
      const { updateKey } = await graphql(UpdateKeyMutation, { id, input: { blocked } });
      replace(updateKey);
      options.onChange?.();
      return true;
    } catch (caught) {
      replace(before);
      actionError.value = `Could not ${blocked ? 'block' : 'unblock'} key ${before.prefix}…: ${errorMessage(caught)}`;
      return false;
    }
  }

  if (options.immediate ?? true) void list.refresh();

  return {
    keys: list.items,
    loading: list.loading,
    loadError: list.error,
    refresh: list.refresh,
    creating: creating as Readonly<Ref<boolean>>,
    createError: createError as Readonly<Ref<FormError | null>>,
    createdKey: createdKey as Readonly<Ref<CreatedKey | null>>,
    deleteError: deleteError as Readonly<Ref<string | null>>,
    actionError: actionError as Readonly<Ref<string | null>>,
    create,
    dismissCreatedKey,
    remove,
    setBlocked,
  };
}

export type KeysStore = ReturnType<typeof useKeys>;

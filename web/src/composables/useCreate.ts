/** The submit of a create form: validate, send, put the result in its list, and report errors at their fields. */
import { ref, type Ref } from 'vue';
import { toFormError, type FormError } from './forms';
import type { RemoteList } from './useRemoteList';

export interface CreateOptions<V, I, T extends { id: string }> {
  /** The form's values → the API input, or the error to show at a field. */
  parse: (values: V) => { input: I } | { error: FormError };
  /** Sends the input; resolves to the created object. */
  send: (input: I) => Promise<T>;
  /** The list the created object joins (replacing one with its id). */
  list: RemoteList<T>;
  /** Keeps the list in this order; default: the new object last. */
  order?: (a: T, b: T) => number;
  onChange?: () => void;
}

export function useCreate<V, I, T extends { id: string }>(options: CreateOptions<V, I, T>) {
  const creating = ref(false);
  const createError = ref<FormError | null>(null);

  /** Creates it; returns it, or null with `createError` set. */
  async function create(values: V): Promise<T | null> {
    const parsed = options.parse(values);
    if ('error' in parsed) {
      createError.value = parsed.error;
      return null;
    }
    creating.value = true;
    createError.value = null;
    try {
      const created = await options.send(parsed.input);
      options.list.update((items) => {
        const next = [...items.filter((item) => item.id !== created.id), created];
        return options.order ? next.sort(options.order) : next;
      });
      options.onChange?.();
      return created;
    } catch (caught) {
      createError.value = toFormError(caught);
      return null;
    } finally {
      creating.value = false;
    }
  }

  return {
    creating: creating as Readonly<Ref<boolean>>,
    createError: createError as Readonly<Ref<FormError | null>>,
    create,
  };
}

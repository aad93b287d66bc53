/**
 * The gateway-wide router settings: read by whoever reads models, changed by proxy admins. A save sends only the
 * settings that changed; the server's answer (the settings now in force) replaces the loaded ones.
 */
import { ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import { RouterSettingsQuery, UpdateRouterSettingsMutation, type RouterSettings } from '../api/operations';
import { toRouterSettingsInput, type RouterFormValues } from '../routerSettingsForm';
import { errorMessage, toFormError, type FormError } from './forms';

export interface UseRouterSettingsOptions {
  /** Load right away (default true). */
  immediate?: boolean;
  /** Called after a change was saved. */
  onChange?: () => void;
}

export function useRouterSettings(options: UseRouterSettingsOptions = {}) {
  const settings = shallowRef<RouterSettings | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const saving = ref(false);
  const saveError = ref<FormError | null>(null);
  /** The last save went through (cleared by the next one). */
  const saved = ref(false);
  let generation = 0;

  async function refresh(): Promise<void> {
    const current = ++generation;
    loading.value = true;
    try {
      const { routerSettings } = await graphql(RouterSettingsQuery, {});
      if (current !== generation) return;
      settings.value = routerSettings;
      loadError.value = null;
    } catch (caught) {
      if (current === generation) loadError.value = errorMessage(caught);
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  /**
   * Saves what changed between the loaded settings and the form; returns the settings now in force, or null with
   * `saveError` set (at the fields the form or the server named). Nothing changed: nothing is sent.
   */
  async function save(values: RouterFormValues): Promise<RouterSettings | null> {
    const before = settings.value;
    if (!before) return null;
    saved.value = false;
    const parsed = toRouterSettingsInput(values, before);
    if ('error' in parsed) {
      saveError.value = parsed.error;
      return null;
    }
    saveError.value = null;
    if (Object.keys(parsed.input).length === 0) return before;
    saving.value = true;
    try {
      const { updateRouterSettings } = await graphql(UpdateRouterSettingsMutation, { input: parsed.input });
      // A load still in flight read the settings from before this change.
      generation++;
      loading.value = false;
      settings.value = updateRouterSettings;
      saved.value = true;
      options.onChange?.();
      return updateRouterSettings;
    } catch (caught) {
      saveError.value = toFormError(caught);
      return null;
    } finally {
      saving.value = false;
    }
  }

  if (options.immediate ?? true) void refresh();

  return {
    settings: settings as Readonly<Ref<RouterSettings | null>>,
    loading: loading as Readonly<Ref<boolean>>,
    loadError: loadError as Readonly<Ref<string | null>>,
    saving: saving as Readonly<Ref<boolean>>,
    saveError: saveError as Readonly<Ref<FormError | null>>,
    saved: saved as Readonly<Ref<boolean>>,
    refresh,
    save,
  };
}

export type RouterSettingsStore = ReturnType<typeof useRouterSettings>;

import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toRouterFormValues } from '../routerSettingsForm';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { routerSettings } from '../testing/fixtures';
import { useRouterSettings } from './useRouterSettings';

afterEach(() => vi.unstubAllGlobals());

describe('useRouterSettings', () => {
  it('should send only the changed settings and take the answer as the settings in force', async () => {
    const onChange = vi.fn();
    const api = installFakeFetch({
      RouterSettings: () => ({ data: { routerSettings: routerSettings() } }),
      UpdateRouterSettings: (vars) => ({
        data: { updateRouterSettings: routerSettings({ ...(vars.input as object), updatedAt: '2025-01-02T03:04:05.000Z' }) },
      }),
    });
    const store = useRouterSettings({ onChange });
    await flushPromises();
    expect(store.settings.value?.strategy).toBe('weighted');

    const values = toRouterFormValues(store.settings.value!);
    values.strategy = 'least_busy';
    values.fallbacks.push({ model: 'gpt-4o', targets: ['claude'] });
    const saved = await store.save(values);

    expect(api.requests.at(-1)).toMatchObject({
      operationName: 'UpdateRouterSettings',
      variables: { input: { strategy: 'least_busy', fallbacks: { 'gpt-4o': ['claude'] } } },
    });
    expect(Object.keys(api.requests.at(-1)!.variables.input as object).sort()).toEqual(['fallbacks', 'strategy']);
    expect(saved?.strategy).toBe('least_busy');
    expect(store.settings.value?.updatedAt).toBe('2025-01-02T03:04:05.000Z');
    expect(store.saved.value).toBe(true);
    expect(onChange).toHaveBeenCalledOnce();
  });

  it('should send nothing when nothing changed, and nothing when the form is wrong', async () => {
    const api = installFakeFetch({ RouterSettings: () => ({ data: { routerSettings: routerSettings() } }) });
    const store = useRouterSettings();
    await flushPromises();

    expect(await store.save(toRouterFormValues(store.settings.value!))).toEqual(routerSettings());
    const wrong = toRouterFormValues(store.settings.value!);
    wrong.numRetries = 'many';
    expect(await store.save(wrong)).toBeNull();
    expect(store.saveError.value?.fieldErrors).toEqual({ numRetries: [expect.any(String)] });
    expect(api.requests.map((r) => r.operationName)).toEqual(['RouterSettings']);
  });

  it("should keep the server's field errors for the form to show at their fields", async () => {
    installFakeFetch({
      RouterSettings: () => ({ data: { routerSettings: routerSettings() } }),
      UpdateRouterSettings: () =>
        graphQLError('BAD_USER_INPUT', 'Invalid input', {
          'input.maxBackoffMs': ['must be at least backoffMs (2000)'],
          fallbacks: ['"phantom" (a fallback of "gpt-4o") is not a model name'],
        }),
    });
    const store = useRouterSettings();
    await flushPromises();
    const values = toRouterFormValues(store.settings.value!);
    values.backoffMs = 2000;
    values.maxBackoffMs = 1000;

    expect(await store.save(values)).toBeNull();
    expect(store.saveError.value).toEqual({
      message: 'Invalid input',
      fieldErrors: {
        maxBackoffMs: ['must be at least backoffMs (2000)'],
        fallbacks: ['"phantom" (a fallback of "gpt-4o") is not a model name'],
      },
    });
    expect(store.settings.value?.backoffMs).toBe(100);
    expect(store.saved.value).toBe(false);
  });

  it('should show a failed load with its message', async () => {
    installFakeFetch({ RouterSettings: () => graphQLError('FORBIDDEN', 'Not allowed') });
    const store = useRouterSettings();
    await flushPromises();
    expect(store.loadError.value).toBe('Not allowed');
    expect(store.settings.value).toBeNull();
  });
});

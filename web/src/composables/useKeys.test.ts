import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createdKey, virtualKey } from '../testing/fixtures';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { toCreateKeyInput, useKeys, type KeyFormValues } from './useKeys';

const form = (overrides: Partial<KeyFormValues> = {}): KeyFormValues => ({
  teamId: '',
  alias: '',
  models: '',
  budget: '',
  ...overrides,
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('toCreateKeyInput', () => {
  it('should leave blank fields out and split the model list', () => {
    expect(toCreateKeyInput(form())).toEqual({ input: {} });
    expect(toCreateKeyInput(form({ teamId: 't1', alias: ' ci ', models: 'a, b,,a', budget: 5 }))).toEqual({
      input: { teamId: 't1', alias: 'ci', models: ['a', 'b'], maxBudget: 5 },
    });
  });

  it('should send an owner and a key type other than the default', () => {
    expect(toCreateKeyInput(form({ ownerId: 'u1', keyType: 'management' }))).toEqual({
      input: { ownerId: 'u1', keyType: 'management' },
    });
    expect(toCreateKeyInput(form({ ownerId: '', keyType: 'llm_api' }))).toEqual({ input: {} });
    expect(toCreateKeyInput(form({ keyType: 'root' }))).toMatchObject({ error: { fieldErrors: { keyType: [expect.any(String)] } } });
  });

  it('should reject a budget that is not a number', () => {
    expect(toCreateKeyInput(form({ budget: 'ten' }))).toMatchObject({
      error: { fieldErrors: { maxBudget: [expect.any(String)] } },
    });
  });
});

describe('useKeys', () => {
  it('should load the keys', async () => {
    installFakeFetch({ Keys: () => ({ data: { keys: [virtualKey()] } }) });
    const keys = useKeys();
    await flushPromises();
    expect(keys.keys.value.map((k) => k.id)).toEqual(['key-1']);
    expect(keys.loading.value).toBe(false);
  });

  it('should show the created key once, refresh the list, and clear the key on dismiss', async () => {
    const created = createdKey({ id: 'key-2', teamId: 'team-1', team: { id: 'team-1', name: 'research' } });
    let stored = [virtualKey()];
    const api = installFakeFetch({
      Keys: () => ({ data: { keys: stored } }),
      CreateKey: () => {
        stored = [created.virtualKey, ...stored];
        return { data: { createKey: created } };
      },
    });
    const onChange = vi.fn();
    const keys = useKeys({ onChange });
    await flushPromises();

    const result = await keys.create(form({ teamId: 'team-1', alias: 'ci' }));
    await flushPromises();

    expect(result).toEqual(created);
    expect(api.requests.find((r) => r.operationName === 'CreateKey')?.variables).toEqual({
      input: { teamId: 'team-1', alias: 'ci' },
    });
    expect(keys.createdKey.value?.key).toBe(created.key);
    expect(keys.keys.value.map((k) => k.id)).toEqual(['key-2', 'key-1']);
    expect(api.requests.filter((r) => r.operationName === 'Keys')).toHaveLength(2);
    expect(onChange).toHaveBeenCalledTimes(1);

    keys.dismissCreatedKey();
    expect(keys.createdKey.value).toBeNull();
  });

  it('should show field errors from BAD_USER_INPUT and NOT_FOUND errors without a created key', async () => {
    installFakeFetch({
      Keys: () => ({ data: { keys: [] } }),
      CreateKey: (vars) =>
        (vars.input as { teamId?: string }).teamId
          ? graphQLError('NOT_FOUND', 'Team not found')
          : graphQLError('BAD_USER_INPUT', 'Invalid input', { maxBudget: ['must not be negative'] }),
    });
    const keys = useKeys();
    await flushPromises();

    await keys.create(form({ budget: -1 }));
    expect(keys.createError.value).toEqual({
      message: 'Invalid input',
      fieldErrors: { maxBudget: ['must not be negative'] },
    });

    await keys.create(form({ teamId: 'gone' }));
    expect(keys.createError.value).toEqual({ message: 'Team not found', fieldErrors: {} });
    expect(keys.createdKey.value).toBeNull();
    expect(keys.creating.value).toBe(false);
  });

  it('should remove a deleted key at once', async () => {
    installFakeFetch({
      Keys: () => ({ data: { keys: [virtualKey({ id: 'a' }), virtualKey({ id: 'b' })] } }),
      DeleteKey: () => ({ data: { deleteKey: true } }),
    });
    const onChange = vi.fn();
    const keys = useKeys({ onChange });
    await flushPromises();

    const pending = keys.remove('a');
    expect(keys.keys.value.map((k) => k.id)).toEqual(['b']);
    await expect(pending).resolves.toBe(true);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('should put a key back in place when the delete fails', async () => {
    installFakeFetch({
      Keys: () => ({ data: { keys: [virtualKey({ id: 'a' }), virtualKey({ id: 'b', prefix: 'sk-tg-BBBB' })] } }),
      DeleteKey: () => graphQLError('FORBIDDEN', 'Not allowed'),
    });
    const keys = useKeys();
    await flushPromises();

    await expect(keys.remove('b')).resolves.toBe(false);

    expect(keys.keys.value.map((k) => k.id)).toEqual(['a', 'b']);
    expect(keys.deleteError.value).toContain('sk-tg-BBBB');
    expect(keys.deleteError.value).toContain('Not allowed');
  });

  it('should not let an older list answer overwrite a deletion', async () => {
    let answer: () => void = () => {};
    installFakeFetch({
      Keys: () =>
        new Promise((resolve) => {
          answer = () => resolve({ data: { keys: [virtualKey({ id: 'a' }), virtualKey({ id: 'b' })] } });
        }),
      DeleteKey: () => ({ data: { deleteKey: true } }),
    });
    const keys = useKeys();
    answer();
    await flushPromises();

    void keys.refresh();
    await keys.remove('a');
    answer();
    await flushPromises();

    expect(keys.keys.value.map((k) => k.id)).toEqual(['b']);
  });

  it("should block a key at once and keep the server's answer", async () => {
    const onChange = vi.fn();
    const api = installFakeFetch({
      Keys: () => ({ data: { keys: [virtualKey()] } }),
      UpdateKey: () => ({ data: { updateKey: virtualKey({ blocked: true, alias: 'from server' }) } }),
    });
    const keys = useKeys({ onChange });
    await flushPromises();

    const pending = keys.setBlocked('key-1', true);
    expect(keys.keys.value[0]?.blocked).toBe(true);
    await expect(pending).resolves.toBe(true);

    expect(keys.keys.value[0]?.alias).toBe('from server');
    expect(api.requests.at(-1)?.variables).toEqual({ id: 'key-1', input: { blocked: true } });
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('should unblock it again when the server refuses, with its message', async () => {
    installFakeFetch({
      Keys: () => ({ data: { keys: [virtualKey({ blocked: true })] } }),
      UpdateKey: () => graphQLError('NOT_FOUND', 'Key not found'),
    });
    const keys = useKeys();
    await flushPromises();

    await expect(keys.setBlocked('key-1', false)).resolves.toBe(false);

    expect(keys.keys.value[0]?.blocked).toBe(true);
    expect(keys.actionError.value).toBe('Could not unblock key sk-tg-AbCd…: Key not found');
  });
});

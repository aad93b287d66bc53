import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createdKey, virtualKey } from '../testing/fixtures';
import { deferred, graphQLError, installFakeFetch, type FakeAnswer } from '../testing/fakeApi';
import { keyPageAnswer, keyPageHandler } from '../testing/fakeKeyPage';
import type { VirtualKey } from '../api/operations';
import {
  KEY_SEARCH_DEBOUNCE_MS,
  matchesKeyFilter,
  toCreateKeyInput,
  toKeyFilter,
  useKeys,
  type KeyFormValues,
} from './useKeys';

const form = (overrides: Partial<KeyFormValues> = {}): KeyFormValues => ({
  teamId: '',
  alias: '',
  models: '',
  budget: '',
  ...overrides,
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** `count` keys, newest first: key-0 … key-<count-1>, aliased `batch-<n>`. */
const manyKeys = (count: number): VirtualKey[] =>
  Array.from({ length: count }, (_, n) => virtualKey({ id: `key-${n}`, alias: `batch-${n}`, prefix: `sk-tg-${String(n).padStart(4, '0')}` }));

const ids = (keys: { value: readonly VirtualKey[] }) => keys.value.map((key) => key.id);

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
  it('should load the first page of 50 keys, unfiltered', async () => {
    const api = installFakeFetch({ KeyPage: () => keyPageAnswer([virtualKey()]) });
    const keys = useKeys();
    await flushPromises();
    expect(keys.keys.value.map((k) => k.id)).toEqual(['key-1']);
    expect(keys.loading.value).toBe(false);
    expect(keys.hasNextPage.value).toBe(false);
    expect(api.requests.map((r) => [r.operationName, r.variables])).toEqual([['KeyPage', { filter: null, first: 50, after: null }]]);
  });

  it("should load more keys after the server's cursor until the last page", async () => {
    const stored = manyKeys(120);
    const api = installFakeFetch({ KeyPage: keyPageHandler(() => stored) });
    const keys = useKeys();
    await flushPromises();
    expect(keys.keys.value).toHaveLength(50);
    expect(keys.hasNextPage.value).toBe(true);

    const more = keys.loadMore();
    expect(keys.loadingMore.value).toBe(true);
    await more;
    expect(keys.keys.value).toHaveLength(100);
    expect(api.requests.at(-1)?.variables).toEqual({ filter: null, first: 50, after: 'key-49' });

    await keys.loadMore();
    expect(ids(keys.keys)).toEqual(stored.map((key) => key.id));
    expect(keys.hasNextPage.value).toBe(false);
    expect(keys.loadingMore.value).toBe(false);

    await keys.loadMore();
    expect(api.requests).toHaveLength(3);
  });

  it('should search once typing pauses, and start again from the first page', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const stored = [...manyKeys(80), virtualKey({ id: 'ci', alias: 'CI-runner', prefix: 'sk-tg-CiCi' })];
    const api = installFakeFetch({ KeyPage: keyPageHandler(() => stored) });
    const keys = useKeys();
    await flushPromises();
    await keys.loadMore();
    expect(keys.keys.value).toHaveLength(81);

    keys.setFilter({ search: 'c' });
    await vi.advanceTimersByTimeAsync(KEY_SEARCH_DEBOUNCE_MS - 100);
    keys.setFilter({ search: 'ci' });
    await vi.advanceTimersByTimeAsync(KEY_SEARCH_DEBOUNCE_MS - 1);
    expect(api.requests).toHaveLength(2);
    expect(keys.filter.search).toBe('ci');

    await vi.advanceTimersByTimeAsync(1);
    await flushPromises();
    expect(api.requests).toHaveLength(3);
    expect(api.requests.at(-1)?.variables).toEqual({ filter: { search: 'ci' }, first: 50, after: null });
    expect(ids(keys.keys)).toEqual(['ci']);
    expect(keys.hasNextPage.value).toBe(false);

    keys.setFilter({ search: '  ' });
    await vi.advanceTimersByTimeAsync(KEY_SEARCH_DEBOUNCE_MS);
    await flushPromises();
    expect(api.requests.at(-1)?.variables).toEqual({ filter: null, first: 50, after: null });
    expect(keys.keys.value).toHaveLength(50);
    expect(keys.hasNextPage.value).toBe(true);
  });

  it('should filter by team at once, together with the search typed so far', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const stored = [
      virtualKey({ id: 'a', alias: 'ci', teamId: 'team-1' }),
      virtualKey({ id: 'b', alias: 'ci', teamId: 'team-2' }),
      virtualKey({ id: 'c', alias: 'notebook', teamId: 'team-1' }),
    ];
    const api = installFakeFetch({ KeyPage: keyPageHandler(() => stored) });
    const keys = useKeys();
    await flushPromises();

    keys.setFilter({ search: 'ci' });
    keys.setFilter({ teamId: 'team-1' });
    await flushPromises();
    expect(api.requests.at(-1)?.variables).toEqual({ filter: { search: 'ci', teamId: 'team-1' }, first: 50, after: null });
    expect(ids(keys.keys)).toEqual(['a']);

    // The search already went out with the team: nothing more when its debounce would have fired.
    await vi.advanceTimersByTimeAsync(KEY_SEARCH_DEBOUNCE_MS);
    expect(api.requests).toHaveLength(2);
  });

  it('should drop a "load more" answer when the filter changed meanwhile', async () => {
    const stored = manyKeys(60);
    const slow = deferred<FakeAnswer>();
    const handler = keyPageHandler(() => stored);
    installFakeFetch({ KeyPage: (variables) => (variables.after ? slow.promise : handler(variables)) });
    const keys = useKeys();
    await flushPromises();

    const more = keys.loadMore();
    keys.setFilter({ teamId: 'none' });
    await flushPromises();
    slow.resolve(keyPageAnswer(stored.slice(50)));
    await more;

    expect(keys.keys.value).toEqual([]);
    expect(keys.loadingMore.value).toBe(false);
  });

  it('should re-read the keys shown, more than one page, keeping the place in the list', async () => {
    let stored = manyKeys(70);
    const api = installFakeFetch({ KeyPage: keyPageHandler(() => stored) });
    const keys = useKeys();
    await flushPromises();
    await keys.loadMore();

    stored = stored.map((key) => (key.id === 'key-60' ? { ...key, spend: 0.5 } : key));
    await keys.reload();

    expect(api.requests.at(-1)?.variables).toEqual({ filter: null, first: 70, after: null });
    expect(keys.keys.value).toHaveLength(70);
    expect(keys.keys.value.find((key) => key.id === 'key-60')?.spend).toBe(0.5);
    expect(keys.hasNextPage.value).toBe(false);
  });

  it('should show the created key once, put it on top without reading the list again, and clear it on dismiss', async () => {
    const created = createdKey({ id: 'key-2', teamId: 'team-1', team: { id: 'team-1', name: 'research' } });
    let stored = [virtualKey()];
    const api = installFakeFetch({
      KeyPage: () => keyPageAnswer(stored),
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
    expect(api.requests.filter((r) => r.operationName === 'KeyPage')).toHaveLength(1);
    expect(onChange).toHaveBeenCalledTimes(1);

    keys.dismissCreatedKey();
    expect(keys.createdKey.value).toBeNull();
  });

  it('should show field errors from BAD_USER_INPUT and NOT_FOUND errors without a created key', async () => {
    installFakeFetch({
      KeyPage: () => keyPageAnswer([]),
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

  it('should put a created key on top of a long list, keeping the pages loaded', async () => {
    const stored = manyKeys(60);
    const created = createdKey({ id: 'new', alias: 'fresh' });
    installFakeFetch({
      KeyPage: keyPageHandler(() => stored),
      CreateKey: () => {
        stored.unshift(created.virtualKey);
        return { data: { createKey: created } };
      },
    });
    const keys = useKeys();
    await flushPromises();
    await keys.loadMore();

    await keys.create(form({ alias: 'fresh' }));

    expect(ids(keys.keys)).toEqual(['new', ...manyKeys(60).map((key) => key.id)]);
    expect(keys.hasNextPage.value).toBe(false);
  });

  it('should leave a created key out of a list it does not match, and keep one made while the list loads', async () => {
    const created = createdKey({ id: 'new', alias: 'fresh', teamId: null });
    const stored: VirtualKey[] = [virtualKey({ id: 'a', teamId: 'team-1' })];
    const answers: (() => void)[] = [];
    const handler = keyPageHandler(() => stored);
    installFakeFetch({
      KeyPage: (variables) => {
        const answer = handler(variables) as FakeAnswer;
        return new Promise<FakeAnswer>((resolve) => answers.push(() => resolve(answer)));
      },
      CreateKey: () => {
        stored.unshift(created.virtualKey);
        return { data: { createKey: created } };
      },
    });
    const keys = useKeys();
    answers.shift()?.();
    await flushPromises();

    // The team filter is applied when its load starts; a key for no team is not one of its keys.
    keys.setFilter({ teamId: 'team-1' });
    answers.shift()?.();
    await flushPromises();
    await keys.create(form({ alias: 'fresh' }));
    expect(ids(keys.keys)).toEqual(['a']);
    expect(keys.createdKey.value?.virtualKey.id).toBe('new');

    // Back to all keys: the first page is read before the key exists, and the key still shows on top.
    stored.shift();
    keys.setFilter({ teamId: '' });
    await keys.create(form({ alias: 'fresh' }));
    answers.shift()?.();
    await flushPromises();
    expect(ids(keys.keys)).toEqual(['new', 'a']);
  });

  it('should remove a deleted key at once', async () => {
    installFakeFetch({
      KeyPage: () => keyPageAnswer([virtualKey({ id: 'a' }), virtualKey({ id: 'b' })]),
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
      KeyPage: () => keyPageAnswer([virtualKey({ id: 'a' }), virtualKey({ id: 'b', prefix: 'sk-tg-BBBB' })]),
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
      KeyPage: () =>
        new Promise<FakeAnswer>((resolve) => {
          answer = () => resolve(keyPageAnswer([virtualKey({ id: 'a' }), virtualKey({ id: 'b' })]));
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
      KeyPage: () => keyPageAnswer([virtualKey()]),
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
      KeyPage: () => keyPageAnswer([virtualKey({ blocked: true })]),
      UpdateKey: () => graphQLError('NOT_FOUND', 'Key not found'),
    });
    const keys = useKeys();
    await flushPromises();

    await expect(keys.setBlocked('key-1', false)).resolves.toBe(false);

    expect(keys.keys.value[0]?.blocked).toBe(true);
    expect(keys.actionError.value).toBe('Could not unblock key sk-tg-AbCd…: Key not found');
  });

  it("should keep a file-managed key as it was and show the server's CONFLICT message", async () => {
    installFakeFetch({
      KeyPage: () => keyPageAnswer([virtualKey({ managedBy: 'file' })]),
      UpdateKey: () => graphQLError('CONFLICT', 'This key is declared in the config file and can only be changed there.'),
      DeleteKey: () => graphQLError('CONFLICT', 'This key is declared in the config file and can only be changed there.'),
    });
    const keys = useKeys();
    await flushPromises();

    await expect(keys.setBlocked('key-1', true)).resolves.toBe(false);
    await expect(keys.remove('key-1')).resolves.toBe(false);

    expect(keys.keys.value).toEqual([virtualKey({ managedBy: 'file' })]);
    expect(keys.actionError.value).toContain('declared in the config file');
    expect(keys.deleteError.value).toContain('declared in the config file');
  });
});

describe('useKeys: editing and regenerating', () => {
  it("should send only what the form changed and show the server's answer in the row", async () => {
    const onChange = vi.fn();
    const before = virtualKey({ alias: 'ci', maxBudget: 5 });
    const api = installFakeFetch({
      KeyPage: () => keyPageAnswer([before]),
      UpdateKey: () => ({ data: { updateKey: virtualKey({ alias: 'ci', maxBudget: 20, rpmLimit: 60 }) } }),
    });
    const keys = useKeys({ onChange });
    await flushPromises();

    const values = { alias: 'ci', models: '', budget: '20', softBudget: '', budgetDuration: '', rpmLimit: '60', tpmLimit: '', maxParallelRequests: '', tags: '', expiresAt: '', modelLimits: '' };
    await expect(keys.update(before, values)).resolves.toBe(true);

    expect(api.requests.at(-1)?.variables).toEqual({ id: 'key-1', input: { maxBudget: 20, rpmLimit: 60 } });
    expect(keys.keys.value[0]).toMatchObject({ maxBudget: 20, rpmLimit: 60 });
    expect(keys.saveError.value).toBeNull();
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it("should keep the form open with the server's field errors, and send nothing for a form the checks refuse", async () => {
    const before = virtualKey({ maxBudget: 5 });
    const api = installFakeFetch({
      KeyPage: () => keyPageAnswer([before]),
      UpdateKey: () => graphQLError('BAD_USER_INPUT', 'Invalid input', { softBudget: ['must be at most maxBudget'] }),
    });
    const keys = useKeys();
    await flushPromises();
    const values = { alias: '', models: '', budget: '5', softBudget: '9', budgetDuration: '', rpmLimit: '', tpmLimit: '', maxParallelRequests: '', tags: '', expiresAt: '', modelLimits: '' };

    await expect(keys.update(before, values)).resolves.toBe(false);
    expect(keys.saveError.value?.fieldErrors).toEqual({ softBudget: ['must be at most maxBudget'] });
    expect(keys.keys.value[0]).toEqual(before);

    const sent = api.requests.length;
    await expect(keys.update(before, { ...values, rpmLimit: 'lots' })).resolves.toBe(false);
    expect(api.requests).toHaveLength(sent);
    expect(keys.saveError.value?.fieldErrors).toEqual({ rpmLimit: ['Enter a whole number.'] });
  });

  it('should show a regenerated secret once, as a new secret of the key, and the row as the server has it', async () => {
    const regenerated = createdKey({ previousKeyValidUntil: '2031-01-01T00:00:00.000Z' }, 'sk-tg-NewSecret0123456789');
    const api = installFakeFetch({
      KeyPage: () => keyPageAnswer([virtualKey()]),
      RegenerateKey: () => ({ data: { regenerateKey: regenerated } }),
    });
    const keys = useKeys();
    await flushPromises();

    await expect(keys.regenerate('key-1', 3600)).resolves.toEqual(regenerated);

    expect(api.requests.at(-1)?.variables).toEqual({ id: 'key-1', input: { gracePeriodSeconds: 3600 } });
    expect(keys.createdKey.value?.key).toBe('sk-tg-NewSecret0123456789');
    expect(keys.regenerated.value).toBe(true);
    expect(keys.keys.value[0]?.prefix).toBe('sk-tg-NewS');
  });

  it("should say why a regeneration failed and keep the key's row", async () => {
    installFakeFetch({
      KeyPage: () => keyPageAnswer([virtualKey()]),
      RegenerateKey: () => graphQLError('FORBIDDEN', 'Only admins of the team may do this'),
    });
    const keys = useKeys();
    await flushPromises();

    await expect(keys.regenerate('key-1', 0)).resolves.toBeNull();
    expect(keys.actionError.value).toBe('Could not regenerate key sk-tg-AbCd…: Only admins of the team may do this');
    expect(keys.createdKey.value).toBeNull();
  });
});

describe('key list filter', () => {
  it('should send only what is set, the search trimmed', () => {
    expect(toKeyFilter({ search: '', teamId: '' })).toBeNull();
    expect(toKeyFilter({ search: ' ci ', teamId: '' })).toEqual({ search: 'ci' });
    expect(toKeyFilter({ search: '', teamId: 't1' })).toEqual({ teamId: 't1' });
  });

  it('should match a key as the server does: alias from its start in any case, prefix exactly, and the team', () => {
    const key = virtualKey({ alias: 'Notebook', prefix: 'sk-tg-AbCd', teamId: 't1' });
    expect(matchesKeyFilter(key, null)).toBe(true);
    expect(matchesKeyFilter(key, { search: 'note' })).toBe(true);
    expect(matchesKeyFilter(key, { search: 'book' })).toBe(false);
    expect(matchesKeyFilter(key, { search: 'sk-tg-AbC' })).toBe(true);
    expect(matchesKeyFilter(key, { search: 'sk-tg-abc' })).toBe(false);
    expect(matchesKeyFilter(key, { teamId: 't1', search: 'note' })).toBe(true);
    expect(matchesKeyFilter(key, { teamId: 't2' })).toBe(false);
    expect(matchesKeyFilter(virtualKey({ alias: null }), { search: 'a' })).toBe(false);
  });
});

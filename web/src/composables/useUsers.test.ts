import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { ORG_ID, user } from '../testing/fixtures';
import { toCreateUserInput, useUsers, type UserFormValues } from './useUsers';

const form = (overrides: Partial<UserFormValues> = {}): UserFormValues => ({
  email: 'dev@acme.test',
  name: '',
  role: 'internal_user',
  organizationId: '',
  password: '',
  ...overrides,
});

afterEach(() => vi.unstubAllGlobals());

describe('toCreateUserInput', () => {
  it('should leave blank optional fields out', () => {
    expect(toCreateUserInput(form())).toEqual({ input: { email: 'dev@acme.test', role: 'internal_user' } });
    expect(toCreateUserInput(form({ name: ' Dev ', organizationId: ORG_ID, password: 'twelve chars!' }))).toEqual({
      input: { email: 'dev@acme.test', role: 'internal_user', name: 'Dev', organizationId: ORG_ID, password: 'twelve chars!' },
    });
  });

  it('should not send an organization for a proxy-wide role', () => {
    expect(toCreateUserInput(form({ role: 'proxy_admin', organizationId: ORG_ID }))).toEqual({
      input: { email: 'dev@acme.test', role: 'proxy_admin' },
    });
  });

  it('should refuse a missing email, an unknown role and a short password before asking the server', () => {
    expect(toCreateUserInput(form({ email: ' ' }))).toMatchObject({ error: { fieldErrors: { email: [expect.any(String)] } } });
    expect(toCreateUserInput(form({ role: 'root' }))).toMatchObject({ error: { fieldErrors: { role: [expect.any(String)] } } });
    expect(toCreateUserInput(form({ password: 'short' }))).toMatchObject({
      error: { fieldErrors: { password: ['must be at least 12 characters'] } },
    });
  });
});

describe('useUsers', () => {
  it('should add a created user to the list, by email', async () => {
    const onChange = vi.fn();
    installFakeFetch({
      Users: () => ({ data: { users: [user({ id: 'u1', email: 'zed@acme.test' })] } }),
      CreateUser: () => ({ data: { createUser: user({ id: 'u2', email: 'dev@acme.test', role: 'internal_user' }) } }),
    });
    const users = useUsers({ onChange });
    await flushPromises();

    await users.create(form());

    expect(users.users.value.map((u) => u.email)).toEqual(['dev@acme.test', 'zed@acme.test']);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it("should show the server's refusal of a role above the creator's", async () => {
    installFakeFetch({
      Users: () => ({ data: { users: [] } }),
      CreateUser: () => graphQLError('FORBIDDEN', 'This credential may not give or manage the role proxy_admin.'),
    });
    const users = useUsers();
    await flushPromises();

    expect(await users.create(form({ role: 'proxy_admin' }))).toBeNull();
    expect(users.createError.value?.message).toContain('may not give or manage the role proxy_admin');
  });

  it('should change a role at once and put it back when the server refuses', async () => {
    const api = installFakeFetch({
      Users: () => ({ data: { users: [user({ id: 'u1', role: 'internal_user' })] } }),
      UpdateUser: () => graphQLError('FORBIDDEN', 'Not allowed'),
    });
    const users = useUsers();
    await flushPromises();

    const pending = users.setRole('u1', 'internal_viewer');
    expect(users.users.value[0]?.role).toBe('internal_viewer');
    await expect(pending).resolves.toBe(false);

    expect(users.users.value[0]?.role).toBe('internal_user');
    expect(users.actionError.value).toBe('Could not change the role of ada@acme.test: Not allowed');
    expect(api.requests.at(-1)?.variables).toEqual({ id: 'u1', input: { role: 'internal_viewer' } });
  });

  it("should block a user and keep the server's answer", async () => {
    installFakeFetch({
      Users: () => ({ data: { users: [user({ id: 'u1' })] } }),
      UpdateUser: (vars) => ({ data: { updateUser: user({ id: 'u1', blocked: (vars.input as { blocked: boolean }).blocked }) } }),
    });
    const users = useUsers();
    await flushPromises();

    await expect(users.setBlocked('u1', true)).resolves.toBe(true);
    expect(users.users.value[0]?.blocked).toBe(true);
    expect(users.actionError.value).toBeNull();
  });
});

import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setAuthToken } from '../api/client';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { orgAdminViewer, user, viewer } from '../testing/fixtures';
import { createAuthStore, isSessionToken, TOKEN_STORAGE_KEY } from './useAuth';

const stores: ReturnType<typeof createAuthStore>[] = [];

/** A store as after a reload: only the credential is known, from sessionStorage. */
function reloadedStore(token: string) {
  sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
  const store = createAuthStore(sessionStorage);
  stores.push(store);
  return store;
}

afterEach(async () => {
  // Signed-out stores ignore UNAUTHENTICATED answers, so they cannot act on a later test's requests.
  installFakeFetch({ Logout: () => ({ data: { logout: true } }) });
  await Promise.all(stores.splice(0).map((store) => store.logout()));
  sessionStorage.clear();
  setAuthToken(null);
  vi.unstubAllGlobals();
});

describe('createAuthStore', () => {
  it('should tell session tokens from keys', () => {
    expect(isSessionToken('tg-session-abc')).toBe(true);
    expect(isSessionToken('sk-tg-master-abc')).toBe(false);
  });

  it('should find out who a stored session is after a reload, with their email', async () => {
    const api = installFakeFetch({
      Viewer: () => ({ data: { viewer: orgAdminViewer() } }),
      User: () => ({ data: { user: user() } }),
    });
    const auth = reloadedStore('tg-session-1');
    expect(auth.isAuthenticated.value).toBe(true);
    expect(auth.viewer.value).toBeNull();

    await auth.restore();

    expect(api.requests.map((r) => [r.operationName, r.headers.authorization])).toEqual([
      ['Viewer', 'Bearer tg-session-1'],
      ['User', 'Bearer tg-session-1'],
    ]);
    expect(auth.viewer.value?.role).toBe('org_admin');
    expect(auth.user.value?.email).toBe('ada@acme.test');
  });

  it('should not look up a user for the master key', async () => {
    const api = installFakeFetch({ Viewer: () => ({ data: { viewer: viewer() } }) });
    const auth = reloadedStore('sk-tg-master-1');

    await auth.restore();

    expect(api.requests.map((r) => r.operationName)).toEqual(['Viewer']);
    expect(auth.viewer.value?.credential).toBe('master_key');
    expect(auth.user.value).toBeNull();
  });

  it('should sign out with an explanation when the stored session has ended', async () => {
    installFakeFetch({
      Viewer: () => graphQLError('UNAUTHENTICATED', 'Invalid credentials'),
      Logout: () => graphQLError('UNAUTHENTICATED', 'Invalid credentials'),
    });
    const auth = reloadedStore('tg-session-old');

    await auth.restore();
    await flushPromises();

    expect(auth.isAuthenticated.value).toBe(false);
    expect(auth.error.value).toBe('Your session has ended. Please sign in again.');
    expect(auth.restoreError.value).toBeNull();
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it('should keep the credential and offer a retry when the control plane is down', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const auth = reloadedStore('tg-session-1');

    await auth.restore();

    expect(auth.isAuthenticated.value).toBe(true);
    expect(auth.restoreError.value).toContain('Could not reach the control plane');

    installFakeFetch({
      Viewer: () => ({ data: { viewer: orgAdminViewer() } }),
      User: () => ({ data: { user: user() } }),
    });
    await auth.restore();
    expect(auth.restoreError.value).toBeNull();
    expect(auth.viewer.value?.role).toBe('org_admin');
  });

  it('should still sign out locally when ending the session on the server fails', async () => {
    installFakeFetch({ Logout: () => graphQLError('INTERNAL_SERVER_ERROR', 'boom') });
    const auth = reloadedStore('tg-session-1');

    await expect(auth.logout()).resolves.toBeUndefined();

    expect(auth.isAuthenticated.value).toBe(false);
  });
});

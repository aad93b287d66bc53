/**
 * The signed-in state: the master key, kept in sessionStorage so a reload stays signed in but closing the tab
 * does not. A setup-style store: one shared instance, only its public surface exposed.
 */
import { computed, readonly, ref } from 'vue';
import { ApiError, graphql, onUnauthenticated, setAuthToken } from '../api/client';
import { ViewerQuery } from '../api/operations';

export const MASTER_KEY_STORAGE_KEY = 'tollgate.masterKey';

function loginErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Sign-in failed. Please try again.';
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return 'That master key was not accepted.';
    case 'FORBIDDEN':
      return 'This key cannot administer the gateway. Use the master key.';
    case 'NETWORK_ERROR':
      return 'Could not reach the control plane. Is it running?';
    default:
      return error.message;
  }
}

function safeStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled (privacy mode, sandboxed frame): sign-in lasts until reload
  }
}

export function createAuthStore(storage: Storage | null = safeStorage()) {
  const masterKey = ref<string | null>(storage?.getItem(MASTER_KEY_STORAGE_KEY) ?? null);
  const role = ref<string | null>(null);
  const pending = ref(false);
  const error = ref<string | null>(null);

  setAuthToken(masterKey.value);

  function signIn(key: string, viewerRole: string): void {
    masterKey.value = key;
    role.value = viewerRole;
    storage?.setItem(MASTER_KEY_STORAGE_KEY, key);
    setAuthToken(key);
  }

  /** Verifies the key with `viewer { role }`; on success stores it, on failure sets `error`. */
  async function login(rawKey: string): Promise<boolean> {
    const key = rawKey.trim();
    error.value = null;
    if (key === '') {
      error.value = 'Enter the master key.';
      return false;
    }
    pending.value = true;
    try {
      const data = await graphql(ViewerQuery, {}, { token: key });
      signIn(key, data.viewer.role);
      return true;
    } catch (caught) {
      error.value = loginErrorMessage(caught);
      return false;
    } finally {
      pending.value = false;
    }
  }

  /** Forgets the key. `reason` is shown on the login view (e.g. the key stopped working). */
  function logout(reason?: string): void {
    masterKey.value = null;
    role.value = null;
    storage?.removeItem(MASTER_KEY_STORAGE_KEY);
    setAuthToken(null);
    error.value = reason ?? null;
  }

  // A stored key that the server stops accepting (rotated master key) sends the user back to the login view.
  onUnauthenticated(() => {
    if (masterKey.value !== null) logout('The master key is no longer accepted. Please sign in again.');
  });

  return {
    isAuthenticated: computed(() => masterKey.value !== null),
    role: readonly(role),
    pending: readonly(pending),
    error: readonly(error),
    login,
    logout,
  };
}

export type AuthStore = ReturnType<typeof createAuthStore>;

let shared: AuthStore | null = null;

export function useAuth(): AuthStore {
  shared ??= createAuthStore();
  return shared;
}

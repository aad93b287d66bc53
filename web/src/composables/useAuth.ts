/**
 * The signed-in state: the credential (a session token from an email + password sign-in, or the master key, or a
 * management key), kept in sessionStorage so a reload stays signed in but closing the tab does not; and who it is
 * (`viewer`, and the user behind it). A setup-style store: one shared instance, only its public surface exposed.
 */
import { computed, readonly, ref, shallowRef, type Ref } from 'vue';
import { ApiError, graphql, onUnauthenticated, setAuthToken } from '../api/client';
import { LoginMutation, LogoutMutation, UserQuery, ViewerQuery, type User, type Viewer } from '../api/operations';

export const TOKEN_STORAGE_KEY = 'tollgate.token';
/** Session tokens start with this (the control plane's SESSION_TOKEN_PREFIX); everything else is a key. */
export const SESSION_TOKEN_PREFIX = 'tg-session-';

export function isSessionToken(token: string): boolean {
  return token.startsWith(SESSION_TOKEN_PREFIX);
}

function keyErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Sign-in failed. Please try again.';
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return 'That key was not accepted. Use the master key, a management key or a read-only key.';
    case 'FORBIDDEN':
      return 'This key cannot administer the gateway. Use the master key or a management key.';
    case 'NETWORK_ERROR':
      return 'Could not reach the control plane. Is it running?';
    default:
      return error.message;
  }
}

function passwordErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Sign-in failed. Please try again.';
  if (error.code === 'NETWORK_ERROR') return 'Could not reach the control plane. Is it running?';
  // The server's own words ("Wrong email or password."), plus what it said about each field.
  const fields = Object.entries(error.fieldErrors).map(([field, messages]) => `${field} ${messages.join(', ')}`);
  return fields.length > 0 ? `${error.message}: ${fields.join('; ')}` : error.message;
}

function safeStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled (privacy mode, sandboxed frame): sign-in lasts until reload
  }
}

export function createAuthStore(storage: Storage | null = safeStorage()) {
  const token = ref<string | null>(storage?.getItem(TOKEN_STORAGE_KEY) ?? null);
  const viewer = shallowRef<Viewer | null>(null);
  const user = shallowRef<User | null>(null);
  const pending = ref(false);
  const error = ref<string | null>(null);
  /** Set when a stored credential could not be checked after a reload (control plane down); `restore` retries. */
  const restoreError = ref<string | null>(null);

  setAuthToken(token.value);

  function signIn(credential: string, who: Viewer, person: User | null): void {
    token.value = credential;
    viewer.value = who;
    user.value = person;
    storage?.setItem(TOKEN_STORAGE_KEY, credential);
    setAuthToken(credential);
  }

  /** The user behind a credential, or null for the master key (or if the lookup fails: the role still shows). */
  async function userOf(who: Viewer, credential: string): Promise<User | null> {
    if (who.userId === null) return null;
    try {
      return (await graphql(UserQuery, { id: who.userId }, { token: credential })).user;
    } catch {
      return null;
    }
  }

  /** Signs in with email and password; the session token then authenticates every request. */
  async function loginWithPassword(rawEmail: string, password: string): Promise<boolean> {
    const email = rawEmail.trim();
    error.value = null;
    if (email === '' || password === '') {
      error.value = 'Enter your email and password.';
      return false;
    }
    pending.value = true;
    try {
      const { login } = await graphql(LoginMutation, { input: { email, password } }, { token: '' });
      const { viewer: who } = await graphql(ViewerQuery, {}, { token: login.token });
      signIn(login.token, who, login.user);
      return true;
    } catch (caught) {
      error.value = passwordErrorMessage(caught);
      return false;
    } finally {
      pending.value = false;
    }
  }

  /** Verifies a master or management key with `viewer`; on success stores it, on failure sets `error`. */
  async function loginWithKey(rawKey: string): Promise<boolean> {
    const key = rawKey.trim();
    error.value = null;
    if (key === '') {
      error.value = 'Enter the master key or a management key.';
      return false;
    }
    pending.value = true;
    try {
      const { viewer: who } = await graphql(ViewerQuery, {}, { token: key });
      signIn(key, who, await userOf(who, key));
      return true;
    } catch (caught) {
      error.value = keyErrorMessage(caught);
      return false;
    } finally {
      pending.value = false;
    }
  }

  /**
   * After a reload only the credential is known: ask who it is. A credential the server no longer accepts signs
   * out (through the UNAUTHENTICATED listener below); any other failure is kept in `restoreError` for a retry.
   */
  async function restore(): Promise<void> {
    const credential = token.value;
    if (credential === null || viewer.value !== null) return;
    restoreError.value = null;
    try {
      const { viewer: who } = await graphql(ViewerQuery, {});
      if (token.value !== credential) return;
      const person = await userOf(who, credential);
      if (token.value === credential) signIn(credential, who, person);
    } catch (caught) {
      if (token.value === credential) restoreError.value = caught instanceof Error ? caught.message : String(caught);
    }
  }

  /**
   * Forgets the credential at once; a session is also ended on the server (the returned promise settles when it
   * has been, or failed to be: the token is forgotten either way). `reason` is shown on the login view.
   */
  function logout(reason?: string): Promise<void> {
    const credential = token.value;
    token.value = null;
    viewer.value = null;
    user.value = null;
    restoreError.value = null;
    storage?.removeItem(TOKEN_STORAGE_KEY);
    setAuthToken(null);
    error.value = reason ?? null;
    if (credential === null || !isSessionToken(credential)) return Promise.resolve();
    return graphql(LogoutMutation, {}, { token: credential }).then(
      () => undefined,
      () => undefined, // already expired or ended: nothing left to end
    );
  }

  // A stored credential that the server stops accepting (rotated master key, expired session, blocked user)
  // sends the user back to the login view.
  onUnauthenticated(() => {
    const credential = token.value;
    if (credential === null) return;
    void logout(
      isSessionToken(credential)
        ? 'Your session has ended. Please sign in again.'
        : 'The key is no longer accepted. Please sign in again.',
    );
  });

  return {
    isAuthenticated: computed(() => token.value !== null),
    /** Who is signed in; null until known (right after a reload, until `restore` answers). */
    viewer: viewer as Readonly<Ref<Viewer | null>>,
    /** The signed-in user; null for the master key. */
    user: user as Readonly<Ref<User | null>>,
    /** Whether the credential is a session (signing out ends it on the server). */
    isSession: computed(() => token.value !== null && isSessionToken(token.value)),
    pending: readonly(pending),
    error: readonly(error),
    restoreError: readonly(restoreError),
    loginWithPassword,
    loginWithKey,
    restore,
    logout,
  };
}

export type AuthStore = ReturnType<typeof createAuthStore>;

let shared: AuthStore | null = null;

export function useAuth(): AuthStore {
  shared ??= createAuthStore();
  return shared;
}

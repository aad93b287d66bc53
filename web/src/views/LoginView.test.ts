import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { graphQLError, installFakeFetch, resetAuth } from '../testing/fakeApi';
import { orgAdminViewer, user, viewer } from '../testing/fixtures';
import { TOKEN_STORAGE_KEY, useAuth } from '../composables/useAuth';
import LoginView from './LoginView.vue';

const SESSION_TOKEN = 'tg-session-abc123';

beforeEach(resetAuth);
afterEach(resetAuth);

async function signInWithPassword(wrapper: ReturnType<typeof mount>, email: string, password: string) {
  await wrapper.get('[data-testid="login-email"]').setValue(email);
  await wrapper.get('[data-testid="login-password"]').setValue(password);
  await wrapper.get('[data-testid="login-submit"]').trigger('submit');
  await flushPromises();
}

async function useKeyMode(wrapper: ReturnType<typeof mount>) {
  await wrapper.get('[data-testid="login-mode-key"]').trigger('click');
}

describe('LoginView with email and password', () => {
  it('should offer email and password first', () => {
    const wrapper = mount(LoginView);
    expect(wrapper.find('[data-testid="login-email"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="login-password"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="login-key"]').exists()).toBe(false);
  });

  it('should sign in, keep the session token in sessionStorage and know who signed in', async () => {
    const api = installFakeFetch({
      Login: () => ({ data: { login: { token: SESSION_TOKEN, expiresAt: '2025-01-03T00:00:00.000Z', user: user() } } }),
      Viewer: () => ({ data: { viewer: orgAdminViewer() } }),
    });
    const wrapper = mount(LoginView);

    await signInWithPassword(wrapper, ' ada@acme.test ', 'correct horse battery');

    const login = api.requests.find((r) => r.operationName === 'Login');
    expect(login?.variables).toEqual({ input: { email: 'ada@acme.test', password: 'correct horse battery' } });
    expect(login?.headers.authorization).toBeUndefined();
    expect(api.requests.find((r) => r.operationName === 'Viewer')?.headers.authorization).toBe(`Bearer ${SESSION_TOKEN}`);
    const auth = useAuth();
    expect(auth.isAuthenticated.value).toBe(true);
    expect(auth.isSession.value).toBe(true);
    expect(auth.viewer.value?.role).toBe('org_admin');
    expect(auth.user.value?.email).toBe('ada@acme.test');
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe(SESSION_TOKEN);
  });

  it("should show the server's message for a wrong password and stay signed out", async () => {
    installFakeFetch({ Login: () => graphQLError('UNAUTHENTICATED', 'Wrong email or password.') });
    const wrapper = mount(LoginView);

    await signInWithPassword(wrapper, 'ada@acme.test', 'wrong password!');

    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('Wrong email or password.');
    expect(useAuth().isAuthenticated.value).toBe(false);
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it('should show what the server says about a malformed email', async () => {
    installFakeFetch({ Login: () => graphQLError('BAD_USER_INPUT', 'Invalid input', { 'input.email': ['must be an email address'] }) });
    const wrapper = mount(LoginView);

    await signInWithPassword(wrapper, 'not-an-email', 'whatever');

    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('Invalid input: email must be an email address');
  });

  it('should ask for both fields without calling the API', async () => {
    const api = installFakeFetch({});
    const wrapper = mount(LoginView);

    await signInWithPassword(wrapper, 'ada@acme.test', '');

    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('Enter your email and password.');
    expect(api.fetchMock).not.toHaveBeenCalled();
  });

  it('should end the session on the server when signing out', async () => {
    const api = installFakeFetch({
      Login: () => ({ data: { login: { token: SESSION_TOKEN, expiresAt: '2025-01-03T00:00:00.000Z', user: user() } } }),
      Viewer: () => ({ data: { viewer: orgAdminViewer() } }),
      Logout: () => ({ data: { logout: true } }),
    });
    const wrapper = mount(LoginView);
    await signInWithPassword(wrapper, 'ada@acme.test', 'correct horse battery');

    await useAuth().logout();

    const logout = api.requests.find((r) => r.operationName === 'Logout');
    expect(logout?.headers.authorization).toBe(`Bearer ${SESSION_TOKEN}`);
    expect(useAuth().isAuthenticated.value).toBe(false);
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });
});

describe('LoginView with a key', () => {
  it('should show an inline error for a wrong key and stay signed out', async () => {
    const api = installFakeFetch({ Viewer: () => graphQLError('UNAUTHENTICATED', 'Invalid credentials') });
    const wrapper = mount(LoginView);
    await useKeyMode(wrapper);

    await wrapper.get('[data-testid="login-key"]').setValue('sk-tg-master-wrong');
    await wrapper.get('[data-testid="login-submit"]').trigger('submit');
    await flushPromises();

    expect(api.requests[0]?.headers.authorization).toBe('Bearer sk-tg-master-wrong');
    expect(api.requests[0]?.query).toContain('viewer {');
    expect(wrapper.get('[data-testid="login-error"]').text()).toBe(
      'That key was not accepted. Use the master key, a management key or a read-only key.',
    );
    expect(useAuth().isAuthenticated.value).toBe(false);
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it('should say so when the control plane cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const wrapper = mount(LoginView);
    await useKeyMode(wrapper);

    await wrapper.get('[data-testid="login-key"]').setValue('sk-tg-master-x');
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    expect(wrapper.get('[data-testid="login-error"]').text()).toContain('Could not reach the control plane');
  });

  it('should ask for a key without calling the API when the field is empty', async () => {
    const api = installFakeFetch({});
    const wrapper = mount(LoginView);
    await useKeyMode(wrapper);

    await wrapper.get('form').trigger('submit');

    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('Enter the master key or a management key.');
    expect(api.fetchMock).not.toHaveBeenCalled();
  });

  it('should sign in with the master key and keep it in sessionStorage until logout, without a logout call', async () => {
    const api = installFakeFetch({ Viewer: () => ({ data: { viewer: viewer() } }) });
    const wrapper = mount(LoginView);
    await useKeyMode(wrapper);

    await wrapper.get('[data-testid="login-key"]').setValue(' sk-tg-master-good ');
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    const auth = useAuth();
    expect(auth.isAuthenticated.value).toBe(true);
    expect(auth.viewer.value).toMatchObject({ role: 'proxy_admin', credential: 'master_key' });
    expect(auth.user.value).toBeNull();
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('sk-tg-master-good');
    expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(false);

    await auth.logout();
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
    expect(api.requests.map((r) => r.operationName)).toEqual(['Viewer']);
  });

  it("should look up a management key's owner to show their email", async () => {
    const api = installFakeFetch({
      Viewer: () => ({ data: { viewer: orgAdminViewer({ credential: 'management_key' }) } }),
      User: () => ({ data: { user: user() } }),
    });
    const wrapper = mount(LoginView);
    await useKeyMode(wrapper);

    await wrapper.get('[data-testid="login-key"]').setValue('sk-tg-management');
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    expect(api.requests.find((r) => r.operationName === 'User')?.variables).toEqual({ id: user().id });
    expect(useAuth().user.value?.email).toBe('ada@acme.test');
  });
});

describe('LoginView tabs', () => {
  it("should put the cursor in the chosen tab's first field", async () => {
    const wrapper = mount(LoginView, { attachTo: document.body });

    await wrapper.get('[data-testid="login-mode-key"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="login-mode-key"]').attributes('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(wrapper.get('[data-testid="login-key"]').element);

    await wrapper.get('[data-testid="login-mode-password"]').trigger('click');
    await flushPromises();
    expect(document.activeElement).toBe(wrapper.get('[data-testid="login-email"]').element);
    wrapper.unmount();
  });
});

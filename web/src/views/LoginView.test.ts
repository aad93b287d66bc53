import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { MASTER_KEY_STORAGE_KEY, useAuth } from '../composables/useAuth';
import LoginView from './LoginView.vue';

beforeEach(() => {
  useAuth().logout();
  sessionStorage.clear();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('LoginView', () => {
  it('should show an inline error for a wrong key and stay signed out', async () => {
    const api = installFakeFetch({ Viewer: () => graphQLError('UNAUTHENTICATED', 'Invalid credentials') });
    const wrapper = mount(LoginView);

    await wrapper.get('[data-testid="login-key"]').setValue('sk-tg-master-wrong');
    await wrapper.get('[data-testid="login-submit"]').trigger('submit');
    await flushPromises();

    expect(api.requests[0]?.headers.authorization).toBe('Bearer sk-tg-master-wrong');
    expect(api.requests[0]?.query).toContain('viewer { role }');
    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('That master key was not accepted.');
    expect(useAuth().isAuthenticated.value).toBe(false);
    expect(sessionStorage.getItem(MASTER_KEY_STORAGE_KEY)).toBeNull();
  });

  it('should say so when the control plane cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const wrapper = mount(LoginView);

    await wrapper.get('[data-testid="login-key"]').setValue('sk-tg-master-x');
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    expect(wrapper.get('[data-testid="login-error"]').text()).toContain('Could not reach the control plane');
  });

  it('should ask for a key without calling the API when the field is empty', async () => {
    const api = installFakeFetch({});
    const wrapper = mount(LoginView);

    await wrapper.get('form').trigger('submit');

    expect(wrapper.get('[data-testid="login-error"]').text()).toBe('Enter the master key.');
    expect(api.fetchMock).not.toHaveBeenCalled();
  });

  it('should sign in with a valid key and keep it in sessionStorage until logout', async () => {
    installFakeFetch({ Viewer: () => ({ data: { viewer: { role: 'proxy_admin' } } }) });
    const wrapper = mount(LoginView);

    await wrapper.get('[data-testid="login-key"]').setValue(' sk-tg-master-good ');
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    const auth = useAuth();
    expect(auth.isAuthenticated.value).toBe(true);
    expect(auth.role.value).toBe('proxy_admin');
    expect(sessionStorage.getItem(MASTER_KEY_STORAGE_KEY)).toBe('sk-tg-master-good');
    expect(wrapper.find('[data-testid="login-error"]').exists()).toBe(false);

    auth.logout();
    expect(sessionStorage.getItem(MASTER_KEY_STORAGE_KEY)).toBeNull();
  });
});

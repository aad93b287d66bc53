/**
 * The whole app against a fake API boundary (fetch + subscribe): sign-in state, lists, live spend, the create
 * flows and their errors, as the end-to-end dashboard test exercises them through the same data-testids.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeSubscription, graphQLError, installFakeFetch } from './testing/fakeApi';
import { createdKey, model, team, virtualKey } from './testing/fixtures';

vi.mock('./api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('./api/client')>()),
  subscribe: vi.fn(),
}));

import { subscribe } from './api/client';
import { useAuth } from './composables/useAuth';
import App from './App.vue';

let live: ReturnType<typeof createFakeSubscription>;

function fakeGateway() {
  const teams = [team({ models: ['mock-gpt'], maxBudget: 10, spend: 0.0001, keyCount: 1 })];
  const keys = [virtualKey({ alias: 'ci', teamId: 'team-1', team: { id: 'team-1', name: 'research' } })];
  const created = createdKey({ id: 'key-2', alias: 'new' });
  return installFakeFetch({
    Viewer: () => ({ data: { viewer: { role: 'proxy_admin' } } }),
    Teams: () => ({ data: { teams } }),
    Keys: () => ({ data: { keys } }),
    Models: () => ({ data: { models: [model()] } }),
    SpendSummary: () => ({ data: { spendSummary: { totalSpend: 0.0001, totalRequests: 2, totalTokens: 40 } } }),
    CreateTeam: () => graphQLError('CONFLICT', 'Team "research" already exists', { name: ['already exists'] }),
    CreateKey: () => {
      keys.unshift(created.virtualKey);
      return { data: { createKey: created } };
    },
  });
}

async function signIn() {
  const wrapper = mount(App, { attachTo: document.body });
  await wrapper.get('[data-testid="login-key"]').setValue('sk-tg-master-good');
  await wrapper.get('[data-testid="login-submit"]').trigger('submit');
  await flushPromises();
  return wrapper;
}

beforeEach(() => {
  useAuth().logout();
  sessionStorage.clear();
  live = createFakeSubscription();
  vi.mocked(subscribe).mockImplementation(live.impl);
});
afterEach(() => {
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

describe('App', () => {
  it('should show the dashboard after sign-in, with every section loaded', async () => {
    fakeGateway();
    const wrapper = await signIn();

    expect(wrapper.get('[data-testid="spend-total"]').text()).toBe('$0.000100');
    expect(wrapper.get('[data-testid="spend-requests"]').text()).toBe('2');
    expect(wrapper.get('[data-testid="teams-list"]').findAll('[data-testid="team-row"]')).toHaveLength(1);
    expect(wrapper.get('[data-testid="team-row"]').text()).toContain('research');
    expect(wrapper.get('[data-testid="team-row"]').text()).toContain('$10.00');
    expect(wrapper.get('[data-testid="keys-list"]').findAll('[data-testid="key-row"]')).toHaveLength(1);
    expect(wrapper.get('[data-testid="models-list"]').get('[data-testid="model-row"]').text()).toContain('mock-gpt');
    wrapper.unmount();
  });

  it('should update the spend total from the live subscription, without reloading', async () => {
    const api = fakeGateway();
    const wrapper = await signIn();
    live.setStatus('live');
    await flushPromises();
    const requestsBefore = api.requests.length;

    expect(wrapper.get('[data-testid="live-status"]').text()).toBe('Live');
    live.emit({
      spendUpdated: {
        totalSpend: 0.00015,
        totalRequests: 3,
        totalTokens: 60,
        batchSpend: 0.00005,
        batchRequests: 1,
        at: new Date().toISOString(),
      },
    });
    await flushPromises();

    expect(wrapper.get('[data-testid="spend-total"]').text()).toBe('$0.000150');
    expect(wrapper.get('[data-testid="spend-requests"]').text()).toBe('3');
    expect(api.requests.slice(requestsBefore).map((r) => r.operationName)).not.toContain('SpendSummary');
    wrapper.unmount();
  });

  it('should show a duplicate team name inline', async () => {
    fakeGateway();
    const wrapper = await signIn();

    await wrapper.get('[data-testid="team-name"]').setValue('research');
    await wrapper.get('[data-testid="team-create"]').trigger('submit');
    await flushPromises();

    const error = wrapper.get('[data-testid="team-error"]');
    expect(error.text()).toContain('already exists');
    expect(wrapper.get('[data-testid="team-name"]').attributes('aria-invalid')).toBe('true');
    wrapper.unmount();
  });

  it('should show a created key once, refresh the list, and forget it on dismiss', async () => {
    fakeGateway();
    const wrapper = await signIn();

    await wrapper.get('[data-testid="key-alias"]').setValue('new');
    await wrapper.get('[data-testid="key-create"]').trigger('submit');
    await flushPromises();

    const value = wrapper.get('[data-testid="created-key-value"]');
    expect(value.element.textContent).toBe(createdKey().key);
    expect(wrapper.findAll('[data-testid="key-row"]')).toHaveLength(2);

    await wrapper.get('[data-testid="created-key-dismiss"]').trigger('click');
    expect(wrapper.find('[data-testid="created-key"]').exists()).toBe(false);
    expect(wrapper.text()).not.toContain(createdKey().key);
    wrapper.unmount();
  });

  it('should return to the login view on logout and stop the live subscription', async () => {
    fakeGateway();
    const wrapper = await signIn();

    await wrapper.get('[data-testid="logout"]').trigger('click');

    expect(wrapper.find('[data-testid="login-key"]').exists()).toBe(true);
    expect(sessionStorage.length).toBe(0);
    expect(live.state.stopped).toBe(1);
    wrapper.unmount();
  });

  it('should go back to the login view when the stored key stops working', async () => {
    const api = fakeGateway();
    const wrapper = await signIn();

    api.handlers.DeleteKey = () => graphQLError('UNAUTHENTICATED', 'Invalid key');
    vi.stubGlobal('confirm', () => true);
    await wrapper.get('[data-testid="key-delete"]').trigger('click');
    await flushPromises();

    expect(wrapper.find('[data-testid="login-error"]').text()).toContain('no longer accepted');
    wrapper.unmount();
  });
});

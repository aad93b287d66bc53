/**
 * The whole app against a fake API boundary (fetch + subscribe): sign-in state, lists, live spend, the create
 * flows and their errors, as the end-to-end dashboard test exercises them through the same data-testids.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeSubscription, deferred, graphQLError, installFakeFetch, resetAuth, type FakeAnswer, type FakeHandler } from './testing/fakeApi';
import { keyPageHandler } from './testing/fakeKeyPage';
import {
  auditEntry,
  createdKey,
  model,
  modelHealth,
  orgAdminViewer,
  organization,
  ORG_ID,
  requestLogEntry,
  routerSettings,
  team,
  teamMember,
  user,
  USER_ID,
  viewer,
  virtualKey,
} from './testing/fixtures';

vi.mock('./api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('./api/client')>()),
  subscribe: vi.fn(),
}));

import type { Team } from './api/operations';
import { subscribe } from './api/client';
import { TOKEN_STORAGE_KEY } from './composables/useAuth';
import App from './App.vue';

let live: ReturnType<typeof createFakeSubscription>;

function fakeGateway(extra: Record<string, FakeHandler> = {}) {
  const teams = [team({ models: ['mock-gpt'], maxBudget: 10, spend: 0.0001, keyCount: 1 })];
  const keys = [virtualKey({ alias: 'ci', teamId: 'team-1', team: { id: 'team-1', name: 'research' } })];
  const created = createdKey({ id: 'key-2', alias: 'new' });
  return installFakeFetch({
    Viewer: () => ({ data: { viewer: viewer() } }),
    Organizations: () => ({ data: { organizations: [organization()] } }),
    Users: () => ({ data: { users: [user()] } }),
    AuditLog: () => ({ data: { auditLog: { entries: [auditEntry()], endCursor: null, hasNextPage: false } } }),
    RequestLog: () => ({ data: { requestLog: { entries: [requestLogEntry()], endCursor: null, hasNextPage: false } } }),
    Teams: () => ({ data: { teams } }),
    KeyPage: keyPageHandler(() => keys),
    Models: () => ({ data: { models: [model()] } }),
    SpendSummary: () => ({ data: { spendSummary: { totalSpend: 0.0001, totalRequests: 2, totalTokens: 40 } } }),
    CreateTeam: () => graphQLError('CONFLICT', 'Team "research" already exists', { name: ['already exists'] }),
    CreateKey: () => {
      keys.unshift(created.virtualKey);
      return { data: { createKey: created } };
    },
    BudgetAlerts: () => ({
      data: {
        budgetAlerts: {
          alerts: [{ id: '1', threshold: 'soft_budget', subjectKind: 'team', subjectId: 'team-1', subjectName: 'research', budgetDuration: '1mo', budget: 5, spend: 5.5, createdAt: '2025-01-02T03:04:05.000Z' }],
        },
      },
    }),
    TopEndUsers: () => ({
      data: {
        top: [{ id: 'eu-1', externalId: 'alice', alias: null, spend: 0.42, maxBudget: null, budgetDuration: null, followsAnyEndUser: true }],
        defaults: [{ id: 'eu-any', externalId: '*', alias: null, spend: 0, maxBudget: 0.5, budgetDuration: '1d', followsAnyEndUser: false }],
      },
    }),
    ...extra,
  });
}

async function signIn() {
  const wrapper = mount(App, { attachTo: document.body });
  await wrapper.get('[data-testid="login-mode-key"]').trigger('click');
  await wrapper.get('[data-testid="login-key"]').setValue('sk-tg-master-good');
  await wrapper.get('[data-testid="login-submit"]').trigger('submit');
  await flushPromises();
  return wrapper;
}

beforeEach(async () => {
  await resetAuth();
  live = createFakeSubscription();
  vi.mocked(subscribe).mockClear();
  vi.mocked(subscribe).mockImplementation(live.impl);
});
afterEach(async () => {
  document.body.innerHTML = '';
  await resetAuth();
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
    expect(wrapper.get('[data-testid="requests-list"]').findAll('[data-testid="request-row"]')).toHaveLength(1);
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

  it('should list the newest budget alerts, and read them again after live spend', async () => {
    const api = fakeGateway();
    const wrapper = await signIn();
    const [alert, ...more] = wrapper.findAll('[data-testid="budget-alert"]');
    expect(more).toEqual([]);
    expect(alert?.attributes('data-threshold')).toBe('soft_budget');
    expect(alert?.get('[data-testid="budget-alert-subject"]').text()).toBe('Team research');
    expect(alert?.text()).toContain('$5.50 of $5.00 monthly budget');
    const reads = () => api.requests.filter((r) => r.operationName === 'BudgetAlerts').length;
    const endUserReads = () => api.requests.filter((r) => r.operationName === 'TopEndUsers').length;
    expect(reads()).toBe(1);
    // A proxy admin also sees the end users that spent most, against the default budget of *.
    expect(wrapper.get('[data-testid="end-user-defaults"]').text()).toContain('$0.50 daily budget');
    expect(wrapper.get('[data-testid="top-end-user"]').text()).toContain('$0.420000 of $0.50 daily budget');
    expect(endUserReads()).toBe(1);

    vi.useFakeTimers();
    try {
      live.emit({ spendUpdated: { totalSpend: 1, totalRequests: 3, totalTokens: 60, batchSpend: 1, batchRequests: 1, at: new Date().toISOString() } });
      await vi.advanceTimersByTimeAsync(2_000);
    } finally {
      vi.useRealTimers();
    }
    await flushPromises();
    expect(reads()).toBe(2);
    expect(endUserReads()).toBe(2);
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

  it('should show a created key once, put it on top of the list without reading it again, and forget it on dismiss', async () => {
    const api = fakeGateway();
    const wrapper = await signIn();

    await wrapper.get('[data-testid="key-alias"]').setValue('new');
    await wrapper.get('[data-testid="key-create"]').trigger('submit');
    await flushPromises();

    const value = wrapper.get('[data-testid="created-key-value"]');
    expect(value.element.textContent).toBe(createdKey().key);
    expect(wrapper.findAll('[data-testid="key-row"]').map((row) => row.attributes('data-key-id'))).toEqual(['key-2', 'key-1']);
    expect(api.requests.filter((r) => r.operationName === 'KeyPage')).toHaveLength(1);

    await wrapper.get('[data-testid="created-key-dismiss"]').trigger('click');
    expect(wrapper.find('[data-testid="created-key"]').exists()).toBe(false);
    expect(wrapper.text()).not.toContain(createdKey().key);
    wrapper.unmount();
  });

  it('should narrow the key list by search after typing pauses, and by team at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const api = fakeGateway({
      KeyPage: keyPageHandler(() => [
        virtualKey({ id: 'key-1', alias: 'ci', teamId: 'team-1', team: { id: 'team-1', name: 'research' } }),
        virtualKey({ id: 'key-3', alias: 'notebook', prefix: 'sk-tg-NoTe' }),
      ]),
    });
    try {
      const wrapper = await signIn();
      const shown = () => wrapper.findAll('[data-testid="key-row"]').map((row) => row.attributes('data-key-id'));
      expect(shown()).toEqual(['key-1', 'key-3']);

      await wrapper.get('[data-testid="key-search"]').setValue('NOTE');
      await vi.advanceTimersByTimeAsync(300);
      await flushPromises();
      expect(shown()).toEqual(['key-3']);

      await wrapper.get('[data-testid="key-search"]').setValue('');
      await wrapper.get('[data-testid="key-filter-team"]').setValue('team-1');
      await flushPromises();
      expect(shown()).toEqual(['key-1']);
      expect(api.requests.filter((r) => r.operationName === 'KeyPage').at(-1)?.variables).toEqual({
        filter: { teamId: 'team-1' },
        first: 50,
        after: null,
      });
      wrapper.unmount();
    } finally {
      vi.useRealTimers();
    }
  });

  it('should return to the login view on logout and stop the live subscription', async () => {
    fakeGateway();
    const wrapper = await signIn();

    await wrapper.get('[data-testid="logout"]').trigger('click');

    expect(wrapper.find('[data-testid="login-email"]').exists()).toBe(true);
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

  it('should show the master key as the signer and proxy admin as the role', async () => {
    fakeGateway();
    const wrapper = await signIn();

    expect(wrapper.get('[data-testid="viewer-name"]').text()).toBe('Master key');
    expect(wrapper.get('[data-testid="viewer-role"]').text()).toBe('Proxy admin');
    expect(wrapper.find('[data-testid="model-create"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="org-create"]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('should open the Routing page from the top bar, save a change, and go back to a section', async () => {
    let current = routerSettings();
    const api = fakeGateway({
      RouterSettings: () => ({ data: { routerSettings: current } }),
      UpdateRouterSettings: (vars) => {
        current = routerSettings({ ...current, ...(vars.input as object), updatedAt: '2025-01-02T03:04:05.000Z' });
        return { data: { updateRouterSettings: current } };
      },
    });
    const wrapper = await signIn();
    // The settings are read when the page is opened, not before.
    expect(api.requests.map((r) => r.operationName)).not.toContain('RouterSettings');

    await openPage('#/routing');
    expect(wrapper.get('[data-testid="nav-routing"]').attributes('aria-current')).toBe('page');
    expect(wrapper.find('[data-testid="keys-list"]').isVisible()).toBe(false);
    await wrapper.get('[data-testid="router-strategy"]').setValue('lowest_latency');
    await wrapper.get('[data-testid="router-form"]').trigger('submit');
    await flushPromises();
    expect(api.requests.find((r) => r.operationName === 'UpdateRouterSettings')?.variables).toEqual({ input: { strategy: 'lowest_latency' } });
    expect(wrapper.get('[data-testid="router-saved"]').text()).toBe('Saved.');
    // The change joins the audit log.
    expect(api.requests.filter((r) => r.operationName === 'AuditLog')).toHaveLength(2);

    await openPage('#models');
    expect(wrapper.find('[data-testid="routing"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="models-list"]').isVisible()).toBe(true);
    wrapper.unmount();
  });

  it("should check a model group's health from its row: busy while the data planes answer, then the results in its rows", async () => {
    const gpt = [model({ id: 'east', name: 'gpt-4o' }), model({ id: 'west', name: 'gpt-4o' })];
    const answer = deferred<FakeAnswer>();
    const api = fakeGateway({ Models: () => ({ data: { models: gpt } }), CheckModelHealth: () => answer.promise });
    const wrapper = await signIn();
    const group = wrapper.get('[data-model-name="gpt-4o"]');
    expect(group.get('[data-testid="model-group-health"]').text()).toBe('never checked');

    await group.get('[data-testid="model-group-check-health"]').trigger('click');
    await flushPromises();
    expect(api.requests.find((r) => r.operationName === 'CheckModelHealth')?.variables).toEqual({ modelIds: ['east', 'west'] });
    expect(group.get('[data-testid="model-group-check-health"]').text()).toBe('Checking…');
    expect(group.get('[data-testid="model-group-check-health"]').attributes('disabled')).toBeDefined();

    const now = new Date().toISOString();
    answer.resolve({
      data: {
        checkModelHealth: [
          modelHealth({ modelId: 'east', latencyMs: 310, checkedAt: now }),
          modelHealth({ modelId: 'west', healthy: false, error: 'azure: 404 DeploymentNotFound', latencyMs: 95, checkedAt: now }),
        ],
      },
    });
    await flushPromises();
    expect(group.get('[data-testid="model-group-check-health"]').text()).toBe('Check health');
    expect(group.get('[data-testid="model-group-health"]').text()).toBe('1/2 healthy');
    expect(group.get('[data-model-id="east"] [data-testid="model-health"]').text()).toBe('healthy · 310 ms');
    expect(group.get('[data-model-id="east"] [data-testid="model-health-checked"]').text()).toBe('just now');
    expect(group.get('[data-model-id="west"] [data-testid="model-health-error"]').text()).toContain('azure: 404 DeploymentNotFound');
    // The check is audited: the log is read again.
    expect(api.requests.filter((r) => r.operationName === 'AuditLog')).toHaveLength(2);
    wrapper.unmount();
  });

  it("should show the server's UNAVAILABLE message beside the check when no data plane can run it", async () => {
    const message = 'No data plane is connected to run health checks: none subscribed to the config of this gateway with the healthChecks feature (data planes of earlier releases cannot run them).';
    fakeGateway({ CheckModelHealth: () => graphQLError('UNAVAILABLE', message) });
    const wrapper = await signIn();
    const row = wrapper.get('[data-testid="model-row"][data-model-id="model-1"]');

    await row.get('[data-testid="model-check-health"]').trigger('click');
    await flushPromises();
    expect(row.get('[data-testid="model-check-health-error"]').text()).toBe(message);
    expect(row.get('[data-testid="model-check-health"]').attributes('disabled')).toBeUndefined();
    expect(row.get('[data-testid="model-health"]').text()).toBe('never checked');
    // Only where it was asked for.
    expect(wrapper.find('[data-testid="model-group-check-health-error"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it("should refuse extra headers that are not an object of strings at their input unsent, and name a created deployment's headers", async () => {
    const models = [model()];
    const api = fakeGateway({
      Models: () => ({ data: { models } }),
      CreateModel: (vars) => {
        const input = vars.input as { name: string; extraHeaders: Record<string, string> };
        models.push(model({ id: 'model-2', name: input.name, extraHeaders: input.extraHeaders }));
        return { data: { createModel: models.at(-1) } };
      },
    });
    const wrapper = await signIn();
    const headers = wrapper.get('[data-testid="model-form"] [data-testid="model-extra-headers"]');
    await wrapper.get('[data-testid="model-name"]').setValue('router');
    await wrapper.get('[data-testid="model-input-cost"]').setValue('1');
    await wrapper.get('[data-testid="model-output-cost"]').setValue('2');

    for (const [typed, problem] of [
      ['{"X-Retries": 3}', 'the value of X-Retries is a number, not a string in quotes.'],
      ['{"X-Proxy-Key": sk-live-0123}', 'this is not valid JSON.'],
    ] as const) {
      await headers.setValue(typed);
      await wrapper.get('[data-testid="model-form"]').trigger('submit');
      await flushPromises();
      expect(headers.attributes('aria-invalid')).toBe('true');
      expect(wrapper.get('[data-testid="model-error"]').text()).toContain(`Extra headers: Enter a JSON object of header names and text values, such as {"X-Title": "Acme"}; ${problem}`);
    }
    // A pasted key stays in its input, shown nowhere else.
    expect(wrapper.text()).not.toContain('sk-live');
    expect(api.requests.map((r) => r.operationName)).not.toContain('CreateModel');

    await headers.setValue('{"X-Title": "Acme", "X-Proxy-Key": "env:PROXY_KEY"}');
    await wrapper.get('[data-testid="model-form"]').trigger('submit');
    await flushPromises();
    expect(api.requests.find((r) => r.operationName === 'CreateModel')?.variables).toMatchObject({
      input: { name: 'router', extraHeaders: { 'X-Title': 'Acme', 'X-Proxy-Key': 'env:PROXY_KEY' } },
    });
    expect(wrapper.find('[data-testid="model-error"]').exists()).toBe(false);
    expect(wrapper.get('[data-model-id="model-2"] [data-testid="model-extra-headers"]').text()).toBe('headers: X-Title, X-Proxy-Key');
    expect(wrapper.get('[data-testid="models-list"]').html()).not.toContain('PROXY_KEY');
    wrapper.unmount();
  });
});

/** Goes to a page or section the way a top-bar link does, by the URL's hash. */
async function openPage(hash: string): Promise<void> {
  window.location.hash = hash;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  await flushPromises();
}

afterEach(() => {
  window.location.hash = '';
});

/** An org admin's view of the API: their organization, its teams, users and keys; no gateway-wide spend. */
function fakeOrgGateway(extra: Record<string, FakeHandler> = {}) {
  const teams = [team({ id: 'team-9', name: 'acme-research', organizationId: ORG_ID })];
  const audit = [auditEntry({ id: '7', actorId: USER_ID, actorRole: 'org_admin', credential: 'session', organizationId: ORG_ID })];
  return installFakeFetch({
    Login: () => ({ data: { login: { token: 'tg-session-1', expiresAt: '2025-01-03T00:00:00.000Z', user: user() } } }),
    Logout: () => ({ data: { logout: true } }),
    BudgetAlerts: () => ({ data: { budgetAlerts: { alerts: [] } } }),
    Viewer: () => ({ data: { viewer: orgAdminViewer() } }),
    User: () => ({ data: { user: user() } }),
    Organizations: () => ({ data: { organizations: [organization()] } }),
    Users: () => ({ data: { users: [user()] } }),
    Teams: () => ({ data: { teams } }),
    KeyPage: keyPageHandler(() => [
      virtualKey({ spend: 0.25, ownerId: USER_ID }),
      virtualKey({ id: 'key-2', spend: 0.5, organizationId: ORG_ID }),
    ]),
    SpendReport: (vars) => ({
      data: { spendReport: [{ value: vars.value, cost: vars.dimension === 'org' ? 1.5 : 0.25, requests: 12, totalTokens: 3400 }] },
    }),
    Models: () => ({ data: { models: [model()] } }),
    AuditLog: () => ({ data: { auditLog: { entries: audit, endCursor: null, hasNextPage: false } } }),
    RequestLog: () => ({ data: { requestLog: { entries: [requestLogEntry()], endCursor: null, hasNextPage: false } } }),
    SpendSummary: () => graphQLError('FORBIDDEN', 'Not allowed'),
    CreateTeam: (vars) => {
      const created = team({ id: 'team-10', name: (vars.input as { name: string }).name, organizationId: ORG_ID });
      teams.push(created);
      audit.unshift(auditEntry({ id: '8', actorId: USER_ID, actorRole: 'org_admin', entityId: 'team-10', after: { name: created.name } }));
      return { data: { createTeam: created } };
    },
    ...extra,
  });
}

async function signInWithPassword() {
  const wrapper = mount(App, { attachTo: document.body });
  await wrapper.get('[data-testid="login-email"]').setValue('ada@acme.test');
  await wrapper.get('[data-testid="login-password"]').setValue('correct horse battery');
  await wrapper.get('[data-testid="login-submit"]').trigger('submit');
  await flushPromises();
  return wrapper;
}

describe('App for an org admin', () => {
  it('should show their email, role and organization in the header', async () => {
    fakeOrgGateway();
    const wrapper = await signInWithPassword();

    expect(wrapper.get('[data-testid="viewer-name"]').text()).toBe('ada@acme.test');
    expect(wrapper.get('[data-testid="viewer-role"]').text()).toBe('Org admin');
    expect(wrapper.get('[data-testid="viewer-org"]').text()).toBe('acme');
    wrapper.unmount();
  });

  it('should offer only what an org admin may do', async () => {
    const api = fakeOrgGateway();
    const wrapper = await signInWithPassword();

    expect(wrapper.find('[data-testid="model-create"]').exists()).toBe(false);
    // Health they read; a check (real provider calls) is for proxy admins.
    expect(wrapper.get('[data-testid="model-health"]').text()).toBe('never checked');
    expect(wrapper.find('[data-testid="model-check-health"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="model-group-check-health"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="org-create"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="org-block"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="team-create"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="team-org"]').exists()).toBe(false);
    expect(wrapper.findAll('[data-testid="user-role"] option').map((o) => o.attributes('value'))).toEqual([
      'org_admin',
      'internal_user',
      'internal_viewer',
    ]);
    expect(wrapper.findAll('[data-testid="org-row"]')).toHaveLength(1);
    // Their own row has no controls: nobody locks themselves out.
    expect(wrapper.find('[data-testid="user-block"]').exists()).toBe(false);
    // Neither gateway-wide spend nor its live stream is theirs; their organization's spend is.
    expect(vi.mocked(subscribe)).not.toHaveBeenCalled();
    expect(api.requests.map((r) => r.operationName)).not.toContain('SpendSummary');
    expect(api.requests.find((r) => r.operationName === 'SpendReport')?.variables).toEqual({ dimension: 'org', value: ORG_ID, first: 1 });
    expect(wrapper.get('[data-testid="spend-total"]').text()).toBe('$1.500000');
    expect(wrapper.get('[data-testid="spend-requests"]').text()).toBe('12');
    expect(wrapper.get('.spend-card').text()).toContain('Spend of your organization');
    expect(wrapper.get('[data-testid="key-row"][data-key-id="key-1"] [data-col="owner"]').text()).toBe('you');
    wrapper.unmount();
  });

  it('should list a created team and refresh the audit log with its entry', async () => {
    fakeOrgGateway();
    const wrapper = await signInWithPassword();
    expect(wrapper.findAll('[data-testid="audit-row"]')).toHaveLength(1);

    await wrapper.get('[data-testid="team-name"]').setValue('acme-ml');
    await wrapper.get('[data-testid="team-create"]').trigger('submit');
    await flushPromises();

    expect(wrapper.findAll('[data-testid="team-row"]').map((row) => row.get('[data-col="name"]').text())).toContain('acme-ml');
    const rows = wrapper.findAll('[data-testid="audit-row"]');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.get('[data-col="actor"]').text()).toContain('ada@acme.test');
    expect(rows[0]?.get('[data-col="changes"]').text()).toContain('acme-ml');
    wrapper.unmount();
  });

  it('should create a team with budgets per member, showing a budget the server refuses beside its field', async () => {
    const api = fakeOrgGateway({
      CreateTeam: (vars) => {
        const input = vars.input as Record<string, unknown> & { name: string };
        if ((input.memberSoftBudget as number) > (input.memberMaxBudget as number)) {
          return graphQLError('BAD_USER_INPUT', 'Invalid input', {
            memberSoftBudget: ['must not be more than memberMaxBudget (1): a soft budget warns before the hard budget refuses'],
          });
        }
        return { data: { createTeam: team({ ...input, id: 'team-10', organizationId: ORG_ID, budgetResetAt: '2025-02-01T00:00:00.000Z' }) } };
      },
    });
    const wrapper = await signInWithPassword();
    expect(wrapper.get('[data-testid="team-row"] [data-col="member-limits"]').text()).toBe('None');

    await wrapper.get('[data-testid="team-name"]').setValue('acme-ml');
    await wrapper.get('[data-testid="team-budget"]').setValue('500');
    await wrapper.get('[data-testid="team-budget-duration"]').setValue('1mo');
    await wrapper.get('[data-testid="team-member-budget"]').setValue('1');
    await wrapper.get('[data-testid="team-member-soft-budget"]').setValue('2');
    await wrapper.get('[data-testid="team-create"]').trigger('submit');
    await flushPromises();

    const softField = wrapper.get('[data-testid="team-member-soft-budget"]').element.closest('label')!;
    expect(softField.querySelector('[data-testid="field-error"]')?.textContent).toContain('must not be more than memberMaxBudget (1)');
    expect(wrapper.get('[data-testid="team-member-soft-budget"]').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="team-member-budget"]').attributes('aria-invalid')).toBeUndefined();
    // The alert says what failed; the field's message is beside the field, not repeated there.
    expect(wrapper.get('[data-testid="team-error"]').text()).toBe('Invalid input');

    await wrapper.get('[data-testid="team-member-soft-budget"]').setValue('0.8');
    await wrapper.get('[data-testid="team-member-rpm"]').setValue('60');
    await wrapper.get('[data-testid="team-member-tpm"]').setValue('100000');
    await wrapper.get('[data-testid="team-create"]').trigger('submit');
    await flushPromises();

    expect(api.requests.filter((r) => r.operationName === 'CreateTeam').at(-1)?.variables).toEqual({
      input: {
        name: 'acme-ml',
        maxBudget: 500,
        budgetDuration: '1mo',
        memberMaxBudget: 1,
        memberSoftBudget: 0.8,
        memberRpmLimit: 60,
        memberTpmLimit: 100000,
      },
    });
    expect(wrapper.find('[data-testid="field-error"]').exists()).toBe(false);
    const row = wrapper.get('[data-testid="team-row"][data-team-id="team-10"]');
    expect(row.get('[data-col="budget"]').text()).toBe('$500.00 monthly budget');
    expect(row.get('[data-col="member-limits"]').text()).toBe('$1.00 per member per month · alert at $0.80 · 60 rpm · 100K tpm');
    // The form is cleared for the next team.
    expect(wrapper.get<HTMLInputElement>('[data-testid="team-member-budget"]').element.value).toBe('');
    wrapper.unmount();
  });

  it("should show members' spend against their budgets and let an org admin set a member's own", async () => {
    const bob = user({ id: 'u-bob', email: 'bob@acme.test', role: 'internal_user' });
    const cy = user({ id: 'u-cy', email: 'cy@acme.test', role: 'internal_user' });
    const members = [teamMember({ teamId: 'team-9', user: bob, role: 'admin', spend: 0.36 }), teamMember({ teamId: 'team-9', user: cy, spend: 0.1, maxBudget: 5 })];
    const api = fakeOrgGateway({
      Teams: () => ({
        data: { teams: [team({ id: 'team-9', name: 'acme-research', organizationId: ORG_ID, memberMaxBudget: 1, budgetDuration: '1mo', budgetResetAt: '2025-02-01T00:00:00.000Z' })] },
      }),
      TeamMembers: () => ({ data: { teamMembers: members } }),
      SetTeamMember: (vars) => {
        const input = vars.input as { userId: string; role: string; maxBudget: number | null };
        const index = members.findIndex((m) => m.user.id === input.userId);
        members[index] = { ...members[index]!, role: input.role, maxBudget: input.maxBudget };
        return { data: { setTeamMember: members[index] } };
      },
    });
    const wrapper = await signInWithPassword();
    await wrapper.get('[data-testid="team-members-toggle"]').trigger('click');
    await flushPromises();

    const spend = (userId: string) => wrapper.get(`[data-testid="member-row"][data-user-id="${userId}"] [data-testid="member-spend"]`).text();
    expect(spend('u-bob')).toBe('$0.360000 of $1.00');
    expect(spend('u-cy')).toBe('$0.100000 of $5.00');

    await wrapper.get('[data-user-id="u-bob"] [data-testid="member-budget-edit"]').trigger('click');
    await wrapper.get('[data-testid="member-budget-input"]').setValue('2');
    await wrapper.get('[data-testid="member-budget-form"]').trigger('submit');
    await flushPromises();

    expect(api.requests.find((r) => r.operationName === 'SetTeamMember')?.variables).toEqual({
      input: { teamId: 'team-9', userId: 'u-bob', role: 'admin', maxBudget: 2 },
    });
    expect(spend('u-bob')).toBe('$0.360000 of $2.00');
    expect(wrapper.find('[data-user-id="u-bob"] [data-testid="member-own-budget"]').exists()).toBe(true);
    expect(wrapper.get('[data-user-id="u-bob"] [data-col="team-role"] select').element).toHaveProperty('value', 'admin');
    wrapper.unmount();
  });

  it("should edit a team, sending only what changed, and show it in the team's row", async () => {
    const teams = [team({ id: 'team-9', name: 'acme-research', organizationId: ORG_ID, memberSoftBudget: 4 })];
    const api = fakeOrgGateway({
      Teams: () => ({ data: { teams } }),
      UpdateTeam: (vars) => {
        const input = vars.input as Partial<Team>;
        teams[0] = { ...teams[0]!, ...input, budgetResetAt: '2025-02-01T00:00:00.000Z' };
        return { data: { updateTeam: teams[0] } };
      },
    });
    const wrapper = await signInWithPassword();
    const auditReads = () => api.requests.filter((r) => r.operationName === 'AuditLog').length;
    const readsBefore = auditReads();

    await wrapper.get('[data-testid="team-edit"]').trigger('click');
    await wrapper.get('[data-testid="team-edit-budget"]').setValue('100');
    await wrapper.get('[data-testid="team-edit-budget-duration"]').setValue('1mo');
    await wrapper.get('[data-testid="team-edit-member-budget"]').setValue('10');
    await wrapper.get('[data-testid="team-edit-member-soft-budget"]').setValue('');
    await wrapper.get('[data-testid="team-edit-form"]').trigger('submit');
    await flushPromises();

    expect(api.requests.find((r) => r.operationName === 'UpdateTeam')?.variables).toEqual({
      id: 'team-9',
      input: { maxBudget: 100, budgetDuration: '1mo', memberMaxBudget: 10, memberSoftBudget: null },
    });
    expect(wrapper.find('[data-testid="team-edit-form"]').exists()).toBe(false);
    const row = wrapper.get('[data-testid="team-row"][data-team-id="team-9"]');
    expect(row.get('[data-col="budget"]').text()).toBe('$100.00 monthly budget');
    expect(row.get('[data-col="member-limits"]').text()).toBe('$10.00 per member per month');
    // The audit log is read again for the change.
    expect(auditReads()).toBeGreaterThan(readsBefore);
    wrapper.unmount();
  });

  it("should show a team's admin their members' spend but no budget controls", async () => {
    const me = user({ role: 'internal_user' });
    const api = fakeOrgGateway({
      Viewer: () => ({ data: { viewer: orgAdminViewer({ role: 'internal_user' }) } }),
      User: () => ({ data: { user: me } }),
      Teams: () => ({ data: { teams: [team({ id: 'team-9', name: 'acme-research', organizationId: ORG_ID, memberMaxBudget: 1 })] } }),
      TeamMembers: () => ({ data: { teamMembers: [teamMember({ teamId: 'team-9', user: me, role: 'admin', spend: 0.5 })] } }),
    });
    const wrapper = await signInWithPassword();
    await wrapper.get('[data-testid="team-members-toggle"]').trigger('click');
    await flushPromises();

    expect(wrapper.get('[data-testid="member-spend"]').text()).toBe('$0.500000 of $1.00');
    // They see their team's members only, so there is nobody else to offer: they are told so.
    expect(wrapper.find('[data-testid="member-add-none"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="member-budget-edit"]').exists()).toBe(false);
    // Nor may they change or block the team itself.
    expect(wrapper.find('[data-testid="team-edit"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="team-block"]').exists()).toBe(false);
    expect(api.requests.map((r) => r.operationName)).not.toContain('SetTeamMember');
    wrapper.unmount();
  });

  it("should show the server's FORBIDDEN message and keep the page working", async () => {
    fakeOrgGateway({ CreateTeam: () => graphQLError('FORBIDDEN', 'You may not do this.') });
    const wrapper = await signInWithPassword();

    await wrapper.get('[data-testid="team-name"]').setValue('elsewhere');
    await wrapper.get('[data-testid="team-create"]').trigger('submit');
    await flushPromises();

    expect(wrapper.get('[data-testid="team-error"]').text()).toContain('You may not do this.');
    expect(wrapper.findAll('[data-testid="team-row"]')).toHaveLength(1);
    expect(wrapper.find('[data-testid="models-list"]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('should end the session on the server when signing out', async () => {
    const api = fakeOrgGateway();
    const wrapper = await signInWithPassword();

    await wrapper.get('[data-testid="logout"]').trigger('click');
    await flushPromises();

    const logout = api.requests.find((r) => r.operationName === 'Logout');
    expect(logout?.headers.authorization).toBe('Bearer tg-session-1');
    expect(wrapper.find('[data-testid="login-email"]').exists()).toBe(true);
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
    wrapper.unmount();
  });
});

describe('App for read-only roles', () => {
  it('should show an internal viewer lists without any action', async () => {
    const api = fakeOrgGateway({
      Viewer: () => ({ data: { viewer: orgAdminViewer({ role: 'internal_viewer' }) } }),
      User: () => ({ data: { user: user({ role: 'internal_viewer' }) } }),
    });
    const wrapper = await signInWithPassword();

    expect(wrapper.get('[data-testid="viewer-role"]').text()).toBe('Internal viewer');
    for (const action of ['team-create', 'key-create', 'key-block', 'key-delete', 'model-create', 'model-check-health', 'user-create', 'org-create']) {
      expect(wrapper.find(`[data-testid="${action}"]`).exists(), action).toBe(false);
    }
    expect(wrapper.find('[data-testid="users-list"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="audit-list"]').exists()).toBe(false);
    expect(wrapper.findAll('[data-testid="key-row"]')).toHaveLength(2);
    // The requests of their keys, as the server scopes them.
    expect(wrapper.findAll('[data-testid="request-row"]')).toHaveLength(1);
    // Their own spend: the keys they own, not a sum over the keys the list happens to show.
    expect(api.requests.find((r) => r.operationName === 'SpendReport')?.variables).toEqual({ dimension: 'user', value: USER_ID, first: 1 });
    expect(wrapper.get('[data-testid="spend-total"]').text()).toBe('$0.250000');
    expect(wrapper.get('.spend-card').text()).toContain('Spend of the keys you own');
    // Nothing is asked that the server would refuse.
    expect(api.requests.map((r) => r.operationName)).not.toContain('AuditLog');
    expect(api.requests.map((r) => r.operationName)).not.toContain('Users');
    wrapper.unmount();
  });

  it('should show an internal viewer the router settings without a way to save them', async () => {
    fakeOrgGateway({
      Viewer: () => ({ data: { viewer: orgAdminViewer({ role: 'internal_viewer' }) } }),
      User: () => ({ data: { user: user({ role: 'internal_viewer' }) } }),
      RouterSettings: () => ({ data: { routerSettings: routerSettings({ fallbacks: { 'mock-gpt': ['other'] } }) } }),
    });
    const wrapper = await signInWithPassword();
    await openPage('#/routing');

    expect(wrapper.get('[data-testid="router-read-only-note"]').text()).toContain('Only proxy admins');
    expect(wrapper.get('[data-testid="fallback-target"]').text()).toContain('other');
    expect(wrapper.find('[data-testid="router-save"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('should mark a read-only key and hide writes even for an admin role', async () => {
    fakeOrgGateway({
      Viewer: () => ({ data: { viewer: orgAdminViewer({ credential: 'read_only_key', readOnly: true }) } }),
    });
    const wrapper = mount(App, { attachTo: document.body });
    await wrapper.get('[data-testid="login-mode-key"]').trigger('click');
    await wrapper.get('[data-testid="login-key"]').setValue('sk-tg-readonly');
    await wrapper.get('[data-testid="login-submit"]').trigger('submit');
    await flushPromises();

    expect(wrapper.find('[data-testid="viewer-read-only"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="team-create"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="user-create"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="key-delete"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="audit-list"]').exists()).toBe(true);
    wrapper.unmount();
  });
});

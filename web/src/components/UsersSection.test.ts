import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { organization, ORG_ID, user, USER_ID } from '../testing/fixtures';
import UsersSection from './UsersSection.vue';

const baseProps = {
  users: [],
  loading: false,
  loadError: null,
  creating: false,
  createError: null,
  actionError: null,
  create: async () => true,
  grantableRoles: ['org_admin', 'internal_user', 'internal_viewer'] as const,
  viewerUserId: USER_ID,
};

afterEach(() => vi.unstubAllGlobals());

describe('UsersSection', () => {
  it('should offer only the grantable roles, defaulting to the least powerful', () => {
    const wrapper = mount(UsersSection, { props: baseProps });
    const options = wrapper.findAll('[data-testid="user-role"] option');
    expect(options.map((o) => o.text())).toEqual(['Org admin', 'Internal user', 'Internal viewer']);
    expect((wrapper.get('[data-testid="user-role"]').element as HTMLSelectElement).value).toBe('internal_viewer');
    // An org admin's users go in their own organization: no choice to make.
    expect(wrapper.find('[data-testid="user-org"]').exists()).toBe(false);
  });

  it('should have no create form for a credential that gives no roles', () => {
    const wrapper = mount(UsersSection, { props: { ...baseProps, grantableRoles: [] } });
    expect(wrapper.find('[data-testid="user-create"]').exists()).toBe(false);
  });

  it('should let a proxy admin pick the organization, for organization roles only', async () => {
    const create = vi.fn(async () => true);
    const wrapper = mount(UsersSection, {
      props: {
        ...baseProps,
        create,
        grantableRoles: ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_viewer'] as const,
        organizations: [organization()],
        chooseOrganization: true,
      },
    });

    await wrapper.get('[data-testid="user-role"]').setValue('proxy_admin');
    expect(wrapper.find('[data-testid="user-org"]').exists()).toBe(false);
    await wrapper.get('[data-testid="user-role"]').setValue('org_admin');
    await wrapper.get('[data-testid="user-org"]').setValue(ORG_ID);
    await wrapper.get('[data-testid="user-email"]').setValue('ada@acme.test');
    await wrapper.get('[data-testid="user-password"]').setValue('correct horse battery');
    await wrapper.get('[data-testid="user-create"]').trigger('submit');

    expect(create).toHaveBeenCalledWith({
      email: 'ada@acme.test',
      name: '',
      role: 'org_admin',
      organizationId: ORG_ID,
      password: 'correct horse battery',
    });
  });

  it('should let the viewer change and block the users they may manage, but not themselves', async () => {
    const wrapper = mount(UsersSection, {
      props: {
        ...baseProps,
        users: [
          user(),
          user({ id: 'u2', email: 'dev@acme.test', role: 'internal_user' }),
          user({ id: 'u3', email: 'root@example.com', role: 'proxy_admin', organizationId: null }),
        ],
      },
    });
    vi.stubGlobal('confirm', () => true);

    const row = (id: string) => wrapper.get(`[data-testid="user-row"][data-user-id="${id}"]`);
    expect(row(USER_ID).find('[data-testid="user-block"]').exists()).toBe(false);
    expect(row(USER_ID).find('[data-testid="user-role-select"]').exists()).toBe(false);
    expect(row('u3').find('[data-testid="user-block"]').exists()).toBe(false);
    expect(row('u3').text()).toContain('Proxy admin');

    await row('u2').get('[data-testid="user-role-select"]').setValue('internal_viewer');
    await row('u2').get('[data-testid="user-block"]').trigger('click');

    expect(wrapper.emitted('setRole')).toEqual([['u2', 'internal_viewer']]);
    expect(wrapper.emitted('setBlocked')).toEqual([['u2', true]]);
  });

  it('should show a refused change', () => {
    const wrapper = mount(UsersSection, { props: { ...baseProps, actionError: 'Could not block dev@acme.test: Not allowed' } });
    expect(wrapper.get('[data-testid="user-action-error"]').text()).toContain('Not allowed');
  });
});

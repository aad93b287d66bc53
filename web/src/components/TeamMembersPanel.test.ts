import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { team, teamMember, user } from '../testing/fixtures';
import TeamMembersPanel from './TeamMembersPanel.vue';

const bob = user({ id: 'u-bob', email: 'bob@acme.test', role: 'internal_user' });
const cy = user({ id: 'u-cy', email: 'cy@acme.test', role: 'internal_user' });
const blocked = user({ id: 'u-x', email: 'x@acme.test', blocked: true });

const baseProps = {
  team: team(),
  members: [teamMember({ user: bob, role: 'admin' })],
  candidates: [bob, cy, blocked],
  loading: false,
  loadError: null,
  actionError: null,
  canManage: true,
  adding: false,
  addError: null,
  add: async () => true,
};

afterEach(() => vi.unstubAllGlobals());

describe('TeamMembersPanel', () => {
  it('should offer only users who are not members yet and not blocked', () => {
    const wrapper = mount(TeamMembersPanel, { props: baseProps });
    const options = wrapper.findAll('[data-testid="member-add-user"] option').map((o) => o.text());
    expect(options).toEqual(['Choose a user…', 'cy@acme.test']);
  });

  it('should add the picked user with the picked team role', async () => {
    const add = vi.fn(async () => true);
    const wrapper = mount(TeamMembersPanel, { props: { ...baseProps, add } });

    await wrapper.get('[data-testid="member-add-user"]').setValue('u-cy');
    await wrapper.get('[data-testid="member-add-role"]').setValue('admin');
    await wrapper.get('[data-testid="member-add"]').trigger('submit');

    expect(add).toHaveBeenCalledWith({ userId: 'u-cy', role: 'admin' });
  });

  it('should change a team role and remove a member after confirmation', async () => {
    const wrapper = mount(TeamMembersPanel, { props: baseProps });
    vi.stubGlobal('confirm', () => true);

    await wrapper.get('[data-testid="member-role"]').setValue('member');
    await wrapper.get('[data-testid="member-remove"]').trigger('click');

    expect(wrapper.emitted('setRole')).toEqual([['u-bob', 'member']]);
    expect(wrapper.emitted('remove')).toEqual([['u-bob']]);
  });

  it('should only list members for a viewer who may not manage them', () => {
    const wrapper = mount(TeamMembersPanel, { props: { ...baseProps, canManage: false } });
    expect(wrapper.find('[data-testid="member-add"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="member-role"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="member-remove"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="member-row"]').text()).toContain('Team admin');
  });

  it("should give no controls on the viewer's own row when they are locked", () => {
    const wrapper = mount(TeamMembersPanel, { props: { ...baseProps, lockedUserId: 'u-bob' } });
    expect(wrapper.find('[data-testid="member-remove"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="member-add"]').exists()).toBe(true);
  });
});

import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FormError } from '../composables/forms';
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
  canSetBudgets: false,
  budgetSaving: null,
  budgetError: null,
  setBudget: async () => true,
};

/** A team whose members are each held to $1.00 a month unless they have their own budget. */
const budgeted = team({ memberMaxBudget: 1, budgetDuration: '1mo', budgetResetAt: '2025-02-01T00:00:00.000Z' });

const spendOf = (wrapper: ReturnType<typeof mount>, userId: string) =>
  wrapper.get(`[data-testid="member-row"][data-user-id="${userId}"] [data-col="spend"]`).text();

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

  it('should say why there is no one to add, rather than offer an empty list', () => {
    const wrapper = mount(TeamMembersPanel, { props: { ...baseProps, candidates: [] } });
    expect(wrapper.find('[data-testid="member-add"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="member-add-none"]').text()).toBe('Everyone you can see is a member already; an organization admin can add others.');
  });

  it("should give no controls on the viewer's own row when they are locked", () => {
    const wrapper = mount(TeamMembersPanel, { props: { ...baseProps, lockedUserId: 'u-bob' } });
    expect(wrapper.find('[data-testid="member-remove"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="member-add"]').exists()).toBe(true);
  });

  it("should show each member's spend against their own budget, else the team's per member", () => {
    const wrapper = mount(TeamMembersPanel, {
      props: {
        ...baseProps,
        team: budgeted,
        members: [teamMember({ user: bob, spend: 0.36 }), teamMember({ user: cy, spend: 3, maxBudget: 2.5 })],
      },
    });

    expect(spendOf(wrapper, 'u-bob')).toBe('$0.360000 of $1.00');
    expect(wrapper.find('[data-user-id="u-bob"] [data-testid="member-own-budget"]').exists()).toBe(false);
    expect(wrapper.find('[data-user-id="u-bob"] [data-testid="member-budget-reached"]').exists()).toBe(false);
    // Her own budget, over the team's, and spent.
    expect(wrapper.get('[data-user-id="u-cy"] [data-testid="member-spend"]').text()).toBe('$3.000000 of $2.50');
    expect(wrapper.find('[data-user-id="u-cy"] [data-testid="member-own-budget"]').exists()).toBe(true);
    expect(wrapper.find('[data-user-id="u-cy"] [data-testid="member-budget-reached"]').exists()).toBe(true);
    const note = wrapper.get('[data-testid="member-budget-note"]').text();
    expect(note).toContain("in the team's current budget period, until");
    expect(note).toContain('Budget: $1.00 per member per month, unless a member has their own.');
  });

  it('should show the spend alone when a member is held to no budget', () => {
    const wrapper = mount(TeamMembersPanel, { props: { ...baseProps, members: [teamMember({ user: bob, spend: 0.000123 })] } });
    expect(spendOf(wrapper, 'u-bob')).toBe('$0.000123');
    const note = wrapper.get('[data-testid="member-budget-note"]').text();
    expect(note).toContain("in all (the team's budgets never reset)");
    expect(note).not.toContain('Budget:');
  });

  it('should offer budget controls only to a viewer who may govern the team, not to its team admins', () => {
    const teamAdmin = mount(TeamMembersPanel, { props: { ...baseProps, team: budgeted, canManage: true, canSetBudgets: false } });
    expect(teamAdmin.find('[data-testid="member-budget-edit"]').exists()).toBe(false);
    expect(teamAdmin.find('[data-testid="member-remove"]').exists()).toBe(true);

    const governor = mount(TeamMembersPanel, { props: { ...baseProps, team: budgeted, canSetBudgets: true } });
    expect(governor.find('[data-testid="member-budget-edit"]').exists()).toBe(true);
  });

  it("should set a member's own budget, and go back to the team's", async () => {
    const setBudget = vi.fn(async () => true);
    const wrapper = mount(TeamMembersPanel, {
      props: { ...baseProps, team: budgeted, canSetBudgets: true, setBudget, members: [teamMember({ user: bob, maxBudget: 5 })] },
    });

    await wrapper.get('[data-testid="member-budget-edit"]').trigger('click');
    const input = wrapper.get<HTMLInputElement>('[data-testid="member-budget-input"]');
    expect(input.element.value).toBe('5');
    expect(input.attributes('placeholder')).toBe("Team's: $1.00");
    await input.setValue('2.5');
    await wrapper.get('[data-testid="member-budget-form"]').trigger('submit');
    await flushPromises();
    expect(setBudget).toHaveBeenLastCalledWith('u-bob', '2.5');
    // Saved: the row shows the spend again.
    expect(wrapper.find('[data-testid="member-budget-form"]').exists()).toBe(false);

    await wrapper.get('[data-testid="member-budget-edit"]').trigger('click');
    await wrapper.get('[data-testid="member-budget-clear"]').trigger('click');
    await flushPromises();
    expect(setBudget).toHaveBeenLastCalledWith('u-bob', '');
  });

  it('should keep the editor open on a refused budget, with the error beside the amount', async () => {
    const refused: FormError = { message: 'Invalid input', fieldErrors: { maxBudget: ['must not be negative'] } };
    const wrapper = mount(TeamMembersPanel, {
      props: {
        ...baseProps,
        team: budgeted,
        canSetBudgets: true,
        setBudget: async () => false,
        members: [teamMember({ user: bob }), teamMember({ user: cy })],
      },
    });

    await wrapper.get('[data-user-id="u-bob"] [data-testid="member-budget-edit"]').trigger('click');
    await wrapper.get('[data-testid="member-budget-input"]').setValue('-1');
    await wrapper.get('[data-testid="member-budget-form"]').trigger('submit');
    await wrapper.setProps({ budgetError: { userId: 'u-bob', error: refused } });

    const form = wrapper.get('[data-user-id="u-bob"] [data-testid="member-budget-form"]');
    expect(form.get('[data-testid="field-error"][data-field="maxBudget"]').text()).toBe('must not be negative');
    expect(form.get('[data-testid="member-budget-input"]').attributes('aria-invalid')).toBe('true');
    // The message once, the field's error beside the field only.
    expect(form.get('[data-testid="member-budget-error"]').text()).toBe('Invalid input');

    // Another member's editor does not show it.
    await wrapper.get('[data-testid="member-budget-cancel"]').trigger('click');
    await wrapper.get('[data-user-id="u-cy"] [data-testid="member-budget-edit"]').trigger('click');
    expect(wrapper.find('[data-testid="field-error"]').exists()).toBe(false);
  });

  it("should name a refusal that concerns no field, such as a team admin's FORBIDDEN", async () => {
    const wrapper = mount(TeamMembersPanel, {
      props: {
        ...baseProps,
        canSetBudgets: true,
        budgetError: { userId: 'u-bob', error: { message: 'You may not do this.', fieldErrors: {} } },
      },
    });
    await wrapper.get('[data-testid="member-budget-edit"]').trigger('click');
    expect(wrapper.get('[data-testid="member-budget-error"]').text()).toBe('You may not do this.');
    // Without a budget of its own there is nothing to clear; the placeholder says no budget applies.
    expect(wrapper.find('[data-testid="member-budget-clear"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="member-budget-input"]').attributes('placeholder')).toBe('No limit');
  });
});

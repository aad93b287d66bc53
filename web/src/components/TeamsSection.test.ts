import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Team } from '../api/operations';
import type { FormError } from '../composables/forms';
import { team } from '../testing/fixtures';
import { toUpdateTeamInput, type TeamFormValues } from '../teamForm';
import TeamsSection from './TeamsSection.vue';

/** A team with a monthly budget, an alert, and a budget per member. */
const research = team({ tags: ['cost-center-7'], maxBudget: 100, softBudget: 80, budgetDuration: '1mo', memberMaxBudget: 10, memberSoftBudget: 8, rpmLimit: 600 });
const fromFile = team({ id: 'team-f', name: 'platform', managedBy: 'file' });

const baseProps = {
  teams: [research],
  loading: false,
  loadError: null,
  creating: false,
  createError: null,
  create: async () => true,
  canGovern: true,
};

const cell = (wrapper: VueWrapper, teamId: string, col: string) =>
  wrapper.get(`[data-testid="team-row"][data-team-id="${teamId}"] [data-col="${col}"]`).text();
const input = (wrapper: VueWrapper, testId: string) => wrapper.get<HTMLInputElement>(`[data-testid="team-edit-form"] [data-testid="${testId}"]`);
/** The field errors shown in the label of an input. */
const errorsBeside = (wrapper: VueWrapper, testId: string) =>
  [...input(wrapper, testId).element.closest('label')!.querySelectorAll('[data-testid="field-error"] li')].map((li) => li.textContent);

/** The `update` prop: saves, as far as the form can tell. */
const saving = () => vi.fn(async (_before: Team, _values: TeamFormValues): Promise<unknown> => true);

/** What the last save of the edit form sends, as useTeams sends it. */
function sent(update: ReturnType<typeof saving>): unknown {
  const [before, values] = update.mock.lastCall!;
  return toUpdateTeamInput(values, before);
}

afterEach(() => vi.unstubAllGlobals());

describe('TeamsSection', () => {
  // The form was cleared after a create but for its tags, so the next team created silently got them too.
  it('should clear every field of the create form after a team is created, its tags too', async () => {
    const create = vi.fn(async (_values: TeamFormValues) => true);
    const wrapper = mount(TeamsSection, { props: { ...baseProps, create, canCreate: true } });
    const field = (testId: string) => wrapper.get<HTMLInputElement>(`.create-form [data-testid="${testId}"]`);
    await field('team-name').setValue('tags-a');
    await field('team-tags').setValue('secret-project');
    await field('team-budget').setValue('3');
    await wrapper.get('[data-testid="team-create"]').trigger('submit');
    await flushPromises();
    expect(create.mock.lastCall![0]).toMatchObject({ name: 'tags-a', tags: 'secret-project' });
    expect([field('team-name'), field('team-tags'), field('team-budget')].map((f) => f.element.value)).toEqual(['', '', '']);
  });

  it("should list each team's budget, alert and limits, and its members'", () => {
    const wrapper = mount(TeamsSection, { props: { ...baseProps, teams: [research, team({ id: 'team-2', name: 'ml' })] } });

    expect(cell(wrapper, 'team-1', 'budget')).toBe('$100.00 monthly budget · alert at $80.00 · 600 rpm');
    expect(cell(wrapper, 'team-1', 'member-limits')).toBe('$10.00 per member per month · alert at $8.00');
    expect(cell(wrapper, 'team-2', 'budget')).toBe('No limit');
    // Its tags (spend by tag, tag budgets) beside its name.
    expect(wrapper.findAll('[data-team-id="team-1"] [data-testid="team-tag"]').map((tag) => tag.text())).toEqual(['cost-center-7']);
    expect(wrapper.findAll('[data-team-id="team-2"] [data-testid="team-tag"]')).toHaveLength(0);
  });

  it("should open an edit form filled with the team's settings, and save nothing until one changes", async () => {
    const update = saving();
    const wrapper = mount(TeamsSection, { props: { ...baseProps, update } });
    expect(wrapper.find('[data-testid="team-edit-form"]').exists()).toBe(false);

    await wrapper.get('[data-testid="team-edit"]').trigger('click');

    expect(wrapper.get('[data-testid="team-edit-form"] h3').text()).toBe('Edit research');
    expect(input(wrapper, 'team-edit-name').element.value).toBe('research');
    expect(input(wrapper, 'team-edit-budget').element.value).toBe('100');
    expect(input(wrapper, 'team-edit-soft-budget').element.value).toBe('80');
    expect(wrapper.get<HTMLSelectElement>('[data-testid="team-edit-budget-duration"]').element.value).toBe('1mo');
    expect(input(wrapper, 'team-edit-rpm').element.value).toBe('600');
    expect(input(wrapper, 'team-edit-tpm').element.value).toBe('');
    expect(input(wrapper, 'team-edit-member-budget').element.value).toBe('10');
    expect(input(wrapper, 'team-edit-member-soft-budget').element.value).toBe('8');
    expect(input(wrapper, 'team-edit-tags').element.value).toBe('cost-center-7');
    // No organization to choose: a team stays in its own.
    expect(wrapper.find('[data-testid="team-edit-org"]').exists()).toBe(false);
    // The create form's inputs keep their own test ids.
    expect(wrapper.find('[data-testid="team-edit-form"] [data-testid="team-name"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="team-edit-pending"]').text()).toBe('No changes');
    expect(wrapper.get('[data-testid="team-edit-save"]').attributes('disabled')).toBeDefined();
  });

  it('should save only the changed fields, a cleared one as null, and close on success', async () => {
    const update = saving();
    const wrapper = mount(TeamsSection, { props: { ...baseProps, update } });
    await wrapper.get('[data-testid="team-edit"]').trigger('click');

    await input(wrapper, 'team-edit-budget').setValue('250');
    await input(wrapper, 'team-edit-member-soft-budget').setValue('');
    await input(wrapper, 'team-edit-tpm').setValue('100000');
    await input(wrapper, 'team-edit-tags').setValue('cost-center-7, eu');
    expect(wrapper.get('[data-testid="team-edit-pending"]').text()).toBe('4 settings changed');
    await wrapper.get('[data-testid="team-edit-form"]').trigger('submit');
    await flushPromises();

    expect(update).toHaveBeenCalledTimes(1);
    expect(update.mock.lastCall?.[0]).toBe(research);
    expect(sent(update)).toEqual({ input: { maxBudget: 250, memberSoftBudget: null, tpmLimit: 100000, tags: ['cost-center-7', 'eu'] } });
    expect(wrapper.find('[data-testid="team-edit-form"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="team-edit"]').exists()).toBe(true);
  });

  it('should refuse a mistyped amount rather than read it as no budget (a number input gave blank for it)', async () => {
    // As useTeams does with values that do not parse: nothing saved, the form stays open.
    const update = vi.fn(async (_before: Team, _values: TeamFormValues): Promise<unknown> => false);
    const wrapper = mount(TeamsSection, { props: { ...baseProps, update } });
    await wrapper.get('[data-testid="team-edit"]').trigger('click');
    for (const typo of ['10e', '2,5']) {
      await input(wrapper, 'team-edit-budget').setValue(typo);
      await wrapper.get('[data-testid="team-edit-form"]').trigger('submit');
      await flushPromises();
      expect(sent(update)).toEqual({ error: { message: 'Please correct the highlighted field.', fieldErrors: { maxBudget: ['Enter an amount in US dollars.'] } } });
    }
  });

  it('should say that a new period starts when the period is changed', async () => {
    const update = saving();
    const wrapper = mount(TeamsSection, { props: { ...baseProps, update } });
    await wrapper.get('[data-testid="team-edit"]').trigger('click');

    await wrapper.get('[data-testid="team-edit-budget-duration"]').setValue('7d');

    expect(wrapper.get('[data-testid="team-edit-pending"]').text()).toBe(
      '1 setting changed; saving starts a new budget period now, for the team and its members',
    );
    await wrapper.get('[data-testid="team-edit-form"]').trigger('submit');
    expect(sent(update)).toEqual({ input: { budgetDuration: '7d' } });
  });

  it('should keep the form as typed when the list is read again while editing', async () => {
    const update = saving();
    const wrapper = mount(TeamsSection, { props: { ...baseProps, update } });
    await wrapper.get('[data-testid="team-edit"]').trigger('click');
    await input(wrapper, 'team-edit-budget').setValue('250');

    // The spend moved; another admin changed the name meanwhile.
    await wrapper.setProps({ teams: [{ ...research, spend: 1.5, name: 'research-2' }] });

    expect(input(wrapper, 'team-edit-budget').element.value).toBe('250');
    await wrapper.get('[data-testid="team-edit-form"]').trigger('submit');
    expect(sent(update)).toEqual({ input: { maxBudget: 250 } });
  });

  it("should show the server's field errors beside their fields and the rest in the form's alert", async () => {
    const refused: FormError = {
      message: 'Invalid input',
      fieldErrors: {
        softBudget: ['must not be more than maxBudget (50): a soft budget warns before the hard budget refuses'],
        memberSoftBudget: ['must not be more than memberMaxBudget (10)'],
        _: ['the team changed meanwhile'],
      },
    };
    const wrapper = mount(TeamsSection, { props: { ...baseProps, update: async () => false } });
    await wrapper.get('[data-testid="team-edit"]').trigger('click');
    await input(wrapper, 'team-edit-budget').setValue('50');
    await wrapper.get('[data-testid="team-edit-form"]').trigger('submit');
    await wrapper.setProps({ updateError: { teamId: 'team-1', error: refused } });

    expect(errorsBeside(wrapper, 'team-edit-soft-budget')).toEqual([
      'must not be more than maxBudget (50): a soft budget warns before the hard budget refuses',
    ]);
    expect(input(wrapper, 'team-edit-soft-budget').attributes('aria-invalid')).toBe('true');
    expect(errorsBeside(wrapper, 'team-edit-member-soft-budget')).toEqual(['must not be more than memberMaxBudget (10)']);
    expect(errorsBeside(wrapper, 'team-edit-budget')).toEqual([]);
    expect(input(wrapper, 'team-edit-budget').attributes('aria-invalid')).toBeUndefined();
    // The alert: the message and what no field shows, once each.
    const alert = wrapper.get('[data-testid="team-edit-error"]').text();
    expect(alert).toContain('Invalid input');
    expect(alert).toContain('the team changed meanwhile');
    expect(alert).not.toContain('maxBudget');
    // Still open, with what was typed.
    expect(input(wrapper, 'team-edit-budget').element.value).toBe('50');
  });

  it("should show a refusal about no field, such as a duplicate name's CONFLICT, and not show it again on reopening", async () => {
    const wrapper = mount(TeamsSection, { props: { ...baseProps, update: async () => false } });
    await wrapper.get('[data-testid="team-edit"]').trigger('click');
    await input(wrapper, 'team-edit-name').setValue('ml');
    await wrapper.get('[data-testid="team-edit-form"]').trigger('submit');
    await wrapper.setProps({
      updateError: { teamId: 'team-1', error: { message: 'Team "ml" already exists', fieldErrors: { name: ['already exists'] } } },
    });

    expect(errorsBeside(wrapper, 'team-edit-name')).toEqual(['already exists']);
    expect(wrapper.get('[data-testid="team-edit-error"]').text()).toBe('Team "ml" already exists');

    await wrapper.get('[data-testid="team-edit-cancel"]').trigger('click');
    await wrapper.get('[data-testid="team-edit"]').trigger('click');
    expect(input(wrapper, 'team-edit-name').element.value).toBe('research');
    expect(wrapper.find('[data-testid="team-edit-form"] [data-testid="field-error"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="team-edit-error"]').exists()).toBe(false);
  });

  it('should block a team after confirmation, and unblock it at once', async () => {
    const confirm = vi.fn(() => false);
    vi.stubGlobal('confirm', confirm);
    const wrapper = mount(TeamsSection, { props: { ...baseProps, teams: [research, team({ id: 'team-2', name: 'ml', blocked: true })] } });

    await wrapper.get('[data-team-id="team-1"] [data-testid="team-block"]').trigger('click');
    expect(confirm).toHaveBeenCalledWith('Block team "research"? Requests with its keys are refused until it is unblocked.');
    expect(wrapper.emitted('setBlocked')).toBeUndefined();

    confirm.mockReturnValue(true);
    await wrapper.get('[data-team-id="team-1"] [data-testid="team-block"]').trigger('click');
    expect(wrapper.get('[data-team-id="team-2"] [data-testid="team-blocked"]').text()).toBe('blocked');
    expect(wrapper.get('[data-team-id="team-2"] [data-testid="team-block"]').text()).toBe('Unblock');
    await wrapper.get('[data-team-id="team-2"] [data-testid="team-block"]').trigger('click');

    expect(wrapper.emitted('setBlocked')).toEqual([
      ['team-1', true],
      ['team-2', false],
    ]);
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(wrapper.find('[data-team-id="team-1"] [data-testid="team-blocked"]').exists()).toBe(false);
  });

  it('should show a refused block', () => {
    const wrapper = mount(TeamsSection, { props: { ...baseProps, actionError: 'Could not block research: You may not do this.' } });
    expect(wrapper.get('[data-testid="team-action-error"]').text()).toBe('Could not block research: You may not do this.');
  });

  it('should show a team declared in the config file read-only, with a note', () => {
    const wrapper = mount(TeamsSection, { props: { ...baseProps, teams: [research, fromFile] } });

    const row = wrapper.get('[data-testid="team-row"][data-team-id="team-f"]');
    expect(row.find('[data-testid="file-badge"]').exists()).toBe(true);
    expect(row.get('[data-testid="team-read-only"]').text()).toBe('read-only');
    expect(row.find('[data-testid="team-edit"]').exists()).toBe(false);
    expect(row.find('[data-testid="team-block"]').exists()).toBe(false);
    expect(row.find('[data-testid="team-members-toggle"]').exists()).toBe(true);
    expect(wrapper.get('[data-testid="teams-file-note"]').text()).toContain('declared in the config file and can only be changed there');
    // The team beside it is editable.
    expect(wrapper.find('[data-team-id="team-1"] [data-testid="team-edit"]').exists()).toBe(true);
  });

  it("should offer no edit or block to a viewer who may not govern teams, such as a team's own admin", () => {
    const wrapper = mount(TeamsSection, { props: { ...baseProps, teams: [research, fromFile], canGovern: false } });

    expect(wrapper.find('[data-testid="team-edit"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="team-block"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="team-read-only"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="teams-file-note"]').exists()).toBe(false);
    expect(wrapper.findAll('[data-testid="team-members-toggle"]')).toHaveLength(2);
  });
});

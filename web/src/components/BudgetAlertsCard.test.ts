import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { BudgetAlert } from '../api/operations';
import BudgetAlertsCard from './BudgetAlertsCard.vue';

const alert = (overrides: Partial<BudgetAlert>): BudgetAlert => ({
  id: '1',
  threshold: 'soft_budget',
  subjectKind: 'key',
  subjectId: 'key-1',
  subjectName: 'ci',
  budgetDuration: null,
  budget: 10,
  spend: 10.25,
  createdAt: '2025-01-02T03:04:05.000Z',
  ...overrides,
});

describe('BudgetAlertsCard', () => {
  it('should tell soft from hard budgets and name each subject', () => {
    const wrapper = mount(BudgetAlertsCard, {
      props: {
        loading: false,
        error: null,
        alerts: [
          alert({ id: '2', threshold: 'max_budget', subjectKind: 'end_user', subjectName: null, subjectId: 'eu-9' }),
          alert({}),
          alert({ id: '3', threshold: 'max_budget', subjectKind: 'team_member', subjectName: 'bob@acme.test in research', subjectId: 'm-1' }),
        ],
      },
    });
    const rows = wrapper.findAll('[data-testid="budget-alert"]');
    expect(rows.map((row) => row.get('[data-testid="budget-alert-subject"]').text())).toEqual([
      'End user eu-9',
      'Key ci',
      'Team member bob@acme.test in research',
    ]);
    expect(rows.map((row) => row.get('.tag').text())).toEqual(['Budget reached', 'Soft budget reached', 'Budget reached']);
    expect(rows[1]?.text()).toContain('$10.25 of $10.00 ·');
  });

  it("should name the budget's period where it has one", () => {
    const wrapper = mount(BudgetAlertsCard, { props: { loading: false, error: null, alerts: [alert({ budgetDuration: '1d' }), alert({ id: '2', budgetDuration: '1mo' })] } });
    const rows = wrapper.findAll('[data-testid="budget-alert"]');
    expect(rows[0]?.text()).toContain('$10.25 of $10.00 daily budget');
    expect(rows[1]?.text()).toContain('$10.25 of $10.00 monthly budget');
  });

  it('should say when no budget was reached, and offer a retry after an error', async () => {
    const empty = mount(BudgetAlertsCard, { props: { loading: false, error: null, alerts: [] } });
    expect(empty.find('[data-testid="budget-alerts-empty"]').exists()).toBe(true);

    const failed = mount(BudgetAlertsCard, { props: { loading: false, error: 'Unexpected error.', alerts: [] } });
    expect(failed.find('[data-testid="budget-alerts-empty"]').exists()).toBe(false);
    await failed.get('button').trigger('click');
    expect(failed.emitted('retry')).toHaveLength(1);
  });
});

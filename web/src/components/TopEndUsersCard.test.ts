import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { EndUserSpend } from '../api/operations';
import TopEndUsersCard from './TopEndUsersCard.vue';

const endUser = (overrides: Partial<EndUserSpend>): EndUserSpend => ({
  id: 'eu-1',
  externalId: 'alice',
  alias: null,
  spend: 0.42,
  maxBudget: null,
  budgetDuration: null,
  followsAnyEndUser: true,
  ...overrides,
});
const defaults = endUser({ id: 'eu-any', externalId: '*', spend: 0, maxBudget: 0.5, budgetDuration: '1d', followsAnyEndUser: false });

describe('TopEndUsersCard', () => {
  it("shows each end user's spend against the budget it is held to: the default of *, or its own", () => {
    const wrapper = mount(TopEndUsersCard, {
      props: {
        loading: false,
        error: null,
        defaults,
        endUsers: [endUser({}), endUser({ id: 'eu-2', externalId: 'cust-9', alias: 'Acme', spend: 3, maxBudget: 10, budgetDuration: '1mo', followsAnyEndUser: false }), endUser({ id: 'eu-3', externalId: 'free', spend: 0.1, followsAnyEndUser: false })],
      },
    });
    expect(wrapper.get('[data-testid="end-user-defaults"]').text()).toBe('Every end user without settings of its own: $0.50 daily budget.');
    const rows = wrapper.findAll('[data-testid="top-end-user"]');
    expect(rows.map((row) => row.get('[data-testid="top-end-user-name"]').text())).toEqual(['alice', 'Acme', 'free']);
    expect(rows[0]!.text()).toContain('$0.420000 of $0.50 daily budget');
    expect(rows[1]!.text()).toContain('$3.000000 of $10.00 monthly budget');
    // Settings of its own without a budget: the spend alone.
    expect(rows[2]!.text()).not.toContain(' of ');
  });

  it('says when no end user was named yet, and offers a retry after an error', async () => {
    const empty = mount(TopEndUsersCard, { props: { loading: false, error: null, defaults: null, endUsers: [] } });
    expect(empty.find('[data-testid="top-end-users-empty"]').exists()).toBe(true);
    expect(empty.find('[data-testid="end-user-defaults"]').exists()).toBe(false);
    const failed = mount(TopEndUsersCard, { props: { loading: false, error: 'Unexpected error.', defaults: null, endUsers: [] } });
    await failed.get('button').trigger('click');
    expect(failed.emitted('retry')).toHaveLength(1);
  });
});

import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { model, organization, team } from '../testing/fixtures';
import ModelsSection from './ModelsSection.vue';
import OrganizationsSection from './OrganizationsSection.vue';
import TeamsSection from './TeamsSection.vue';

const TITLE = 'Declared in the config file; change it there';
const listProps = { loading: false, loadError: null, creating: false, createError: null, create: async () => true };

describe('rows declared in the config file', () => {
  it('should mark a file-managed organization and offer no block on it', () => {
    const wrapper = mount(OrganizationsSection, {
      props: {
        ...listProps,
        actionError: null,
        canManage: true,
        organizations: [organization({ managedBy: 'file' }), organization({ id: 'org-2', name: 'beta' })],
      },
    });

    const [fileRow, apiRow] = wrapper.findAll('[data-testid="org-row"]');
    expect(fileRow?.get('[data-testid="file-badge"]').attributes('title')).toBe(TITLE);
    expect(fileRow?.find('[data-testid="org-block"]').exists()).toBe(false);
    expect(apiRow?.find('[data-testid="file-badge"]').exists()).toBe(false);
    expect(apiRow?.find('[data-testid="org-block"]').exists()).toBe(true);
  });

  it('should mark file-managed teams and models', () => {
    const teams = mount(TeamsSection, {
      props: { ...listProps, teams: [team({ managedBy: 'file' }), team({ id: 'team-2', name: 'ml' })] },
    });
    expect(teams.findAll('[data-testid="team-row"]').map((row) => row.find('[data-testid="file-badge"]').exists())).toEqual([true, false]);
    expect(teams.get('[data-testid="file-badge"]').attributes('title')).toBe(TITLE);

    const models = mount(ModelsSection, {
      props: { loading: false, loadError: null, models: [model(), model({ id: 'model-2', name: 'file-gpt', managedBy: 'file' })] },
    });
    // A model group is declared in the file as a whole: the badge is on its row (groups in name order).
    expect(models.findAll('[data-testid="model-group"]').map((group) => group.find('[data-testid="file-badge"]').exists())).toEqual([true, false]);
  });
});

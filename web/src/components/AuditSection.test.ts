import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { auditEntry, USER_ID } from '../testing/fixtures';
import AuditSection from './AuditSection.vue';

const baseProps = {
  entries: [],
  filter: { action: '', entityType: '' },
  loading: false,
  loadingMore: false,
  hasNextPage: false,
  error: null,
};

describe('AuditSection', () => {
  it('should show who did what to which entity, and what changed', () => {
    const wrapper = mount(AuditSection, {
      props: {
        ...baseProps,
        entries: [
          auditEntry({
            id: '2',
            action: 'key.update',
            actorId: USER_ID,
            actorRole: 'org_admin',
            entityType: 'key',
            before: { alias: 'ci', blocked: false, updatedAt: 'a' },
            after: { alias: 'ci', blocked: true, updatedAt: 'b' },
          }),
          auditEntry({ id: '1' }),
        ],
        names: new Map([[USER_ID, 'ada@acme.test']]),
      },
    });

    const rows = wrapper.findAll('[data-testid="audit-row"]');
    expect(rows.map((r) => r.attributes('data-action'))).toEqual(['key.update', 'team.create']);
    expect(rows[0]?.get('[data-col="actor"]').text()).toContain('ada@acme.test');
    expect(rows[0]?.get('[data-col="entity"]').text()).toContain('ci');
    expect(rows[0]?.findAll('[data-testid="audit-changes"] li').map((li) => li.text())).toEqual(['blocked: false → true']);
    expect(rows[1]?.get('[data-col="actor"]').text()).toContain('Master key');
    expect(rows[1]?.get('[data-col="changes"]').text()).toContain('research');
  });

  it('should ask for a filter change, a refresh and more entries', async () => {
    const wrapper = mount(AuditSection, { props: { ...baseProps, entries: [auditEntry()], hasNextPage: true } });

    await wrapper.get('[data-testid="audit-filter-action"]').setValue('user.create');
    await wrapper.get('[data-testid="audit-filter-entity"]').setValue('user');
    await wrapper.get('[data-testid="audit-load-more"]').trigger('click');
    await wrapper.get('[data-testid="audit-refresh"]').trigger('click');

    expect(wrapper.emitted('filter')).toEqual([[{ action: 'user.create' }], [{ entityType: 'user' }]]);
    expect(wrapper.emitted('loadMore')).toHaveLength(1);
    expect(wrapper.emitted('refresh')).toHaveLength(1);
  });

  it('should hide "load more" on the last page and say when nothing matches', () => {
    const wrapper = mount(AuditSection, { props: { ...baseProps, filter: { action: 'org.delete', entityType: '' } } });
    expect(wrapper.find('[data-testid="audit-load-more"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('No audit entries match the filter.');
  });
});

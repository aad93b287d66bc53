import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createdKey, team, virtualKey } from '../testing/fixtures';
import KeysSection from './KeysSection.vue';

const baseProps = {
  keys: [],
  teams: [],
  loading: false,
  loadError: null,
  creating: false,
  createError: null,
  createdKey: null,
  deleteError: null,
  create: async () => true,
};

afterEach(() => vi.unstubAllGlobals());

describe('KeysSection', () => {
  it('should show a created key exactly, with a warning, and emit dismiss', async () => {
    const created = createdKey();
    const wrapper = mount(KeysSection, { props: { ...baseProps, createdKey: created } });

    expect(wrapper.get('[data-testid="created-key-value"]').element.textContent).toBe(created.key);
    expect(wrapper.get('[data-testid="created-key"]').text()).toContain('will not be shown again');

    await wrapper.get('[data-testid="created-key-dismiss"]').trigger('click');
    expect(wrapper.emitted('dismissCreated')).toHaveLength(1);
  });

  it('should copy the created key to the clipboard', async () => {
    const created = createdKey();
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const wrapper = mount(KeysSection, { props: { ...baseProps, createdKey: created } });

    await wrapper.get('[data-testid="created-key-copy"]').trigger('click');
    await Promise.resolve();
    await Promise.resolve();

    expect(writeText).toHaveBeenCalledWith(created.key);
    expect(wrapper.get('[data-testid="created-key-copy"]').text()).toBe('Copied');
  });

  it('should list keys with prefix, alias, team, budget and spend', () => {
    const wrapper = mount(KeysSection, {
      props: {
        ...baseProps,
        keys: [
          virtualKey({ alias: 'ci', team: { id: 't', name: 'research' }, maxBudget: 5, spend: 0.000051 }),
          virtualKey({ id: 'key-2' }),
        ],
      },
    });

    const rows = wrapper.findAll('[data-testid="key-row"]');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.text()).toContain('sk-tg-AbCd…');
    expect(rows[0]?.text()).toContain('ci');
    expect(rows[0]?.text()).toContain('research');
    expect(rows[0]?.text()).toContain('$5.00');
    expect(rows[0]?.text()).toContain('$0.000051');
    expect(rows[1]?.text()).toContain('All models');
  });

  it('should offer "No team" and every team by id', () => {
    const wrapper = mount(KeysSection, {
      props: { ...baseProps, teams: [team(), team({ id: 'team-2', name: 'ml' })] },
    });
    const options = wrapper.findAll('[data-testid="key-team"] option');
    expect(options.map((o) => [o.attributes('value'), o.text()])).toEqual([
      ['', 'No team'],
      ['team-1', 'research'],
      ['team-2', 'ml'],
    ]);
  });

  it('should delete only after confirmation', async () => {
    const wrapper = mount(KeysSection, { props: { ...baseProps, keys: [virtualKey()] } });
    const confirm = vi.fn().mockReturnValueOnce(false).mockReturnValueOnce(true);
    vi.stubGlobal('confirm', confirm);

    await wrapper.get('[data-testid="key-delete"]').trigger('click');
    expect(wrapper.emitted('delete')).toBeUndefined();

    await wrapper.get('[data-testid="key-delete"]').trigger('click');
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(wrapper.emitted('delete')).toEqual([['key-1']]);
  });

  it('should submit the form values and clear the form after success', async () => {
    const create = vi.fn(async () => true);
    const wrapper = mount(KeysSection, { props: { ...baseProps, teams: [team()], create } });

    await wrapper.get('[data-testid="key-team"]').setValue('team-1');
    await wrapper.get('[data-testid="key-alias"]').setValue('ci');
    await wrapper.get('[data-testid="key-models"]').setValue('mock-gpt');
    await wrapper.get('[data-testid="key-budget"]').setValue('2.5');
    await wrapper.get('[data-testid="key-create"]').trigger('submit');
    await Promise.resolve();

    expect(create).toHaveBeenCalledWith({ teamId: 'team-1', alias: 'ci', models: 'mock-gpt', budget: 2.5 });
    expect((wrapper.get('[data-testid="key-alias"]').element as HTMLInputElement).value).toBe('');
  });
});

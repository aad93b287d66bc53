import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createdKey, team, user, USER_ID, virtualKey } from '../testing/fixtures';
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

    expect(create).toHaveBeenCalledWith({ teamId: 'team-1', keyType: 'llm_api', alias: 'ci', models: 'mock-gpt', budget: '2.5' });
    expect((wrapper.get('[data-testid="key-alias"]').element as HTMLInputElement).value).toBe('');
  });

  it("should show each key's type and owner", () => {
    const wrapper = mount(KeysSection, {
      props: {
        ...baseProps,
        keys: [
          virtualKey({ keyType: 'management', ownerId: USER_ID }),
          virtualKey({ id: 'key-2', ownerId: 'a1b2c3d4-0000-4000-8000-000000000000' }),
          virtualKey({ id: 'key-3', ownerId: 'other' }),
        ],
        ownerNames: new Map([['other', 'bob@acme.test']]),
        viewerUserId: USER_ID,
      },
    });

    const rows = wrapper.findAll('[data-testid="key-row"]');
    expect(rows.map((row) => row.get('[data-col="type"]').text())).toEqual(['Management', 'LLM API', 'LLM API']);
    expect(rows.map((row) => row.get('[data-col="owner"]').text())).toEqual(['you', 'a1b2c3d4…', 'bob@acme.test']);
  });

  it('should block after confirmation and unblock at once', async () => {
    const wrapper = mount(KeysSection, {
      props: { ...baseProps, keys: [virtualKey(), virtualKey({ id: 'key-2', blocked: true })] },
    });
    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);

    const buttons = wrapper.findAll('[data-testid="key-block"]');
    expect(buttons.map((b) => b.text())).toEqual(['Block', 'Unblock']);
    await buttons[0]!.trigger('click');
    await buttons[1]!.trigger('click');

    expect(confirm).toHaveBeenCalledTimes(1);
    expect(wrapper.emitted('setBlocked')).toEqual([
      ['key-1', true],
      ['key-2', false],
    ]);
    expect(wrapper.get('[data-testid="key-row"][data-key-id="key-2"]').text()).toContain('blocked');
  });

  // An owner who does not govern the key (an internal user, not an admin of its team) may rename, block and
  // regenerate it, nothing else: the dashboard offered every field and Unblock, which the API then refused.
  it("should offer a key's owner only what an owner may change, and say who unblocks a key they block", async () => {
    const update = vi.fn(async () => true);
    const own = virtualKey({ alias: 'mine', viewerCanGovern: false });
    const wrapper = mount(KeysSection, { props: { ...baseProps, keys: [own, virtualKey({ id: 'key-2', blocked: true, viewerCanGovern: false })], update, regenerate: async () => null } });
    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);

    expect(wrapper.findAll('[data-testid="key-block"]').map((b) => b.text())).toEqual(['Block']);
    expect(wrapper.get('[data-testid="key-row"][data-key-id="key-2"] [data-testid="key-blocked-note"]').text()).toContain('an admin unblocks it');
    await wrapper.get('[data-testid="key-block"]').trigger('click');
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining('you cannot unblock it yourself'));

    await wrapper.get('[data-testid="key-edit"]').trigger('click');
    const form = wrapper.get('[data-testid="key-edit-form"]');
    expect(form.find('[data-testid="key-edit-budget"]').exists()).toBe(false);
    expect(form.find('[data-testid="key-edit-models"]').exists()).toBe(false);
    expect(form.get('[data-testid="key-edit-owner-note"]').text()).toContain('set by an admin');
    await form.get('[data-testid="key-edit-alias"]').setValue('renamed');
    await form.trigger('submit');
    await Promise.resolve();
    expect(update).toHaveBeenCalledWith(own, expect.objectContaining({ alias: 'renamed' }));
  });

  it('should hide the form and the row actions when the viewer may not use them', () => {
    const wrapper = mount(KeysSection, {
      props: { ...baseProps, keys: [virtualKey()], canCreate: false, canManage: false },
    });
    expect(wrapper.find('[data-testid="key-create"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="key-block"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="key-delete"]').exists()).toBe(false);
  });

  it('should let an admin pick the owner and the type of a new key', async () => {
    const create = vi.fn(async () => true);
    const wrapper = mount(KeysSection, {
      props: { ...baseProps, create, owners: [user({ id: 'u2', email: 'bob@acme.test' })], defaultOwnerLabel: 'Nobody' },
    });

    expect(wrapper.findAll('[data-testid="key-owner"] option').map((o) => o.text())).toEqual(['Nobody', 'bob@acme.test']);
    await wrapper.get('[data-testid="key-owner"]').setValue('u2');
    await wrapper.get('[data-testid="key-type"]').setValue('management');
    await wrapper.get('[data-testid="key-create"]').trigger('submit');

    expect(create).toHaveBeenCalledWith(expect.objectContaining({ ownerId: 'u2', keyType: 'management' }));
  });

  it("should offer as owners of a team's key only users of the team's organization, unchoosing one it does not take", async () => {
    const acme = team({ id: 'team-a', name: 'acme-team', organizationId: 'org-acme' });
    const owners = [
      user({ id: 'u-acme', email: 'ann@acme.test', role: 'internal_user', organizationId: 'org-acme' }),
      user({ id: 'u-globex', email: 'gina@globex.test', role: 'internal_user', organizationId: 'org-globex' }),
      user({ id: 'u-proxy', email: 'root@proxy.test', role: 'proxy_admin', organizationId: null }),
    ];
    const wrapper = mount(KeysSection, { props: { ...baseProps, teams: [acme], owners, defaultOwnerLabel: 'Nobody' } });
    const offered = () => wrapper.findAll('[data-testid="key-owner"] option').map((o) => o.text());
    expect(offered()).toEqual(['Nobody', 'ann@acme.test', 'gina@globex.test', 'root@proxy.test']);
    await wrapper.get('[data-testid="key-owner"]').setValue('u-globex');
    await wrapper.get('[data-testid="key-team"]').setValue('team-a');
    expect(offered()).toEqual(['Nobody', 'ann@acme.test']);
    expect((wrapper.get('[data-testid="key-owner"]').element as HTMLSelectElement).value).toBe('');
  });

  it('should mark a file-managed key and offer no block or delete on it', () => {
    const wrapper = mount(KeysSection, {
      props: { ...baseProps, keys: [virtualKey({ managedBy: 'file' }), virtualKey({ id: 'key-2' })] },
    });

    const fileRow = wrapper.get('[data-testid="key-row"][data-key-id="key-1"]');
    expect(fileRow.get('[data-testid="file-badge"]').text()).toBe('file');
    expect(fileRow.get('[data-testid="file-badge"]').attributes('title')).toBe('Declared in the config file; change it there');
    expect(fileRow.find('[data-testid="key-block"]').exists()).toBe(false);
    expect(fileRow.find('[data-testid="key-delete"]').exists()).toBe(false);

    const apiRow = wrapper.get('[data-testid="key-row"][data-key-id="key-2"]');
    expect(apiRow.find('[data-testid="file-badge"]').exists()).toBe(false);
    expect(apiRow.find('[data-testid="key-block"]').exists()).toBe(true);
    expect(apiRow.find('[data-testid="key-delete"]').exists()).toBe(true);
  });

  it('should emit the search as typed and the team as chosen', async () => {
    const wrapper = mount(KeysSection, { props: { ...baseProps, teams: [team()] } });

    expect(wrapper.findAll('[data-testid="key-filter-team"] option').map((o) => o.text())).toEqual(['All teams', 'research']);
    await wrapper.get('[data-testid="key-search"]').setValue('note');
    await wrapper.get('[data-testid="key-filter-team"]').setValue('team-1');

    expect(wrapper.emitted('filter')).toEqual([[{ search: 'note' }], [{ teamId: 'team-1' }]]);
  });

  it('should offer "Load more" only while more keys match, and say when none match the filter', async () => {
    const wrapper = mount(KeysSection, { props: { ...baseProps, keys: [virtualKey()], hasNextPage: true } });

    expect(wrapper.get('.badge').text()).toBe('1+');
    await wrapper.get('[data-testid="key-load-more"]').trigger('click');
    expect(wrapper.emitted('loadMore')).toHaveLength(1);

    await wrapper.setProps({ loadingMore: true });
    expect(wrapper.get('[data-testid="key-load-more"]').attributes('disabled')).toBeDefined();

    await wrapper.setProps({ keys: [], hasNextPage: false, loadingMore: false, filter: { search: 'zzz', teamId: '' } });
    expect(wrapper.find('[data-testid="key-load-more"]').exists()).toBe(false);
    expect((wrapper.get('[data-testid="key-search"]').element as HTMLInputElement).value).toBe('zzz');
    expect(wrapper.get('[data-testid="keys-list"]').text()).toContain('No keys match the filter.');
  });

  it("should open a key's settings under its row, save only the change, and close", async () => {
    const update = vi.fn(async () => true);
    const before = virtualKey({ alias: 'ci', maxBudget: 5, rpmLimit: 60, tags: ['a'] });
    const wrapper = mount(KeysSection, { props: { ...baseProps, keys: [before], update, regenerate: async () => null } });

    await wrapper.get('[data-testid="key-edit"]').trigger('click');
    const form = wrapper.get('[data-testid="key-edit-form"]');
    expect((form.get('[data-testid="key-edit-budget"]').element as HTMLInputElement).value).toBe('5');
    expect(form.get('[data-testid="key-edit-pending"]').text()).toBe('No changes');
    expect(form.get('[data-testid="key-edit-save"]').attributes('disabled')).toBeDefined();

    await form.get('[data-testid="key-edit-budget"]').setValue('12');
    await form.get('[data-testid="key-edit-budget-duration"]').setValue('1d');
    expect(form.get('[data-testid="key-edit-pending"]').text()).toBe('2 settings changed; saving starts a new budget period now');
    await form.trigger('submit');
    await Promise.resolve();

    expect(update).toHaveBeenCalledWith(before, expect.objectContaining({ budget: '12', budgetDuration: '1d', alias: 'ci', rpmLimit: 60 }));
    await Promise.resolve();
    expect(wrapper.find('[data-testid="key-edit-form"]').exists()).toBe(false);
  });

  it("should show a failed save's field errors beside the field, and keep what was typed", async () => {
    const wrapper = mount(KeysSection, {
      props: { ...baseProps, keys: [virtualKey({ maxBudget: 5 })], update: async () => false, regenerate: async () => null },
    });
    await wrapper.get('[data-testid="key-edit"]').trigger('click');
    await wrapper.get('[data-testid="key-edit-soft-budget"]').setValue('9');
    await wrapper.get('[data-testid="key-edit-form"]').trigger('submit');
    await wrapper.setProps({ saveError: { message: 'Invalid input', fieldErrors: { softBudget: ['must be at most maxBudget'] } } });

    expect(wrapper.get('[data-testid="key-edit-soft-budget"]').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="key-edit-form"]').text()).toContain('must be at most maxBudget');
    expect((wrapper.get('[data-testid="key-edit-soft-budget"]').element as HTMLInputElement).value).toBe('9');
  });

  it('should regenerate a key after confirming, with the grace period chosen, and not when cancelled', async () => {
    const regenerate = vi.fn(async () => createdKey());
    const confirm = vi.fn(() => false);
    vi.stubGlobal('confirm', confirm);
    const wrapper = mount(KeysSection, { props: { ...baseProps, keys: [virtualKey({ alias: 'ci' })], update: async () => true, regenerate } });
    await wrapper.get('[data-testid="key-edit"]').trigger('click');

    await wrapper.get('[data-testid="key-regenerate-grace"]').setValue('86400');
    await wrapper.get('[data-testid="key-regenerate-submit"]').trigger('click');
    expect(confirm).toHaveBeenCalledWith('Give key "ci" (sk-tg-AbCd…) a new secret? The current one works 1 more day.');
    expect(regenerate).not.toHaveBeenCalled();

    confirm.mockReturnValue(true);
    await wrapper.get('[data-testid="key-regenerate-submit"]').trigger('click');
    expect(regenerate).toHaveBeenCalledWith('key-1', 86400);
  });

  it('should say a shown secret is a new one of an existing key, and until when the old one works', () => {
    const regenerated = createdKey({ alias: 'ci', previousKeyValidUntil: '2031-01-01T00:00:00.000Z' });
    const wrapper = mount(KeysSection, { props: { ...baseProps, createdKey: regenerated, regenerated: true } });

    expect(wrapper.get('[data-testid="created-key"]').text()).toContain('New secret for key ci');
    expect(wrapper.get('[data-testid="created-key-previous"]').text()).toMatch(/^The old secret works until .*2031/);
  });

  it('should offer no edit for a file-managed key, nor without the permission', () => {
    const props = { ...baseProps, update: async () => true, regenerate: async () => null };
    expect(mount(KeysSection, { props: { ...props, keys: [virtualKey({ managedBy: 'file' })] } }).find('[data-testid="key-edit"]').exists()).toBe(false);
    expect(mount(KeysSection, { props: { ...props, keys: [virtualKey()], canManage: false } }).find('[data-testid="key-edit"]').exists()).toBe(false);
  });
});

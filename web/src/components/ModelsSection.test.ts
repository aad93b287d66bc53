import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { model } from '../testing/fixtures';
import ModelsSection from './ModelsSection.vue';

const GPT = [
  model({ id: 'east', name: 'gpt-4o', provider: 'openai', providerModel: 'gpt-4o-2024-08-06', weight: 3, rpmLimit: 600, tpmLimit: 150_000 }),
  model({ id: 'west', name: 'gpt-4o', provider: 'azure', providerModel: 'gpt-4o', weight: 1, rpmLimit: 400, tpmLimit: 100_000, region: 'westeurope', tags: ['eu'] }),
  model({ id: 'north', name: 'gpt-4o', provider: 'openai', providerModel: 'gpt-4o', weight: 0, maxInputTokens: 128_000, timeoutMs: 30_000, streamIdleTimeoutMs: 5_000 }),
];
const baseProps = { loading: false, loadError: null, models: [model(), ...GPT] };

afterEach(() => vi.unstubAllGlobals());

describe('ModelsSection', () => {
  it('should show each name once with its deployments under it', () => {
    const wrapper = mount(ModelsSection, { props: baseProps });
    const groups = wrapper.findAll('[data-testid="model-group"]');
    expect(groups.map((group) => [group.attributes('data-model-name'), group.findAll('[data-testid="model-row"]').length])).toEqual([
      ['gpt-4o', 3],
      ['mock-gpt', 1],
    ]);
    expect(groups[0]!.get('[data-col="deployments"]').text()).toBe('3 deployments');
    expect(groups[0]!.get('[data-col="summary"]').text()).toBe('openai, azure');
    expect(wrapper.get('[data-testid="models-summary"]').text()).toBe('2 names · 4 deployments');

    const cells = (id: string) => {
      const row = wrapper.get(`[data-model-id="${id}"]`);
      return (col: string) => row.get(`[data-col="${col}"]`).text();
    };
    const east = cells('east');
    expect(east('provider')).toBe('openai · gpt-4o-2024-08-06');
    expect(east('weight')).toBe('3 (75%)');
    expect(east('capacity')).toBe('600 rpm · 150K tpm');
    const west = wrapper.get('[data-model-id="west"] [data-col="region-tags"]');
    expect(west.text()).toContain('westeurope');
    expect(west.findAll('.tag').map((tag) => tag.text())).toEqual(['eu']);
    const north = cells('north');
    expect(north('context')).toBe('128K');
    expect(north('timeouts')).toBe('30 s first byte · 5 s idle');
    expect(north('capacity')).toBe('—');
  });

  it('should add a deployment to a group from its row: the form gets its name and says so', async () => {
    const create = vi.fn(async () => true);
    const wrapper = mount(ModelsSection, { props: { ...baseProps, canCreate: true, create }, attachTo: document.body });
    expect(wrapper.get('[data-testid="model-create"]').text()).toBe('Create model');

    await wrapper.get('[data-model-name="gpt-4o"] [data-testid="model-add-deployment"]').trigger('click');
    await wrapper.vm.$nextTick();
    expect((wrapper.get('[data-testid="model-name"]').element as HTMLInputElement).value).toBe('gpt-4o');
    expect(wrapper.get('[data-testid="model-create"]').text()).toBe('Add deployment');
    expect(wrapper.find('[data-testid="model-joins-group"]').exists()).toBe(true);
    expect(document.activeElement).toBe(wrapper.get('[data-testid="model-provider"]').element);

    await wrapper.get('[data-testid="model-weight"]').setValue('2');
    await wrapper.get('[data-testid="model-input-cost"]').setValue('2.5');
    await wrapper.get('[data-testid="model-output-cost"]').setValue('10');
    await wrapper.get('[data-testid="model-form"]').trigger('submit');
    expect(create).toHaveBeenCalledWith(expect.objectContaining({ name: 'gpt-4o', weight: 2 }));
    wrapper.unmount();
  });

  it('should delete one deployment after confirming, naming the ones that stay', async () => {
    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);
    const wrapper = mount(ModelsSection, { props: { ...baseProps, canCreate: true } });
    await wrapper.get('[data-model-id="west"] [data-testid="model-delete"]').trigger('click');
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining('The other 2 deployments of gpt-4o stay.'));
    expect(wrapper.emitted('delete')).toEqual([['west']]);
  });

  it('should offer no actions on a group declared in the config file, nor to roles that may not create models', () => {
    const declared = [model({ id: 'a', name: 'claude', managedBy: 'file', deployment: 'us-east' }), model({ id: 'b', name: 'claude', managedBy: 'file', deployment: 'eu' })];
    const admin = mount(ModelsSection, { props: { ...baseProps, models: declared, canCreate: true } });
    expect(admin.find('[data-testid="model-add-deployment"]').exists()).toBe(false);
    expect(admin.find('[data-testid="model-delete"]').exists()).toBe(false);
    expect(admin.findAll('[data-col="deployment"]').map((cell) => cell.text())).toEqual(['us-east', 'eu']);

    const reader = mount(ModelsSection, { props: baseProps });
    expect(reader.find('[data-testid="model-form"]').exists()).toBe(false);
    expect(reader.find('[data-testid="model-add-deployment"]').exists()).toBe(false);
    expect(reader.find('[data-testid="model-delete"]').exists()).toBe(false);
  });
});

import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { model, modelHealth } from '../testing/fixtures';
import ModelsSection from './ModelsSection.vue';

const GPT = [
  model({ id: 'east', name: 'gpt-4o', provider: 'openai', providerModel: 'gpt-4o-2024-08-06', weight: 3, rpmLimit: 600, tpmLimit: 150_000 }),
  model({
    id: 'west',
    name: 'gpt-4o',
    provider: 'azure',
    providerModel: 'gpt-4o',
    weight: 1,
    rpmLimit: 400,
    tpmLimit: 100_000,
    region: 'westeurope',
    tags: ['eu'],
    responsesApi: true,
    defaultParams: { reasoning_effort: 'low', chat_template_kwargs: { enable_thinking: false } },
  }),
  model({
    id: 'north',
    name: 'gpt-4o',
    provider: 'openai',
    providerModel: 'gpt-4o',
    weight: 0,
    maxInputTokens: 128_000,
    timeoutMs: 30_000,
    streamIdleTimeoutMs: 5_000,
    dropParams: ['metadata', 'tools.*.function.strict'],
    extraHeaders: { 'X-Title': 'Acme', 'X-Proxy-Key': 'env:PROXY_KEY' },
  }),
];
const baseProps = { loading: false, loadError: null, models: [model(), ...GPT] };

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

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
    // Only the deployment marked as serving the Responses API says so.
    expect(wrapper.findAll('[data-testid="model-responses-api-tag"]').map((tag) => tag.element.closest('[data-model-id]')!.getAttribute('data-model-id'))).toEqual(['west']);
    const west = wrapper.get('[data-model-id="west"] [data-col="region-tags"]');
    expect(west.text()).toContain('westeurope');
    expect(west.findAll('.tag').map((tag) => tag.text())).toEqual(['eu']);
    // Only the deployment that drops body fields names them.
    const drops = wrapper.findAll('[data-testid="model-drop-params"]');
    expect(drops.map((line) => [line.element.closest('[data-model-id]')!.getAttribute('data-model-id'), line.text()])).toEqual([
      ['north', 'drops: metadata, tools.*.function.strict'],
    ]);
    // Only the deployment with default body fields names them, the whole object on hover.
    const defaults = wrapper.findAll('[data-testid="model-default-params"]');
    expect(defaults.map((line) => [line.element.closest('[data-model-id]')!.getAttribute('data-model-id'), line.text()])).toEqual([
      ['west', 'defaults: reasoning_effort, chat_template_kwargs'],
    ]);
    expect(defaults[0]!.attributes('title')).toContain('{"reasoning_effort":"low","chat_template_kwargs":{"enable_thinking":false}}');
    // Only the deployment with extra headers names them; never their values, not even on hover.
    const headers = wrapper.findAll('[data-testid="model-extra-headers"]');
    expect(headers.map((line) => [line.element.closest('[data-model-id]')!.getAttribute('data-model-id'), line.text()])).toEqual([
      ['north', 'headers: X-Title, X-Proxy-Key'],
    ]);
    expect(wrapper.html()).not.toContain('Acme');
    expect(wrapper.html()).not.toContain('PROXY_KEY');
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

    // The Responses API box is offered for the providers that may serve it or not, and sent when ticked.
    expect(wrapper.find('[data-testid="model-responses-api"]').exists()).toBe(false);
    await wrapper.get('[data-testid="model-provider"]').setValue('openai_compatible');
    await wrapper.get('[data-testid="model-api-base"]').setValue('http://vllm:8000/v1');
    await wrapper.get('[data-testid="model-responses-api"]').setValue(true);
    await wrapper.get('[data-testid="model-weight"]').setValue('2');
    await wrapper.get('[data-testid="model-input-cost"]').setValue('2.5');
    await wrapper.get('[data-testid="model-output-cost"]').setValue('10');
    await wrapper.get('[data-testid="model-form"]').trigger('submit');
    expect(create).toHaveBeenCalledWith(expect.objectContaining({ name: 'gpt-4o', weight: '2', provider: 'openai_compatible', responsesApi: true }));
    wrapper.unmount();
  });

  it('should send the body fields to drop as typed, and show the server refusing them on that input', async () => {
    const create = vi.fn(async () => null);
    const wrapper = mount(ModelsSection, { props: { ...baseProps, canCreate: true, create } });
    const dropParams = wrapper.get('[data-testid="model-drop-params"]');
    expect(wrapper.get('[data-testid="model-drop-params-hint"]').text()).toContain("for servers that refuse fields they don't know");
    expect(dropParams.attributes('aria-describedby')).toBe(wrapper.get('[data-testid="model-drop-params-hint"]').attributes('id'));

    await wrapper.get('[data-testid="model-name"]').setValue('mistral-large');
    await wrapper.get('[data-testid="model-input-cost"]').setValue('2');
    await wrapper.get('[data-testid="model-output-cost"]').setValue('6');
    await dropParams.setValue('metadata, messages');
    await wrapper.get('[data-testid="model-form"]').trigger('submit');
    expect(create).toHaveBeenCalledWith(expect.objectContaining({ name: 'mistral-large', dropParams: 'metadata, messages' }));

    await wrapper.setProps({
      createError: { message: 'Invalid input.', fieldErrors: { dropParams: ['cannot drop messages: every request needs it'] } },
    });
    expect(dropParams.attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="model-name"]').attributes('aria-invalid')).toBeUndefined();
    expect(wrapper.get('[data-testid="model-error"]').text()).toContain('Drop body fields: cannot drop messages: every request needs it');
    // A refused create keeps what was typed.
    expect((dropParams.element as HTMLInputElement).value).toBe('metadata, messages');
  });

  it('should send the default body fields as typed, and show the refusal of them on that input', async () => {
    const create = vi.fn(async () => null);
    const wrapper = mount(ModelsSection, { props: { ...baseProps, canCreate: true, create } });
    const defaultParams = wrapper.get('[data-testid="model-form"] [data-testid="model-default-params"]');
    expect(defaultParams.attributes('placeholder')).toBe('{"reasoning_effort": "low"}');
    expect(wrapper.get('[data-testid="model-default-params-hint"]').text()).toBe("JSON object; fields a request gets when it doesn't set them");
    expect(defaultParams.attributes('aria-describedby')).toBe(wrapper.get('[data-testid="model-default-params-hint"]').attributes('id'));

    await wrapper.get('[data-testid="model-name"]').setValue('qwen3');
    await wrapper.get('[data-testid="model-input-cost"]').setValue('0');
    await wrapper.get('[data-testid="model-output-cost"]').setValue('0');
    await defaultParams.setValue('{"chat_template_kwargs": {"enable_thinking": false}}');
    await wrapper.get('[data-testid="model-form"]').trigger('submit');
    expect(create).toHaveBeenCalledWith(expect.objectContaining({ name: 'qwen3', defaultParams: '{"chat_template_kwargs": {"enable_thinking": false}}' }));

    await wrapper.setProps({
      createError: { message: 'Invalid input.', fieldErrors: { defaultParams: ['cannot set stream: the gateway sets it for every request'] } },
    });
    expect(defaultParams.attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="model-form"] [data-testid="model-drop-params"]').attributes('aria-invalid')).toBeUndefined();
    expect(wrapper.get('[data-testid="model-error"]').text()).toContain('Default body fields: cannot set stream: the gateway sets it for every request');
    expect((defaultParams.element as HTMLInputElement).value).toBe('{"chat_template_kwargs": {"enable_thinking": false}}');
  });

  it('should send the extra headers as typed, and show the refusal of them on that input', async () => {
    const create = vi.fn(async () => null);
    const wrapper = mount(ModelsSection, { props: { ...baseProps, canCreate: true, create } });
    const extraHeaders = wrapper.get('[data-testid="model-form"] [data-testid="model-extra-headers"]');
    expect(extraHeaders.attributes('placeholder')).toBe('{"X-Title": "Acme", "X-Proxy-Key": "env:PROXY_KEY"}');
    expect(wrapper.get('[data-testid="model-extra-headers-hint"]').text()).toBe('JSON object; credentials as env:NAME or file:/path');
    expect(extraHeaders.attributes('aria-describedby')).toBe(wrapper.get('[data-testid="model-extra-headers-hint"]').attributes('id'));
    expect(extraHeaders.attributes('autocomplete')).toBe('off');

    await wrapper.get('[data-testid="model-name"]').setValue('router');
    await wrapper.get('[data-testid="model-input-cost"]').setValue('1');
    await wrapper.get('[data-testid="model-output-cost"]').setValue('2');
    await extraHeaders.setValue('{"X-Title": "Acme", "X-Proxy-Key": "sk-live-0123"}');
    await wrapper.get('[data-testid="model-form"]').trigger('submit');
    expect(create).toHaveBeenCalledWith(expect.objectContaining({ name: 'router', extraHeaders: '{"X-Title": "Acme", "X-Proxy-Key": "sk-live-0123"}' }));

    const refusal = 'X-Proxy-Key carries a credential, so its value must be a secret reference such as env:NAME or file:/path, not the secret itself';
    await wrapper.setProps({ createError: { message: 'Invalid input.', fieldErrors: { extraHeaders: [refusal] } } });
    expect(extraHeaders.attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="model-form"] [data-testid="model-default-params"]').attributes('aria-invalid')).toBeUndefined();
    expect(wrapper.get('[data-testid="model-error"]').text()).toContain(`Extra headers: ${refusal}`);
    // What was typed stays in its input, and only there.
    expect((extraHeaders.element as HTMLInputElement).value).toBe('{"X-Title": "Acme", "X-Proxy-Key": "sk-live-0123"}');
    expect(wrapper.text()).not.toContain('sk-live');
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

  describe('health', () => {
    const NOW = '2025-01-02T12:00:00.000Z';
    const minutesAgo = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();
    const ERROR = 'openai: 401 Incorrect API key provided: [redacted]';
    const CHECKED = [
      model({ id: 'east', name: 'gpt-4o', health: [modelHealth({ modelId: 'east', latencyMs: 240, checkedAt: minutesAgo(3) })] }),
      model({
        id: 'west',
        name: 'gpt-4o',
        deployment: 'eu',
        health: [
          modelHealth({ modelId: 'west', dataPlaneId: 'dp-1', healthy: false, error: ERROR, latencyMs: 1500, checkedAt: minutesAgo(5) }),
          modelHealth({ modelId: 'west', dataPlaneId: 'dp-2', healthy: false, error: 'openai: connection refused', checkedAt: minutesAgo(90) }),
        ],
      }),
      model({
        id: 'north',
        name: 'gpt-4o',
        health: [
          modelHealth({ modelId: 'north', dataPlaneId: 'dp-1', checkedAt: minutesAgo(2) }),
          modelHealth({ modelId: 'north', dataPlaneId: 'dp-2', checkedAt: minutesAgo(2) }),
          modelHealth({ modelId: 'north', dataPlaneId: 'dp-3', healthy: false, error: 'openai: timed out', checkedAt: minutesAgo(1) }),
        ],
      }),
      model({ id: 'mock', name: 'mock-gpt' }),
    ];

    function mountChecked(props: Record<string, unknown> = {}) {
      vi.useFakeTimers({ now: new Date(NOW), toFake: ['Date'] });
      return mount(ModelsSection, { props: { ...baseProps, models: CHECKED, ...props } });
    }

    it('should show each deployment\'s latest check, when it was made, and whether the data planes agree', () => {
      const wrapper = mountChecked();
      const health = (id: string) => wrapper.get(`[data-model-id="${id}"] [data-col="health"]`);

      const east = health('east');
      expect(east.get('[data-testid="model-health"]').text()).toBe('healthy · 240 ms');
      expect(east.get('[data-testid="model-health"]').attributes('data-health')).toBe('healthy');
      expect(east.get('[data-testid="model-health-checked"]').text()).toBe('3 min ago');
      expect(east.find('[data-testid="model-health-planes"]').exists()).toBe(false);
      expect(east.find('[data-testid="model-health-error"]').exists()).toBe(false);

      // The most recent result leads; the data planes' disagreement is said.
      const north = health('north');
      expect(north.get('[data-testid="model-health"]').text()).toBe('unhealthy · 120 ms');
      expect(north.get('[data-testid="model-health"]').attributes('data-health')).toBe('mixed');
      expect(north.get('[data-testid="model-health-planes"]').text()).toBe('2 of 3 data planes healthy');

      expect(health('mock').get('[data-testid="model-health"]').text()).toBe('never checked');
      expect(health('mock').find('[data-testid="model-health-checked"]').exists()).toBe(false);
    });

    it("should give an unhealthy deployment's errors on hover and to expand, each with its data plane", () => {
      const wrapper = mountChecked();
      const west = wrapper.get('[data-model-id="west"] [data-col="health"]');
      const badge = west.get('[data-testid="model-health"]');
      expect(badge.text()).toBe('unhealthy · 1.5 s');
      expect(badge.attributes('title')).toBe(`dp-1: ${ERROR}\ndp-2: openai: connection refused`);

      const details = west.get('[data-testid="model-health-error"]');
      expect(details.element.tagName).toBe('DETAILS');
      expect(details.get('summary').text()).toBe('Errors (2)');
      expect(details.findAll('p').map((p) => p.text())).toEqual([`dp-1 · 5 min ago: ${ERROR}`, 'dp-2 · 1 h ago: openai: connection refused']);
    });

    it('should sum up each group on its row', () => {
      const wrapper = mountChecked();
      const summary = (name: string) => wrapper.get(`[data-model-name="${name}"] [data-testid="model-group-health"]`);
      expect(summary('gpt-4o').text()).toBe('1/3 healthy · 1 partly healthy');
      expect(summary('gpt-4o').attributes('data-health')).toBe('mixed');
      expect(summary('mock-gpt').text()).toBe('never checked');
    });

    it('should ask for a check of one deployment or of a whole group, busy while it runs, its error beside it', async () => {
      const wrapper = mountChecked({ canCheckHealth: true });
      const group = wrapper.get('[data-model-name="gpt-4o"]');
      await group.get('[data-testid="model-group-check-health"]').trigger('click');
      await wrapper.get('[data-model-id="west"] [data-testid="model-check-health"]').trigger('click');
      expect(wrapper.emitted('checkHealth')).toEqual([
        ['group:gpt-4o', ['east', 'west', 'north']],
        ['deployment:west', ['west']],
      ]);

      await wrapper.setProps({
        checking: new Set(['group:gpt-4o']),
        checkErrors: { 'deployment:mock': 'No data plane is connected to run health checks.' },
      });
      const groupButton = group.get('[data-testid="model-group-check-health"]');
      expect(groupButton.text()).toBe('Checking…');
      expect(groupButton.attributes('disabled')).toBeDefined();
      // The group's deployments are being checked too; another group's are not.
      for (const button of group.findAll('[data-testid="model-check-health"]')) expect(button.attributes('disabled')).toBeDefined();
      const mock = wrapper.get('[data-model-id="mock"]');
      expect(mock.get('[data-testid="model-check-health"]').attributes('disabled')).toBeUndefined();
      expect(mock.get('[data-testid="model-check-health-error"]').text()).toBe('No data plane is connected to run health checks.');
      expect(wrapper.find('[data-testid="model-group-check-health-error"]').exists()).toBe(false);
    });

    it('should offer no check to roles that may not run one, and checks on groups declared in the config file', () => {
      const reader = mountChecked();
      expect(reader.find('[data-testid="model-check-health"]').exists()).toBe(false);
      expect(reader.find('[data-testid="model-group-check-health"]').exists()).toBe(false);

      const declared = mountChecked({ canCheckHealth: true, models: [model({ id: 'a', name: 'claude', managedBy: 'file' })] });
      expect(declared.find('[data-testid="model-group-check-health"]').exists()).toBe(true);
      expect(declared.find('[data-testid="model-check-health"]').exists()).toBe(true);
    });
  });
});

import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import type { RouterFormValues } from '../routerSettingsForm';
import { routerSettings } from '../testing/fixtures';
import RoutingSection from './RoutingSection.vue';

const NAMES = ['claude', 'gpt-4o', 'mock-gpt'];
const baseProps = { loading: false, loadError: null, modelNames: NAMES };

describe('RoutingSection', () => {
  it('should let an admin pick a strategy and build a fallback list from the model names, then save', async () => {
    const save = vi.fn(async (_values: RouterFormValues) => true);
    const wrapper = mount(RoutingSection, { props: { ...baseProps, settings: routerSettings(), canEdit: true, save } });
    expect(wrapper.get('[data-testid="router-save"]').attributes('disabled')).toBeDefined();

    await wrapper.get('[data-testid="router-strategy"]').setValue('least_busy');
    const general = wrapper.get('[data-testid="fallback-map"][data-field="fallbacks"]');
    await general.get('[data-testid="fallback-add"]').trigger('click');
    await general.get('[data-testid="fallback-model"]').setValue('gpt-4o');
    // The model itself is no fallback choice.
    const choices = () => general.get('[data-testid="fallback-add-target"]').findAll('option:not([disabled])').map((o) => o.text());
    expect(choices()).toEqual(['claude', 'mock-gpt']);
    await general.get('[data-testid="fallback-add-target"]').setValue('mock-gpt');
    await general.get('[data-testid="fallback-add-target"]').setValue('claude');
    expect(general.findAll('[data-testid="fallback-target"]').map((chip) => chip.attributes('data-target'))).toEqual(['mock-gpt', 'claude']);
    await general.findAll('[data-testid="fallback-target-up"]')[1]!.trigger('click');
    expect(general.findAll('[data-testid="fallback-target"]').map((chip) => chip.attributes('data-target'))).toEqual(['claude', 'mock-gpt']);
    expect(wrapper.get('[data-testid="router-pending"]').text()).toBe('2 settings changed');

    await wrapper.get('[data-testid="router-form"]').trigger('submit');
    const values = save.mock.calls[0]![0];
    expect(values.strategy).toBe('least_busy');
    expect(values.fallbacks).toEqual([{ model: 'gpt-4o', targets: ['claude', 'mock-gpt'] }]);
  });

  it("should show the server's field errors next to their fields, and the rest in the alert", async () => {
    const wrapper = mount(RoutingSection, {
      props: {
        ...baseProps,
        settings: routerSettings({ fallbacks: { 'gpt-4o': ['claude'] } }),
        canEdit: true,
        saveError: {
          message: 'Invalid input',
          fieldErrors: { maxBackoffMs: ['must be at least backoffMs (2000)'], fallbacks: ['"claude" is not a model name'], _: ['try again'] },
        },
      },
    });
    const errorAt = (field: string) => wrapper.get(`[data-testid="field-error"][data-field="${field}"]`).text();
    expect(errorAt('maxBackoffMs')).toBe('must be at least backoffMs (2000)');
    expect(errorAt('fallbacks')).toBe('"claude" is not a model name');
    expect(wrapper.get('[data-testid="router-max-backoff"]').attributes('aria-invalid')).toBe('true');
    const alert = wrapper.get('[data-testid="router-error"]').text();
    expect(alert).toContain('Invalid input');
    expect(alert).toContain('try again');
    expect(alert).not.toContain('backoffMs');
  });

  it('should put the errors away with the edits they were about', async () => {
    const wrapper = mount(RoutingSection, {
      props: {
        ...baseProps,
        settings: routerSettings(),
        canEdit: true,
        saveError: { message: 'Invalid input', fieldErrors: { maxBackoffMs: ['must be at least backoffMs (2000)'] } },
      },
    });
    await wrapper.get('[data-testid="router-backoff"]').setValue('2000');
    await wrapper.get('[data-testid="router-discard"]').trigger('click');
    expect(wrapper.find('[data-testid="field-error"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="router-error"]').exists()).toBe(false);
    expect((wrapper.get('[data-testid="router-backoff"]').element as HTMLInputElement).value).toBe('100');
    // The next answer shows again.
    await wrapper.setProps({ saveError: { message: 'Refused', fieldErrors: {} } });
    expect(wrapper.get('[data-testid="router-error"]').text()).toContain('Refused');
  });

  it('should show the settings read-only, without a save button, to a role that may not change them', () => {
    const wrapper = mount(RoutingSection, {
      props: { ...baseProps, settings: routerSettings({ strategy: 'lowest_cost', fallbacks: { 'gpt-4o': ['claude'] } }) },
    });
    expect(wrapper.find('[data-testid="router-save"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="fallback-add"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="router-read-only"]').text()).toBe('read-only');
    expect(wrapper.find('[data-testid="router-read-only-note"]').exists()).toBe(true);
    expect((wrapper.get('[data-testid="router-strategy"]').element as HTMLSelectElement).value).toBe('lowest_cost');
    expect(wrapper.get('[data-testid="fallback-target"]').text()).toContain('claude');
    expect(wrapper.get('fieldset').attributes('disabled')).toBeDefined();
  });

  it('should say so, and offer no save, when the config file declares the settings', () => {
    const wrapper = mount(RoutingSection, { props: { ...baseProps, settings: routerSettings({ managedBy: 'file' }), canEdit: true } });
    expect(wrapper.get('[data-testid="router-managed-note"]').text()).toContain('config file');
    expect(wrapper.find('[data-testid="router-save"]').exists()).toBe(false);
  });

  it('should start the form again from the settings the save answered', async () => {
    const wrapper = mount(RoutingSection, { props: { ...baseProps, settings: routerSettings(), canEdit: true } });
    await wrapper.get('[data-testid="router-num-retries"]').setValue('5');
    expect(wrapper.find('[data-testid="router-pending"]').exists()).toBe(true);
    await wrapper.setProps({ settings: routerSettings({ numRetries: 5, updatedAt: '2025-01-02T03:04:05.000Z' }), saved: true });
    expect(wrapper.find('[data-testid="router-pending"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="router-saved"]').text()).toBe('Saved.');
    expect((wrapper.get('[data-testid="router-num-retries"]').element as HTMLInputElement).value).toBe('5');
  });
});

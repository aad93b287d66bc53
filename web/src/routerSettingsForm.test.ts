import { describe, expect, it } from 'vitest';
import { parseRouterForm, sameSetting, toRouterFormValues, toRouterSettingsInput, type RouterFormValues } from './routerSettingsForm';
import { routerSettings } from './testing/fixtures';

const current = routerSettings({
  strategy: 'least_busy',
  groupStrategies: { 'gpt-4o': 'lowest_latency' },
  retryPolicy: { rate_limit: 0 },
  fallbacks: { 'gpt-4o': ['claude', 'mock-gpt'] },
  allowedFailsPolicy: { timeout: 5, auth: 1 },
});

/** The form as loaded from `current`, then changed. */
const edited = (change: (values: RouterFormValues) => void): RouterFormValues => {
  const values = toRouterFormValues(current);
  change(values);
  return values;
};

describe('toRouterFormValues', () => {
  it('should show maps as rows and every failure kind, blank where the general setting applies', () => {
    const values = toRouterFormValues(current);
    expect(values.groupStrategies).toEqual([{ model: 'gpt-4o', strategy: 'lowest_latency' }]);
    expect(values.fallbacks).toEqual([{ model: 'gpt-4o', targets: ['claude', 'mock-gpt'] }]);
    expect(values.contextWindowFallbacks).toEqual([]);
    expect(values.retryPolicy).toEqual({ timeout: '', rate_limit: 0, server_error: '', connection: '', auth: '' });
  });

  it('should give the form copies, so editing it leaves the loaded settings alone', () => {
    const values = toRouterFormValues(current);
    values.fallbacks[0]?.targets.push('other');
    expect(current.fallbacks['gpt-4o']).toEqual(['claude', 'mock-gpt']);
  });
});

describe('toRouterSettingsInput', () => {
  it('should send nothing when nothing changed', () => {
    expect(toRouterSettingsInput(toRouterFormValues(current), current)).toEqual({ input: {} });
  });

  it('should send only the settings that changed, maps whole', () => {
    const values = edited((v) => {
      v.strategy = 'usage_based';
      v.numRetries = '4';
      v.fallbacks[0]!.targets.reverse();
      v.contentPolicyFallbacks.push({ model: 'claude', targets: ['gpt-4o'] });
      v.allowedFailsPolicy.rate_limit = 2;
    });
    expect(toRouterSettingsInput(values, current)).toEqual({
      input: {
        strategy: 'usage_based',
        numRetries: 4,
        fallbacks: { 'gpt-4o': ['mock-gpt', 'claude'] },
        contentPolicyFallbacks: { claude: ['gpt-4o'] },
        allowedFailsPolicy: { timeout: 5, rate_limit: 2, auth: 1 },
      },
    });
  });

  it('should return a blanked number to its default (null), and clear a policy kind left blank', () => {
    const values = edited((v) => {
      v.cooldownMs = '';
      v.retryPolicy.rate_limit = '';
    });
    expect(toRouterSettingsInput(values, current)).toEqual({ input: { cooldownMs: null, retryPolicy: {} } });
  });

  it('should drop rows added and left empty, and removing every row empties the map', () => {
    const values = edited((v) => {
      v.groupStrategies = [];
      v.fallbacks.push({ model: '', targets: [] });
      v.contextWindowFallbacks.push({ model: '', targets: [] });
    });
    expect(toRouterSettingsInput(values, current)).toEqual({ input: { groupStrategies: {} } });
  });

  it('should not count a map whose keys came back in another order as a change', () => {
    const reordered = routerSettings({ allowedFailsPolicy: { auth: 1, timeout: 5 } });
    const values = toRouterFormValues(routerSettings({ allowedFailsPolicy: { timeout: 5, auth: 1 } }));
    expect(toRouterSettingsInput(values, reordered)).toEqual({ input: {} });
  });
});

describe('parseRouterForm', () => {
  const errorsOf = (values: RouterFormValues) => {
    const parsed = parseRouterForm(values);
    return 'error' in parsed ? parsed.error.fieldErrors : {};
  };

  it('should name every field that is not a whole number of 0 or more', () => {
    const fieldErrors = errorsOf(
      edited((v) => {
        v.numRetries = '1.5';
        v.backoffMs = -1;
        v.cooldownMs = 'soon';
        v.retryPolicy.timeout = 0.5;
      }),
    );
    expect(Object.keys(fieldErrors).sort()).toEqual(['backoffMs', 'cooldownMs', 'numRetries', 'retryPolicy']);
    expect(fieldErrors.retryPolicy).toEqual([expect.stringContaining('Timeout')]);
  });

  it('should refuse a fallback to itself, a fallback listed twice, a model listed twice and fallbacks for no model', () => {
    expect(errorsOf(edited((v) => v.fallbacks.push({ model: 'claude', targets: ['claude'] })))).toEqual({
      fallbacks: ['claude falls back to itself.'],
    });
    expect(errorsOf(edited((v) => v.fallbacks.push({ model: 'claude', targets: ['gpt-4o', 'gpt-4o'] })))).toEqual({
      fallbacks: ['claude lists gpt-4o more than once.'],
    });
    expect(errorsOf(edited((v) => v.fallbacks.push({ model: 'gpt-4o', targets: ['claude'] })))).toEqual({
      fallbacks: ['gpt-4o is listed more than once.'],
    });
    expect(errorsOf(edited((v) => v.contextWindowFallbacks.push({ model: '', targets: ['claude'] })))).toEqual({
      contextWindowFallbacks: ['Choose the model each list of fallbacks is for.'],
    });
    expect(errorsOf(edited((v) => v.contentPolicyFallbacks.push({ model: 'claude', targets: [] })))).toEqual({
      contentPolicyFallbacks: ['Add a fallback for claude, or remove its row.'],
    });
  });

  it('should refuse an unknown strategy and two overrides for one group', () => {
    expect(
      errorsOf(
        edited((v) => {
          v.strategy = 'fastest';
          v.groupStrategies.push({ model: 'gpt-4o', strategy: 'weighted' });
        }),
      ),
    ).toEqual({ strategy: ['Choose a strategy.'], groupStrategies: ['gpt-4o has more than one strategy.'] });
  });
});

describe('sameSetting', () => {
  it('should compare maps by content and lists in order', () => {
    expect(sameSetting({ a: ['x', 'y'], b: [] }, { b: [], a: ['x', 'y'] })).toBe(true);
    expect(sameSetting({ a: ['x', 'y'] }, { a: ['y', 'x'] })).toBe(false);
    expect(sameSetting({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameSetting({}, {})).toBe(true);
    expect(sameSetting(3, 3)).toBe(true);
    expect(sameSetting(3, '3')).toBe(false);
  });
});

/**
 * The Routing page's form: the router settings as the form edits them, and back to an `updateRouterSettings` input
 * carrying only what changed. Pure functions, no Vue.
 *
 * The form checks what it can tell on its own (whole numbers, a model chosen for each row, no model falling back
 * to itself or listing a fallback twice); ranges, rules between fields and whether a model name exists are the
 * server's, which names the offending field the same way (`fallbacks`, `retryPolicy`, …).
 */
import {
  FAILURE_KINDS,
  FALLBACK_FIELDS,
  ROUTING_STRATEGIES,
  type FailureKind,
  type FailurePolicy,
  type FallbackField,
  type FallbackMap,
  type RouterSettings,
  type RouterSettingsField,
  type RouterSettingsInput,
  type RoutingStrategy,
} from './api/operations';
import { parseInteger, type FormError, type NumberInputValue } from './composables/forms';

export const STRATEGY_LABELS: Record<RoutingStrategy, string> = {
  weighted: 'Weighted (random, by weight)',
  least_busy: 'Least busy (fewest in flight)',
  lowest_latency: 'Lowest latency',
  usage_based: 'Usage based (most headroom under rpm/tpm)',
  lowest_cost: 'Lowest cost',
};

export const FAILURE_LABELS: Record<FailureKind, string> = {
  timeout: 'Timeout',
  rate_limit: 'Rate limit',
  server_error: 'Server error',
  connection: 'Connection',
  auth: 'Auth',
};

export const FALLBACK_LABELS: Record<FallbackField, { title: string; when: string }> = {
  fallbacks: { title: 'Fallbacks', when: 'when every attempt on a model failed' },
  contextWindowFallbacks: { title: 'Context window fallbacks', when: 'when the prompt does not fit the model' },
  contentPolicyFallbacks: { title: 'Content policy fallbacks', when: "when the provider's content filter refuses" },
};

/** Every settings field, as the form and the API name them (field errors use these names). */
export const ROUTER_FIELDS = [
  'strategy',
  'groupStrategies',
  'numRetries',
  'retryPolicy',
  'backoffMs',
  'maxBackoffMs',
  'maxRetryAfterMs',
  'fallbacks',
  'contextWindowFallbacks',
  'contentPolicyFallbacks',
  'allowedFails',
  'allowedFailsPolicy',
  'failureWindowMs',
  'cooldownMs',
] as const satisfies readonly RouterSettingsField[];

const NUMBER_FIELDS = [
  'numRetries',
  'backoffMs',
  'maxBackoffMs',
  'maxRetryAfterMs',
  'allowedFails',
  'failureWindowMs',
  'cooldownMs',
] as const;
type NumberField = (typeof NUMBER_FIELDS)[number];
const POLICY_FIELDS = ['retryPolicy', 'allowedFailsPolicy'] as const;
type PolicyField = (typeof POLICY_FIELDS)[number];

/** One model group's own strategy. */
export interface GroupStrategyRow {
  model: string;
  strategy: string;
}

/** One model and the models to try after it, in order. */
export interface FallbackRow {
  model: string;
  targets: string[];
}

/** Per failure kind, as typed: blank leaves the kind to the general setting. */
export type PolicyValues = Record<FailureKind, NumberInputValue>;

/** What the Routing form holds. A blank number returns that setting to its default. */
export type RouterFormValues = {
  strategy: string;
  groupStrategies: GroupStrategyRow[];
} & Record<NumberField, NumberInputValue> &
  Record<PolicyField, PolicyValues> &
  Record<FallbackField, FallbackRow[]>;

function policyValues(policy: FailurePolicy): PolicyValues {
  return Object.fromEntries(FAILURE_KINDS.map((kind) => [kind, policy[kind] ?? ''])) as PolicyValues;
}

function fallbackRows(map: FallbackMap): FallbackRow[] {
  return Object.entries(map).map(([model, targets]) => ({ model, targets: [...targets] }));
}

/** The settings in force as the form shows them (fresh arrays and objects: the form may change them). */
export function toRouterFormValues(settings: RouterSettings): RouterFormValues {
  return {
    strategy: settings.strategy,
    groupStrategies: Object.entries(settings.groupStrategies).map(([model, strategy]) => ({ model, strategy })),
    numRetries: settings.numRetries,
    retryPolicy: policyValues(settings.retryPolicy),
    backoffMs: settings.backoffMs,
    maxBackoffMs: settings.maxBackoffMs,
    maxRetryAfterMs: settings.maxRetryAfterMs,
    fallbacks: fallbackRows(settings.fallbacks),
    contextWindowFallbacks: fallbackRows(settings.contextWindowFallbacks),
    contentPolicyFallbacks: fallbackRows(settings.contentPolicyFallbacks),
    allowedFails: settings.allowedFails,
    allowedFailsPolicy: policyValues(settings.allowedFailsPolicy),
    failureWindowMs: settings.failureWindowMs,
    cooldownMs: settings.cooldownMs,
  };
}

function isStrategy(value: string): value is RoutingStrategy {
  return (ROUTING_STRATEGIES as readonly string[]).includes(value);
}

/** Blank (undefined) or a whole number of 0 or more; the ranges are the server's to check. */
function isCount(value: number | undefined | null): value is number | undefined {
  return value !== null && (value === undefined || value >= 0);
}

/** The form's settings as the API takes them; null: back to the default. */
type ParsedSettings = { [K in RouterSettingsField]: RouterSettings[K] | null };

/** The form's values as settings, or the error of every field that is wrong. */
export function parseRouterForm(values: RouterFormValues): { settings: ParsedSettings } | { error: FormError } {
  const fieldErrors: Record<string, string[]> = {};
  const add = (field: RouterSettingsField, message: string): void => {
    (fieldErrors[field] ??= []).push(message);
  };

  if (!isStrategy(values.strategy)) add('strategy', 'Choose a strategy.');

  const groupStrategies: Record<string, string> = {};
  for (const row of values.groupStrategies) {
    // A row added and left empty is no override.
    if (row.model === '') continue;
    if (Object.hasOwn(groupStrategies, row.model)) add('groupStrategies', `${row.model} has more than one strategy.`);
    else if (!isStrategy(row.strategy)) add('groupStrategies', `Choose a strategy for ${row.model}.`);
    groupStrategies[row.model] = row.strategy;
  }

  const numbers = {} as Record<NumberField, number | null>;
  for (const field of NUMBER_FIELDS) {
    const value = parseInteger(values[field]);
    if (!isCount(value)) add(field, 'Enter a whole number (0 or more), or leave it blank for the default.');
    // Blank: back to the default.
    numbers[field] = value ?? null;
  }

  const policies = {} as Record<PolicyField, FailurePolicy>;
  for (const field of POLICY_FIELDS) {
    const policy: FailurePolicy = {};
    for (const kind of FAILURE_KINDS) {
      const value = parseInteger(values[field][kind]);
      if (!isCount(value)) add(field, `${FAILURE_LABELS[kind]}: enter a whole number (0 or more), or leave it blank.`);
      else if (value !== undefined) policy[kind] = value;
    }
    policies[field] = policy;
  }

  const fallbackMaps = {} as Record<FallbackField, FallbackMap>;
  for (const field of FALLBACK_FIELDS) {
    const map: FallbackMap = {};
    for (const row of values[field]) {
      const targets = row.targets.filter((target) => target !== '');
      if (row.model === '') {
        if (targets.length > 0) add(field, 'Choose the model each list of fallbacks is for.');
        continue;
      }
      if (Object.hasOwn(map, row.model)) add(field, `${row.model} is listed more than once.`);
      if (targets.length === 0) add(field, `Add a fallback for ${row.model}, or remove its row.`);
      if (targets.includes(row.model)) add(field, `${row.model} falls back to itself.`);
      const twice = targets.filter((target, index) => targets.indexOf(target) !== index);
      for (const target of new Set(twice)) add(field, `${row.model} lists ${target} more than once.`);
      map[row.model] = targets;
    }
    fallbackMaps[field] = map;
  }

  if (Object.keys(fieldErrors).length > 0) {
    return { error: { message: 'Please correct the highlighted settings.', fieldErrors } };
  }
  return {
    settings: {
      strategy: values.strategy,
      groupStrategies,
      ...numbers,
      ...policies,
      ...fallbackMaps,
    },
  };
}

/** Equal as settings: numbers and strings by value, maps whatever their key order, lists in order. */
export function sameSetting(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameSetting(item, b[index]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const aKeys = Object.keys(a);
    const bRecord = b as Record<string, unknown>;
    return (
      aKeys.length === Object.keys(b).length &&
      aKeys.every((key) => Object.hasOwn(bRecord, key) && sameSetting((a as Record<string, unknown>)[key], bRecord[key]))
    );
  }
  return a === b;
}

/**
 * The change from `current` to what the form holds: only the settings that differ (a blank number: null, back to
 * its default); an empty input when nothing changed. Or the error of every field that is wrong.
 */
export function toRouterSettingsInput(
  values: RouterFormValues,
  current: RouterSettings,
): { input: RouterSettingsInput } | { error: FormError } {
  const parsed = parseRouterForm(values);
  if ('error' in parsed) return parsed;
  const input: Record<string, unknown> = {};
  for (const field of ROUTER_FIELDS) {
    const value = parsed.settings[field];
    if (value === null || !sameSetting(value, current[field])) input[field] = value;
  }
  return { input: input as RouterSettingsInput };
}

/**
 * The key edit form: what it holds, its checks, and the `updateKey` input carrying only what the admin changed. Pure
 * functions, no Vue. As with teams (`teamForm.ts`), the form checks what it can tell on its own (numbers of the right
 * kind, a known period, a date, JSON); ranges and rules between fields are the server's, which names the field.
 */
import type { UpdateKeyInput, VirtualKey } from './api/operations';
import { isBudgetDuration, parseBudget, parseInteger, parseJsonObject, parseTextList, sameList, type FormError, type NumberInputValue } from './composables/forms';

/** What the key edit form holds, as typed. Blank: none (no alias, every model, no budget, no limit, never expires). */
export interface KeyEditValues {
  alias: string;
  /** Comma-separated model names; blank for every model the team allows. */
  models: string;
  budget: NumberInputValue;
  softBudget: NumberInputValue;
  /** A `BudgetDuration`, or '' for a budget that never resets. */
  budgetDuration: string;
  rpmLimit: NumberInputValue;
  tpmLimit: NumberInputValue;
  maxParallelRequests: NumberInputValue;
  /** Comma-separated tags, recorded with every request of the key. */
  tags: string;
  /** `YYYY-MM-DDTHH:mm` in the browser's time zone (a `datetime-local` input); blank: never expires. */
  expiresAt: string;
  /** Per model: `{ "<model>": { "rpm": n, "tpm": n, "maxBudget": usd } }` as JSON; blank: none. */
  modelLimits: string;
}

type KeyLimitField = 'maxBudget' | 'softBudget' | 'rpmLimit' | 'tpmLimit' | 'maxParallelRequests';
type KeyLimitValue = 'budget' | 'softBudget' | 'rpmLimit' | 'tpmLimit' | 'maxParallelRequests';

/** Each budget and limit: the form value it is typed into, its field in the API, and whether it is whole (a count). */
const LIMITS: ReadonlyArray<{ value: KeyLimitValue; field: KeyLimitField; whole: boolean }> = [
  { value: 'budget', field: 'maxBudget', whole: false },
  { value: 'softBudget', field: 'softBudget', whole: false },
  { value: 'rpmLimit', field: 'rpmLimit', whole: true },
  { value: 'tpmLimit', field: 'tpmLimit', whole: true },
  { value: 'maxParallelRequests', field: 'maxParallelRequests', whole: true },
];

/** Every field the edit form has an input for, as the API names it (field errors use these names). */
export const KEY_EDIT_FIELDS: readonly string[] = [
  'alias', 'models', 'budgetDuration', 'tags', 'expiresAt', 'modelLimits', ...LIMITS.map((limit) => limit.field),
];

const pad = (n: number): string => String(n).padStart(2, '0');

/** An instant as a `datetime-local` input shows it: the browser's local time, to the minute. */
export function toLocalDateTime(iso: string): string {
  const at = new Date(iso);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A key as the edit form starts from it. */
export function toKeyEditValues(key: VirtualKey): KeyEditValues {
  const limits = Object.keys(key.modelLimits).length > 0 ? JSON.stringify(key.modelLimits, null, 2) : '';
  return {
    alias: key.alias ?? '',
    models: key.models.join(', '),
    budget: key.maxBudget ?? '',
    softBudget: key.softBudget ?? '',
    budgetDuration: key.budgetDuration ?? '',
    rpmLimit: key.rpmLimit ?? '',
    tpmLimit: key.tpmLimit ?? '',
    maxParallelRequests: key.maxParallelRequests ?? '',
    tags: key.tags.join(', '),
    expiresAt: key.expiresAt ? toLocalDateTime(key.expiresAt) : '',
    modelLimits: limits,
  };
}

/** Key order aside, whether two JSON values are the same. */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.keys(value).sort().map((name) => [name, canonical((value as Record<string, unknown>)[name])]));
  };
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The change from `before` (the key as the form was opened on) to what the form holds: only the fields that differ, a
 * cleared one as null (lists and per-model limits as empty); an empty input when nothing changed. An unchanged period
 * is never sent, since a period sent starts a new one. An expiry left as the form showed it is not sent either (the
 * form shows it to the minute). Or the error of every field that is wrong.
 */
export function toUpdateKeyInput(values: KeyEditValues, before: VirtualKey): { input: UpdateKeyInput } | { error: FormError } {
  const fieldErrors: Record<string, string[]> = {};
  const input: UpdateKeyInput = {};

  const alias = values.alias.trim();
  if (alias !== (before.alias ?? '')) input.alias = alias === '' ? null : alias;
  const models = parseTextList(values.models) ?? [];
  if (!sameList(models, before.models)) input.models = models;
  const tags = parseTextList(values.tags) ?? [];
  if (!sameList(tags, before.tags)) input.tags = tags;

  if (values.budgetDuration !== (before.budgetDuration ?? '')) {
    if (values.budgetDuration !== '' && !isBudgetDuration(values.budgetDuration)) fieldErrors.budgetDuration = ['Choose a budget period.'];
    else input.budgetDuration = values.budgetDuration === '' ? null : values.budgetDuration;
  }
  for (const { value, field, whole } of LIMITS) {
    const parsed = whole ? parseInteger(values[value]) : parseBudget(values[value]);
    if (parsed === null) fieldErrors[field] = [whole ? 'Enter a whole number.' : 'Enter an amount in US dollars.'];
    else if ((parsed ?? null) !== before[field]) input[field] = parsed ?? null;
  }

  const expiresAt = values.expiresAt.trim();
  const shownBefore = before.expiresAt ? toLocalDateTime(before.expiresAt) : '';
  if (expiresAt !== shownBefore) {
    if (expiresAt === '') input.expiresAt = null;
    else {
      const at = new Date(expiresAt);
      if (Number.isNaN(at.getTime())) fieldErrors.expiresAt = ['Enter a date and time.'];
      else input.expiresAt = at.toISOString();
    }
  }

  const limits = parseJsonObject(values.modelLimits);
  if ('problem' in limits) {
    fieldErrors.modelLimits = [`Enter a JSON object such as {"gpt-4o": {"rpm": 10, "maxBudget": 5}}; this is ${limits.problem}.`];
  } else if (!sameJson(limits.value ?? {}, before.modelLimits)) input.modelLimits = limits.value ?? {};

  const wrong = Object.keys(fieldErrors).length;
  if (wrong > 0) {
    return { error: { message: wrong === 1 ? 'Please correct the highlighted field.' : 'Please correct the highlighted fields.', fieldErrors } };
  }
  return { input };
}

/** How long a regenerated key's old secret keeps working: the choices the form offers, in seconds. */
export const GRACE_PERIODS: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 0, label: 'stops at once' },
  { seconds: 3600, label: 'works 1 more hour' },
  { seconds: 86_400, label: 'works 1 more day' },
  { seconds: 7 * 86_400, label: 'works 7 more days' },
];

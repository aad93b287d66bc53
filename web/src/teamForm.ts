/**
 * The team forms (create and edit): what they hold, their checks, and the API input: a whole `createTeam` input, or
 * an `updateTeam` input carrying only what the admin changed. Pure functions, no Vue.
 *
 * The form checks what it can tell on its own (a name, numbers of the right kind, a known period); ranges and rules
 * between fields (a soft budget above the hard one) are the server's, which names the offending field the same way.
 */
import {
  type BudgetDuration,
  type CreateTeamInput,
  type Team,
  type TeamLimitField,
  type UpdateTeamInput,
} from './api/operations';
import { isBudgetDuration, optionalText, parseBudget, parseInteger, parseModelList, parseTextList, sameList, type FormError, type NumberInputValue } from './composables/forms';

/** What a team form holds, as typed. Optional fields may be left out (blank). */
export interface TeamFormValues {
  name: string;
  /** An organization id, or '' for the default (an org admin's own; none for proxy admins). Absent: no choice. */
  organizationId?: string;
  /** Comma-separated model names; blank for all models. */
  models: string;
  /** Comma-separated tags, recorded with every request of the team's keys; blank (or absent) for none. */
  tags?: string;
  /** The team's hard budget; blank for none. */
  budget: NumberInputValue;
  softBudget?: NumberInputValue;
  /** A `BudgetDuration`, the period of the team's budget and its members'; '' (or absent) for budgets that never reset. */
  budgetDuration?: string;
  /** Limits of all the team's keys together; blank for none. */
  rpmLimit?: NumberInputValue;
  tpmLimit?: NumberInputValue;
  maxParallelRequests?: NumberInputValue;
  /** Each member's budgets and limits in the team; blank for none. */
  memberBudget?: NumberInputValue;
  memberSoftBudget?: NumberInputValue;
  memberRpmLimit?: NumberInputValue;
  memberTpmLimit?: NumberInputValue;
}

/** A form value holding a budget or a limit. */
type LimitValue = Exclude<keyof TeamFormValues, 'name' | 'organizationId' | 'models' | 'tags' | 'budgetDuration'>;

/** Each budget and limit: the form value it is typed into, its field in the API, and whether it is whole (a count). */
const LIMITS: ReadonlyArray<{ value: LimitValue; field: TeamLimitField; whole: boolean }> = [
  { value: 'budget', field: 'maxBudget', whole: false },
  { value: 'softBudget', field: 'softBudget', whole: false },
  { value: 'rpmLimit', field: 'rpmLimit', whole: true },
  { value: 'tpmLimit', field: 'tpmLimit', whole: true },
  { value: 'maxParallelRequests', field: 'maxParallelRequests', whole: true },
  { value: 'memberBudget', field: 'memberMaxBudget', whole: false },
  { value: 'memberSoftBudget', field: 'memberSoftBudget', whole: false },
  { value: 'memberRpmLimit', field: 'memberRpmLimit', whole: true },
  { value: 'memberTpmLimit', field: 'memberTpmLimit', whole: true },
];

/** Every field a team form has an input for, as the API names it (field errors use these names). */
export const TEAM_FORM_FIELDS: readonly string[] = ['name', 'organizationId', 'models', 'tags', 'budgetDuration', ...LIMITS.map((limit) => limit.field)];

/** The team's settings as the form gives them; null: none (no budget, no limit, a budget that never resets). */
export type TeamSettings = {
  name: string;
  /** Empty: every model. */
  models: string[];
  tags: string[];
  budgetDuration: BudgetDuration | null;
} & Record<TeamLimitField, number | null>;

/** The form's values as settings, or the error of every field that is wrong. */
export function parseTeamForm(values: TeamFormValues): { settings: TeamSettings } | { error: FormError } {
  const fieldErrors: Record<string, string[]> = {};
  const name = values.name.trim();
  if (name === '') fieldErrors.name = ['Enter a team name.'];
  const budgetDuration = values.budgetDuration ?? '';
  if (budgetDuration !== '' && !isBudgetDuration(budgetDuration)) fieldErrors.budgetDuration = ['Choose a budget period.'];
  const limits = {} as Record<TeamLimitField, number | null>;
  for (const { value, field, whole } of LIMITS) {
    const typed = values[value] ?? '';
    const parsed = whole ? parseInteger(typed) : parseBudget(typed);
    if (parsed === null) fieldErrors[field] = [whole ? 'Enter a whole number.' : 'Enter an amount in US dollars.'];
    limits[field] = parsed ?? null;
  }
  const wrong = Object.keys(fieldErrors).length;
  if (wrong > 0) {
    return { error: { message: wrong === 1 ? 'Please correct the highlighted field.' : 'Please correct the highlighted fields.', fieldErrors } };
  }
  return {
    settings: {
      name,
      models: parseModelList(values.models) ?? [],
      tags: parseTextList(values.tags ?? '') ?? [],
      budgetDuration: isBudgetDuration(budgetDuration) ? budgetDuration : null,
      ...limits,
    },
  };
}

/** A new team's input: what the form sets, blank fields left out. */
export function toCreateTeamInput(values: TeamFormValues): { input: CreateTeamInput } | { error: FormError } {
  const parsed = parseTeamForm(values);
  if ('error' in parsed) return parsed;
  const { name, models, tags, budgetDuration, ...limits } = parsed.settings;
  const organizationId = optionalText(values.organizationId ?? '');
  const setLimits = Object.fromEntries(Object.entries(limits).filter(([, limit]) => limit !== null)) as Partial<Record<TeamLimitField, number>>;
  return {
    input: {
      name,
      ...(organizationId ? { organizationId } : {}),
      ...(models.length > 0 ? { models } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      ...(budgetDuration !== null ? { budgetDuration } : {}),
      ...setLimits,
    },
  };
}

/** A team as the edit form starts from it (the team cannot change organization, so there is no choice of one). */
export function toTeamFormValues(team: Team): TeamFormValues {
  const values: TeamFormValues = {
    name: team.name,
    models: team.models.join(', '),
    tags: team.tags.join(', '),
    budget: '',
    budgetDuration: team.budgetDuration ?? '',
  };
  for (const { value, field } of LIMITS) values[value] = team[field] ?? '';
  return values;
}

/**
 * The change from `before` (the team as the form was opened on) to what the form holds: only the fields that differ,
 * a cleared one as null; an empty input when nothing changed. An unchanged period is never sent, since a period sent
 * starts a new one. Or the error of every field that is wrong.
 */
export function toUpdateTeamInput(values: TeamFormValues, before: Team): { input: UpdateTeamInput } | { error: FormError } {
  // Left as it was, the period is not checked either (a period this dashboard does not know yet stays as it is).
  const periodChanged = (values.budgetDuration ?? '') !== (before.budgetDuration ?? '');
  const parsed = parseTeamForm(periodChanged ? values : { ...values, budgetDuration: '' });
  if ('error' in parsed) return parsed;
  const { settings } = parsed;
  const input: UpdateTeamInput = {};
  if (settings.name !== before.name) input.name = settings.name;
  if (!sameList(settings.models, before.models)) input.models = settings.models;
  if (!sameList(settings.tags, before.tags)) input.tags = settings.tags;
  if (periodChanged) input.budgetDuration = settings.budgetDuration;
  for (const { field } of LIMITS) {
    if (settings[field] !== before[field]) input[field] = settings[field];
  }
  return { input };
}

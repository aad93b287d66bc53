/** Teams: the list and the create form's submit. */
import { graphql } from '../api/client';
import { BUDGET_DURATIONS, CreateTeamMutation, TeamsQuery, type BudgetDuration, type CreateTeamInput } from '../api/operations';
import {
  invalidField,
  optionalText,
  parseBudget,
  parseInteger,
  parseModelList,
  type FormError,
  type NumberInputValue,
} from './forms';
import { useCreate } from './useCreate';
import { useRemoteList } from './useRemoteList';

/** What the create-team form holds, as typed. */
export interface TeamFormValues {
  name: string;
  /** An organization id, or '' for the default (an org admin's own; none for proxy admins). Absent: no choice. */
  organizationId?: string;
  /** Comma-separated model names; blank for all models. */
  models: string;
  /** Blank for no budget. */
  budget: NumberInputValue;
  /** A `BudgetDuration`, the period of the team's budget and its members'; '' (or absent) for budgets that never reset. */
  budgetDuration?: string;
  /** Each member's budgets and limits in the team; blank (or absent) for none. */
  memberBudget?: NumberInputValue;
  memberSoftBudget?: NumberInputValue;
  memberRpmLimit?: NumberInputValue;
  memberTpmLimit?: NumberInputValue;
}

export type TeamFormParse = { input: CreateTeamInput } | { error: FormError };

const isBudgetDuration = (value: string): value is BudgetDuration => (BUDGET_DURATIONS as readonly string[]).includes(value);

/** The member budgets and limits of the form, or the error of the first field that is not a number of its kind. */
function toMemberFields(values: TeamFormValues): { fields: Partial<CreateTeamInput> } | { error: FormError } {
  const fields: Partial<CreateTeamInput> = {};
  const amounts = [
    ['memberMaxBudget', values.memberBudget],
    ['memberSoftBudget', values.memberSoftBudget],
  ] as const;
  for (const [field, value] of amounts) {
    const amount = parseBudget(value ?? '');
    if (amount === null) return { error: invalidField(field, 'Enter an amount in US dollars.') };
    if (amount !== undefined) fields[field] = amount;
  }
  const limits = [
    ['memberRpmLimit', values.memberRpmLimit],
    ['memberTpmLimit', values.memberTpmLimit],
  ] as const;
  for (const [field, value] of limits) {
    const limit = parseInteger(value ?? '');
    if (limit === null) return { error: invalidField(field, 'Enter a whole number.') };
    if (limit !== undefined) fields[field] = limit;
  }
  return { fields };
}

export function toCreateTeamInput(values: TeamFormValues): TeamFormParse {
  const name = values.name.trim();
  if (name === '') return { error: invalidField('name', 'Enter a team name.') };
  const maxBudget = parseBudget(values.budget);
  if (maxBudget === null) return { error: invalidField('maxBudget', 'Enter an amount in US dollars.') };
  const budgetDuration = values.budgetDuration ?? '';
  if (budgetDuration !== '' && !isBudgetDuration(budgetDuration)) {
    return { error: invalidField('budgetDuration', 'Choose a budget period.') };
  }
  const members = toMemberFields(values);
  if ('error' in members) return members;
  const models = parseModelList(values.models);
  const organizationId = optionalText(values.organizationId ?? '');
  return {
    input: {
      name,
      ...(organizationId ? { organizationId } : {}),
      ...(models ? { models } : {}),
      ...(maxBudget !== undefined ? { maxBudget } : {}),
      ...(budgetDuration !== '' ? { budgetDuration } : {}),
      ...members.fields,
    },
  };
}

export interface UseTeamsOptions {
  /** Load the list right away (default true). */
  immediate?: boolean;
  /** Called after a team was created. */
  onChange?: () => void;
}

export function useTeams(options: UseTeamsOptions = {}) {
  const list = useRemoteList(async () => (await graphql(TeamsQuery, {})).teams);

  const { creating, createError, create } = useCreate({
    parse: toCreateTeamInput,
    send: async (input) => (await graphql(CreateTeamMutation, { input })).createTeam,
    list,
    onChange: options.onChange,
  });


  if (options.immediate ?? true) void list.refresh();

  return {
    teams: list.items,
    loading: list.loading,
    loadError: list.error,
    refresh: list.refresh,
    creating,
    createError,
    create,
  };
}

export type TeamsStore = ReturnType<typeof useTeams>;

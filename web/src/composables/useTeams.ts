/** Teams: the list and the create form's submit. */
import { graphql } from '../api/client';
import { CreateTeamMutation, TeamsQuery, type CreateTeamInput } from '../api/operations';
import {
  invalidField,
  optionalText,
  parseBudget,
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
}

export type TeamFormParse = { input: CreateTeamInput } | { error: FormError };

export function toCreateTeamInput(values: TeamFormValues): TeamFormParse {
  const name = values.name.trim();
  if (name === '') return { error: invalidField('name', 'Enter a team name.') };
  const maxBudget = parseBudget(values.budget);
  if (maxBudget === null) return { error: invalidField('maxBudget', 'Enter an amount in US dollars.') };
  const models = parseModelList(values.models);
  const organizationId = optionalText(values.organizationId ?? '');
  return {
    input: {
      name,
      ...(organizationId ? { organizationId } : {}),
      ...(models ? { models } : {}),
      ...(maxBudget !== undefined ? { maxBudget } : {}),
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

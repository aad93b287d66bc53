/** Organizations: the list, the create form's submit, and blocking (optimistic, rolled back on failure). */
import { ref, type Ref } from 'vue';
import { graphql } from '../api/client';
import {
  CreateOrganizationMutation,
  OrganizationsQuery,
  UpdateOrganizationMutation,
  type CreateOrganizationInput,
  type Organization,
} from '../api/operations';
import {
  invalidField,
  parseBudget,
  parseModelList,
  type FormError,
  type NumberInputValue,
} from './forms';
import { optimisticUpdate } from './optimisticUpdate';
import { useCreate } from './useCreate';
import { useRemoteList } from './useRemoteList';

/** What the create-organization form holds, as typed. */
export interface OrganizationFormValues {
  name: string;
  /** Comma-separated model names; blank for all models. */
  models: string;
  /** Blank for no budget. */
  budget: NumberInputValue;
}

export type OrganizationFormParse = { input: CreateOrganizationInput } | { error: FormError };

export function toCreateOrganizationInput(values: OrganizationFormValues): OrganizationFormParse {
  const name = values.name.trim();
  if (name === '') return { error: invalidField('name', 'Enter an organization name.') };
  const maxBudget = parseBudget(values.budget);
  if (maxBudget === null) return { error: invalidField('maxBudget', 'Enter an amount in US dollars.') };
  const models = parseModelList(values.models);
  return {
    input: { name, ...(models ? { models } : {}), ...(maxBudget !== undefined ? { maxBudget } : {}) },
  };
}

export interface UseOrganizationsOptions {
  /** Load the list right away (default true). */
  immediate?: boolean;
  /** Called after an organization was created or changed. */
  onChange?: () => void;
}

export function useOrganizations(options: UseOrganizationsOptions = {}) {
  const list = useRemoteList(async () => (await graphql(OrganizationsQuery, {})).organizations);
  const actionError = ref<string | null>(null);

  const { creating, createError, create } = useCreate({
    parse: toCreateOrganizationInput,
    send: async (input) => (await graphql(CreateOrganizationMutation, { input })).createOrganization,
    list,
    order: (a, b) => a.name.localeCompare(b.name),
    onChange: options.onChange,
  });


  /** Blocks or unblocks: shown at once, put back if the server refuses. */
  function setBlocked(id: string, blocked: boolean): Promise<boolean> {
    return optimisticUpdate<Organization>({
      list,
      id,
      patch: { blocked },
      send: async () => (await graphql(UpdateOrganizationMutation, { id, input: { blocked } })).updateOrganization,
      actionError,
      failure: (before) => `Could not ${blocked ? 'block' : 'unblock'} ${before.name}`,
      onChange: options.onChange,
    });
  }

  if (options.immediate ?? true) void list.refresh();

  return {
    organizations: list.items,
    loading: list.loading,
    loadError: list.error,
    refresh: list.refresh,
    creating,
    createError,
    actionError: actionError as Readonly<Ref<string | null>>,
    create,
    setBlocked,
  };
}

export type OrganizationsStore = ReturnType<typeof useOrganizations>;

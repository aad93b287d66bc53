/** Models: the list, and the create form's submit (proxy admins). */
import { graphql } from '../api/client';
import { CreateModelMutation, ModelsQuery, PROVIDERS, type CreateModelInput, type Provider } from '../api/operations';
import { invalidField, optionalText, parseBudget, type FormError, type NumberInputValue } from './forms';
import { useCreate } from './useCreate';
import { useRemoteList } from './useRemoteList';

/** What the create-model form holds, as typed. */
export interface ModelFormValues {
  name: string;
  provider: string;
  /** The provider's name for the model; blank: the same as `name`. */
  providerModel: string;
  apiBase: string;
  /** `env:NAME` or `file:/path`. */
  apiKeyRef: string;
  apiVersion: string;
  region: string;
  inputCost: NumberInputValue;
  outputCost: NumberInputValue;
}

export type ModelFormParse = { input: CreateModelInput } | { error: FormError };

const PRICE_HINT = 'Enter a price in US dollars per million tokens (0 for free).';

function isProvider(value: string): value is Provider {
  return (PROVIDERS as readonly string[]).includes(value);
}

export function toCreateModelInput(values: ModelFormValues): ModelFormParse {
  const name = values.name.trim();
  if (name === '') return { error: invalidField('name', 'Enter the name clients will ask for.') };
  if (!isProvider(values.provider)) return { error: invalidField('provider', 'Choose a provider.') };
  // Prices are required: a blank field must not silently make a model free.
  const inputCostPerMillion = parseBudget(values.inputCost);
  if (inputCostPerMillion == null) return { error: invalidField('inputCostPerMillion', PRICE_HINT) };
  const outputCostPerMillion = parseBudget(values.outputCost);
  if (outputCostPerMillion == null) return { error: invalidField('outputCostPerMillion', PRICE_HINT) };
  const optional = {
    apiBase: optionalText(values.apiBase),
    apiKeyRef: optionalText(values.apiKeyRef),
    apiVersion: optionalText(values.apiVersion),
    region: optionalText(values.region),
  };
  return {
    input: {
      name,
      provider: values.provider,
      providerModel: optionalText(values.providerModel) ?? name,
      ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
      inputCostPerMillion,
      outputCostPerMillion,
    },
  };
}

export interface UseModelsOptions {
  /** Load the list right away (default true). */
  immediate?: boolean;
  /** Called after a model was created. */
  onChange?: () => void;
}

export function useModels(options: UseModelsOptions = {}) {
  const list = useRemoteList(async () => (await graphql(ModelsQuery, {})).models);

  const { creating, createError, create } = useCreate({
    parse: toCreateModelInput,
    send: async (input) => (await graphql(CreateModelMutation, { input })).createModel,
    list,
    onChange: options.onChange,
  });


  if (options.immediate ?? true) void list.refresh();

  return {
    models: list.items,
    loading: list.loading,
    loadError: list.error,
    refresh: list.refresh,
    creating,
    createError,
    create,
  };
}

export type ModelsStore = ReturnType<typeof useModels>;

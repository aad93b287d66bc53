/**
 * Models (deployments; those sharing a name are a model group): the list, the create form's submit, deleting one
 * deployment and having the data planes check deployments' health (proxy admins). Creating a model with a name that
 * exists adds a deployment to that group.
 */
import { ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import {
  CheckModelHealthMutation,
  CreateModelMutation,
  DeleteModelMutation,
  ModelsQuery,
  PROVIDERS,
  type CreateModelInput,
  type Model,
  type Provider,
} from '../api/operations';
import { deploymentLabel } from '../modelGroups';
import { mergeHealth, type HealthCheckScope } from '../modelHealth';
import {
  errorMessage,
  invalidField,
  optionalText,
  parseBudget,
  parseInteger,
  parseJsonObject,
  parseStringRecord,
  parseTextList,
  parseWordList,
  type FormError,
  type NumberInputValue,
} from './forms';
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
  /** Share of traffic among the deployments of its name; blank: 1. */
  weight: NumberInputValue;
  /** The deployment's capacity per minute; blank: unknown. */
  rpmLimit: NumberInputValue;
  tpmLimit: NumberInputValue;
  /** Context window in tokens; blank: unknown. */
  maxInputTokens: NumberInputValue;
  /** Upstream time to first byte, milliseconds; blank: the data plane default. */
  timeoutMs: NumberInputValue;
  /** Azure and OpenAI-compatible deployments: Responses requests go to it as sent (absent: false). */
  responsesApi?: boolean;
  /** Body fields to take out of requests to it, separated by commas or whitespace; blank: none (absent: blank). */
  dropParams?: string;
  /** A JSON object of body fields requests get where they do not set them; blank: none (absent: blank). */
  defaultParams?: string;
  /**
   * A JSON object of header name → value sent with every request to it, credentials as `env:NAME` or `file:/path`;
   * blank: none (absent: blank).
   */
  extraHeaders?: string;
  /** Comma-separated. */
  tags: string;
}

/** The routing fields of a deployment: whole numbers above zero, or left out. */
const ROUTING_NUMBERS = {
  weight: 'Enter a whole number of at least 1 (its share of traffic among the deployments of its name).',
  rpmLimit: 'Enter the requests per minute the deployment takes, a whole number of at least 1.',
  tpmLimit: 'Enter the tokens per minute the deployment takes, a whole number of at least 1.',
  maxInputTokens: 'Enter the context window in tokens, a whole number of at least 1.',
  timeoutMs: 'Enter the timeout in milliseconds, a whole number of at least 1.',
} as const;

export type ModelFormParse = { input: CreateModelInput } | { error: FormError };

const PRICE_HINT = 'Enter a price in US dollars per million tokens (0 for free).';
const DEFAULT_PARAMS_HINT = 'Enter a JSON object in braces, such as {"reasoning_effort": "low"}';
const EXTRA_HEADERS_HINT = 'Enter a JSON object of header names and text values, such as {"X-Title": "Acme"}';

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
  const routing: Partial<Record<keyof typeof ROUTING_NUMBERS, number>> = {};
  for (const [field, hint] of Object.entries(ROUTING_NUMBERS) as [keyof typeof ROUTING_NUMBERS, string][]) {
    const value = parseInteger(values[field]);
    if (value === null || (value !== undefined && value < 1)) return { error: invalidField(field, hint) };
    if (value !== undefined) routing[field] = value;
  }
  // Checked here so that a typo is named at its field before anything is sent; the server checks keys and size.
  const defaultParams = parseJsonObject(values.defaultParams ?? '');
  if ('problem' in defaultParams) {
    return { error: invalidField('defaultParams', `${DEFAULT_PARAMS_HINT}; this is ${defaultParams.problem}.`) };
  }
  // The message names header names only: the values may be credentials, shown nowhere but their input.
  const extraHeaders = parseStringRecord(values.extraHeaders ?? '');
  if ('problem' in extraHeaders) {
    return { error: invalidField('extraHeaders', `${EXTRA_HEADERS_HINT}; ${extraHeaders.problem}.`) };
  }
  const optional = {
    apiBase: optionalText(values.apiBase),
    apiKeyRef: optionalText(values.apiKeyRef),
    apiVersion: optionalText(values.apiVersion),
    region: optionalText(values.region),
    dropParams: parseWordList(values.dropParams ?? ''),
    defaultParams: defaultParams.value,
    extraHeaders: extraHeaders.value,
    tags: parseTextList(values.tags),
  };
  return {
    input: {
      name,
      provider: values.provider,
      providerModel: optionalText(values.providerModel) ?? name,
      ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
      inputCostPerMillion,
      outputCostPerMillion,
      ...routing,
      ...(values.responsesApi === true && { responsesApi: true }),
    },
  };
}

export interface UseModelsOptions {
  /** Load the list right away (default true). */
  immediate?: boolean;
  /** Called after a model was created or deleted. */
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

  const deleteError = ref<string | null>(null);

  /** Deletes one deployment (the others of its name stay): it leaves the list at once and comes back if refused. */
  async function remove(id: string): Promise<boolean> {
    const index = list.items.value.findIndex((model) => model.id === id);
    const removed: Model | undefined = list.items.value[index];
    if (!removed) return false;
    deleteError.value = null;
    list.update((models) => models.filter((model) => model.id !== id));
    try {
      await graphql(DeleteModelMutation, { id });
      options.onChange?.();
      return true;
    } catch (caught) {
      list.update((models) => {
        const restored = models.filter((model) => model.id !== id);
        restored.splice(Math.min(index, restored.length), 0, removed);
        return restored;
      });
      deleteError.value = `Could not delete deployment ${deploymentLabel(removed)} of ${removed.name}: ${errorMessage(caught)}`;
      return false;
    }
  }

  /** Checks in flight, by where they were asked from; and the last check's error there, until the next one. */
  const checking = shallowRef<ReadonlySet<HealthCheckScope>>(new Set());
  const checkErrors = shallowRef<Readonly<Partial<Record<HealthCheckScope, string>>>>({});

  function setChecking(scope: HealthCheckScope, busy: boolean): void {
    const next = new Set(checking.value);
    if (busy) next.add(scope);
    else next.delete(scope);
    checking.value = next;
  }

  function setCheckError(scope: HealthCheckScope, message: string | null): void {
    const { [scope]: _previous, ...rest } = checkErrors.value;
    checkErrors.value = message === null ? rest : { ...rest, [scope]: message };
  }

  /**
   * Has the connected data planes check deployments now (one request for all of `modelIds`) and merges the answer,
   * the first data plane's results, into the list. The control plane may wait up to about 35 s; a refusal
   * (UNAVAILABLE when no data plane runs checks, FORBIDDEN, …) is kept under `scope` with the server's message.
   * A second check from the same place while one runs is not sent.
   */
  async function checkHealth(scope: HealthCheckScope, modelIds: readonly string[]): Promise<boolean> {
    if (checking.value.has(scope) || modelIds.length === 0) return false;
    setChecking(scope, true);
    setCheckError(scope, null);
    try {
      const { checkModelHealth } = await graphql(CheckModelHealthMutation, { modelIds: [...modelIds] });
      list.update((models) => mergeHealth(models, checkModelHealth));
      // Every check is audited (model.check).
      options.onChange?.();
      return true;
    } catch (caught) {
      setCheckError(scope, errorMessage(caught));
      return false;
    } finally {
      setChecking(scope, false);
    }
  }

  if (options.immediate ?? true) void list.refresh();

  return {
    models: list.items,
    loading: list.loading,
    loadError: list.error,
    refresh: list.refresh,
    creating,
    createError,
    create,
    deleteError: deleteError as Readonly<Ref<string | null>>,
    remove,
    checking: checking as Readonly<Ref<ReadonlySet<HealthCheckScope>>>,
    checkErrors: checkErrors as Readonly<Ref<Readonly<Partial<Record<HealthCheckScope, string>>>>>,
    checkHealth,
  };
}

export type ModelsStore = ReturnType<typeof useModels>;

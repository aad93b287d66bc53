import { tablePrice, type ProviderKind } from '@tollgate/schema';
import { CreateModelInput, RESPONSES_API_PROVIDERS } from '../services/inputs.js';
import { deploymentKeys, deploymentName, duplicateDeployments } from './deployments.js';
import type { Declared, DesiredModel } from './desired.js';
import { LITELLM_PROVIDERS, OPENAI_HOSTS, SUPPORTED_PREFIXES, UNSUPPORTED_HINTS } from './litellm-providers.js';
import { DROP_PARAMS_NOTE, routerFromLiteLlm } from './litellm-router.js';
import { joinPath, type ConfigProblem } from './problems.js';
import { isSecretRef, normalizeRef, osEnvironName } from './secrets.js';
import { fromTollgateFile, type FormatResult } from './tollgate-format.js';

/**
 * LiteLLM's config.yaml (`model_list`, `general_settings`, `router_settings`, `litellm_settings`) read as a
 * Tollgate config: each `model_list` entry becomes a model, entries sharing a `model_name` the deployments of one
 * model group (told apart by `model_info.id`, else by place: see deployments.ts), and the router settings become
 * Tollgate's (litellm-router.ts). Secrets must be `os.environ/NAME` (or `env:`/`file:`)
 * references, never literals: the database holds references only. Other `os.environ/NAME` values (an `api_base`,
 * an `aws_region_name`) are not secrets and are read from the control plane's environment when the file is loaded.
 * What Tollgate does not do (yet) is reported as a warning per key and ignored, never silently.
 *
 * LiteLLM keeps keys, teams and organizations in its database, not in this file; Tollgate's own sections for them
 * (`organizations`, `teams`, `keys`, `guardrailPolicies`, `mcpServers`, exactly as in tollgate.yaml) may sit beside
 * `model_list`, so a LiteLLM file can be adopted as it is and grown from there.
 * @see https://docs.litellm.ai/docs/proxy/configs
 */

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * litellm_params that are request parameters, which LiteLLM sends with every request to the model (a request's own
 * value wins): Tollgate's `defaultParams` for a provider speaking OpenAI's protocol, where these are the API's names
 * (`extra_body`'s fields too). Other providers name them otherwise, so they are reported and ignored there.
 */
const REQUEST_PARAMS = new Set([
  'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'seed', 'presence_penalty', 'frequency_penalty', 'stop',
  'reasoning_effort', 'top_k', 'min_p', 'repetition_penalty', 'chat_template_kwargs', 'response_format', 'parallel_tool_calls', 'extra_body',
]);
const OPENAI_PROTOCOL: readonly string[] = ['openai', 'azure', 'openai_compatible'];

/**
 * litellm_params of Azure OpenAI through Microsoft Entra ID, as LiteLLM names them, and the model fields they become.
 * LiteLLM has no parameter for a client assertion (it finds a workload identity's token file by itself), so a file
 * never sets `azureAdClientAssertionRef`; nor one for a managed identity, so `azureAdManagedIdentity` stays false.
 * @see https://docs.litellm.ai/docs/providers/azure
 */
const ENTRA_PARAMS = {
  tenant_id: 'azureAdTenantId',
  client_id: 'azureAdClientId',
  client_secret: 'azureAdClientSecretRef',
  azure_ad_token: 'azureAdTokenRef',
  azure_authority_host: 'azureAdAuthorityHost',
} as const satisfies Record<string, keyof CreateModelInput>;

/** litellm_params this mapping reads; any other key is reported and ignored. */
const READ_PARAMS = new Set([
  'model',
  'custom_llm_provider',
  'api_key',
  'api_base',
  'api_version',
  'aws_region_name',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  ...Object.keys(ENTRA_PARAMS),
  'rpm',
  'tpm',
  'timeout',
  'stream_timeout',
  'input_cost_per_token',
  'output_cost_per_token',
  'cache_read_input_token_cost',
  'cache_creation_input_token_cost',
  'output_cost_per_reasoning_token',
  'input_cost_per_request',
  'input_cost_per_image',
  'weight',
  'max_input_tokens',
  'tags',
  'additional_drop_params',
  'extra_headers',
]);

const READ_MODEL_INFO = new Set([
  'id',
  'base_model',
  'rpm',
  'tpm',
  'max_input_tokens',
  'input_cost_per_token',
  'output_cost_per_token',
  'cache_read_input_token_cost',
  'cache_creation_input_token_cost',
  'output_cost_per_reasoning_token',
  'input_cost_per_request',
  'input_cost_per_image',
  'access_groups',
  'supported_endpoints',
]);
const RESPONSES_ENDPOINTS = new Set(['/v1/responses', '/responses']);
/** Descriptive model_info fields with no effect on serving: ignored without a warning. */
const DESCRIPTIVE_MODEL_INFO = new Set(['mode', 'max_tokens', 'max_output_tokens', 'litellm_provider', 'description']);

/** Where each model field comes from in an entry, so a rule broken by the mapped model points at the entry's key. */
const FIELD_ORIGIN: Record<keyof CreateModelInput, string> = {
  name: 'model_name',
  provider: 'litellm_params.model',
  providerModel: 'litellm_params.model',
  apiBase: 'litellm_params.api_base',
  apiKeyRef: 'litellm_params.api_key',
  apiVersion: 'litellm_params.api_version',
  region: 'litellm_params.aws_region_name',
  awsAccessKeyIdRef: 'litellm_params.aws_access_key_id',
  awsSecretAccessKeyRef: 'litellm_params.aws_secret_access_key',
  awsSessionTokenRef: 'litellm_params.aws_session_token',
  azureAdTenantId: 'litellm_params.tenant_id',
  azureAdClientId: 'litellm_params.client_id',
  azureAdClientSecretRef: 'litellm_params.client_secret',
  // Never set from the file (see ENTRA_PARAMS).
  azureAdClientAssertionRef: 'litellm_params',
  azureAdTokenRef: 'litellm_params.azure_ad_token',
  azureAdAuthorityHost: 'litellm_params.azure_authority_host',
  // Never set from the file either.
  azureAdManagedIdentity: 'litellm_params',
  timeoutMs: 'litellm_params.timeout',
  streamIdleTimeoutMs: 'litellm_params.stream_timeout',
  responsesApi: 'model_info.supported_endpoints',
  dropParams: 'litellm_params.additional_drop_params',
  defaultParams: 'litellm_params',
  extraHeaders: 'litellm_params.extra_headers',
  inputCostPerMillion: 'litellm_params.input_cost_per_token',
  outputCostPerMillion: 'litellm_params.output_cost_per_token',
  cachedInputCostPerMillion: 'litellm_params.cache_read_input_token_cost',
  cacheWriteCostPerMillion: 'litellm_params.cache_creation_input_token_cost',
  reasoningCostPerMillion: 'litellm_params.output_cost_per_reasoning_token',
  costPerRequest: 'litellm_params.input_cost_per_request',
  costPerImage: 'litellm_params.input_cost_per_image',
  rpmLimit: 'litellm_params.rpm',
  tpmLimit: 'litellm_params.tpm',
  weight: 'litellm_params.weight',
  maxInputTokens: 'model_info.max_input_tokens',
  accessGroups: 'model_info.access_groups',
  tags: 'litellm_params.tags',
};

class Problems {
  readonly errors: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
}

/** Reads one entry's values, reporting each problem at its path. */
class EntryReader {
  constructor(
    private readonly base: string,
    private readonly problems: Problems,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  at(path: string): string {
    return joinPath(this.base, path);
  }

  error(path: string, message: string): void {
    this.problems.error(this.at(path), message);
  }

  warn(path: string, message: string): void {
    this.problems.warn(this.at(path), message);
  }

  /** A secret: a reference, or an error saying how to write one (the value is never repeated). */
  secret(value: unknown, path: string): string | null {
    if (value === undefined || value === null || value === '') return null;
    const name = osEnvironName(value);
    if (name !== undefined) return `env:${name}`;
    if (typeof value === 'string' && isSecretRef(value.trim())) return value.trim();
    this.error(
      path,
      typeof value === 'string'
        ? 'is a literal secret; write it as os.environ/NAME and set NAME in the data planes\' environment (secrets are never stored in the database)'
        : 'must be a reference such as os.environ/NAME',
    );
    return null;
  }

  /** A setting that is not secret; `os.environ/NAME` is read from the control plane's environment now. */
  text(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    const name = osEnvironName(value);
    if (name !== undefined) {
      const resolved = this.env[name];
      if (resolved === undefined || resolved === '') {
        this.error(path, `os.environ/${name} is not set in the control plane's environment (settings that are not secrets are read when the file is loaded)`);
        return null;
      }
      return resolved.trim();
    }
    if (typeof value === 'string') return value.trim() || null;
    if (typeof value === 'number') return String(value);
    this.error(path, 'must be a string');
    return null;
  }

  number(value: unknown, path: string): number | null {
    const text = typeof value === 'string' ? this.text(value, path) : value;
    if (text === undefined || text === null) return null;
    const n = typeof text === 'number' ? text : typeof text === 'string' && text.trim() !== '' ? Number(text) : Number.NaN;
    if (!Number.isFinite(n)) {
      this.error(path, 'must be a number');
      return null;
    }
    return n;
  }

  strings(value: unknown, path: string): string[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    this.error(path, 'must be a list of strings');
    return [];
  }
}

/** USD per token → USD per million tokens, rounded to the 12 decimals the database keeps (no 2.4999999999999996). */
export function perMillion(perToken: number): number {
  return Number((perToken * 1_000_000).toFixed(12));
}

/**
 * Where LiteLLM sends `/v1/responses` to the deployment as is: `azure/` (Azure's Responses API) and `openai/` at any
 * base (`{api_base}/responses`); other OpenAI-compatible prefixes only with `/v1/responses` in
 * `model_info.supported_endpoints`. Tollgate's `responsesApi` says the same.
 */
function nativeResponses(prefix: string, provider: ProviderKind): boolean {
  return provider === 'azure' || (prefix === 'openai' && provider === 'openai_compatible');
}

/** The provider and upstream model id for `litellm_params.model` (and `custom_llm_provider`), or null after an error. */
function providerOf(
  params: Raw,
  apiBase: string | null,
  read: EntryReader,
): { provider: ProviderKind; providerModel: string; apiBase: string | null; nativeResponses: boolean } | null {
  const model = params.model;
  if (typeof model !== 'string' || model.trim() === '') {
    read.error('litellm_params.model', 'is required: the provider and model id, such as openai/gpt-4o');
    return null;
  }
  let prefix: string;
  let id: string;
  if (typeof params.custom_llm_provider === 'string' && params.custom_llm_provider.trim() !== '') {
    prefix = params.custom_llm_provider.trim();
    id = model.trim();
  } else {
    const slash = model.indexOf('/');
    if (slash <= 0) {
      read.error('litellm_params.model', `needs a provider prefix, such as openai/${model.trim()}; supported: ${SUPPORTED_PREFIXES.join(', ')}`);
      return null;
    }
    prefix = model.slice(0, slash);
    id = model.slice(slash + 1).trim();
  }
  const rule = Object.hasOwn(LITELLM_PROVIDERS, prefix) ? LITELLM_PROVIDERS[prefix] : undefined;
  if (!rule) {
    const hint = Object.hasOwn(UNSUPPORTED_HINTS, prefix) ? UNSUPPORTED_HINTS[prefix] : `supported: ${SUPPORTED_PREFIXES.join(', ')}`;
    read.error('litellm_params.model', `provider ${JSON.stringify(`${prefix}/`)} is not supported; ${hint}`);
    return null;
  }
  for (const segment of rule.routeSegments ?? []) {
    if (id.startsWith(`${segment}/`)) id = id.slice(segment.length + 1);
  }
  if (id === '') {
    read.error('litellm_params.model', 'names no model after the provider prefix');
    return null;
  }
  if (id.includes('*')) {
    read.error('litellm_params.model', 'wildcard models are not supported yet; declare each model');
    return null;
  }

  let provider = rule.provider;
  let base = apiBase ?? rule.defaultApiBase ?? null;
  // `openai/` pointed anywhere but OpenAI is an OpenAI-compatible server (vLLM, LM Studio, a proxy, …).
  if (prefix === 'openai' && apiBase !== null && !OPENAI_HOSTS.has(hostOf(apiBase))) provider = 'openai_compatible';
  if (base !== null && rule.apiBaseSuffix) {
    const trimmed = base.replace(/\/+$/, '');
    base = trimmed.endsWith(rule.apiBaseSuffix) ? trimmed : `${trimmed}${rule.apiBaseSuffix}`;
  }
  return { provider, providerModel: id, apiBase: base, nativeResponses: nativeResponses(prefix, provider) };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/** Entry keys besides model_name, litellm_params and model_info that LiteLLM's router reads (capacity, older style). */
const ENTRY_CAPACITY = ['rpm', 'tpm'];

/** One `model_list` entry → a model, or null after reporting why not. */
function modelOf(entry: unknown, base: string, problems: Problems, env: NodeJS.ProcessEnv): CreateModelInput | null {
  const read = new EntryReader(base, problems, env);
  const errorsBefore = problems.errors.length;
  if (!isObject(entry)) {
    problems.error(base, 'must be an object with model_name and litellm_params');
    return null;
  }
  for (const key of Object.keys(entry)) {
    if (!['model_name', 'litellm_params', 'model_info', ...ENTRY_CAPACITY].includes(key)) problems.warn(read.at(key), 'not supported by Tollgate; ignored');
  }
  const name = typeof entry.model_name === 'string' ? entry.model_name.trim() : '';
  if (name === '') read.error('model_name', 'is required: the name clients send as model');
  if (name.includes('*')) read.error('model_name', 'wildcard model names are not supported yet; declare each model');
  if (!isObject(entry.litellm_params)) {
    read.error('litellm_params', 'is required: an object with at least model (such as openai/gpt-4o)');
    return null;
  }
  if (entry.model_info !== undefined && entry.model_info !== null && !isObject(entry.model_info)) read.error('model_info', 'must be an object');
  const params = entry.litellm_params;
  const info = isObject(entry.model_info) ? entry.model_info : {};

  for (const key of Object.keys(params)) {
    if (key === 'drop_params') problems.warn(read.at('litellm_params.drop_params'), DROP_PARAMS_NOTE);
    else if (!READ_PARAMS.has(key) && !REQUEST_PARAMS.has(key)) problems.warn(read.at(`litellm_params.${key}`), 'not supported by Tollgate; ignored');
  }
  for (const key of Object.keys(info)) {
    if (!READ_MODEL_INFO.has(key) && !DESCRIPTIVE_MODEL_INFO.has(key) && !key.startsWith('supports_')) {
      problems.warn(read.at(`model_info.${key}`), 'not supported by Tollgate; ignored');
    }
  }

  const origin: Record<string, string> = { ...FIELD_ORIGIN };
  /**
   * A value from litellm_params, else model_info (LiteLLM reads both for prices, context windows and capacity),
   * else, for capacity, the entry itself (older configs put rpm and tpm there).
   */
  const either = (key: string, field: keyof CreateModelInput): unknown => {
    if (params[key] !== undefined && params[key] !== null) return params[key];
    for (const [where, values] of [['model_info.', info], ['', ENTRY_CAPACITY.includes(key) ? entry : {}]] as const) {
      if (values[key] !== undefined && values[key] !== null) {
        origin[field] = `${where}${key}`;
        return values[key];
      }
    }
    return undefined;
  };
  const price = (key: string, field: keyof CreateModelInput) => {
    const value = read.number(either(key, field), origin[field]!);
    return value === null ? null : perMillion(value);
  };
  const seconds = (key: string) => {
    const value = read.number(params[key], `litellm_params.${key}`);
    return value === null ? null : Math.round(value * 1000);
  };

  const apiBase = read.text(params.api_base, 'litellm_params.api_base');
  const target = providerOf(params, apiBase, read);
  if (target?.provider === 'bedrock' && params.api_key != null) {
    problems.warn(read.at('litellm_params.api_key'), 'Bedrock is called with AWS credentials (aws_access_key_id, aws_secret_access_key); ignored');
  }
  // Prices the entry leaves out are the pricing table's, as LiteLLM's are its cost map's: by `base_model` where given
  // (an Azure deployment's name says nothing of its model), else by the upstream model.
  const baseModel = read.text(info.base_model, 'model_info.base_model');
  const listed = target === null ? undefined : listedPrice(target.provider, baseModel ?? target.providerModel);
  if (baseModel !== null && listed === undefined) {
    problems.warn(read.at('model_info.base_model'), `the pricing table has no price for ${JSON.stringify(baseModel)}: give the entry its prices`);
  }
  const byBase = baseModel !== null && listed !== undefined;
  const inputCost = price('input_cost_per_token', 'inputCostPerMillion') ?? listed?.input ?? null;
  const outputCost = price('output_cost_per_token', 'outputCostPerMillion') ?? listed?.output ?? null;
  const unpriced = Object.entries({ input: inputCost, output: outputCost }).flatMap(([kind, cost]) => (cost === null ? [kind] : []));
  if (unpriced.length > 0) {
    const fields = unpriced.map((kind) => `${kind}_cost_per_token`).join(' or ');
    problems.warn(base, `no ${fields}, and the pricing table has no price for this model: ${JSON.stringify(name)}'s ${unpriced.join(' and ')} tokens are recorded at cost 0`);
  }
  const candidate = {
    name,
    provider: target?.provider,
    providerModel: target?.providerModel,
    apiBase: target?.apiBase ?? apiBase,
    apiKeyRef: target?.provider === 'bedrock' ? null : read.secret(params.api_key, 'litellm_params.api_key'),
    apiVersion: read.text(params.api_version, 'litellm_params.api_version'),
    region: read.text(params.aws_region_name, 'litellm_params.aws_region_name'),
    awsAccessKeyIdRef: read.secret(params.aws_access_key_id, 'litellm_params.aws_access_key_id'),
    awsSecretAccessKeyRef: read.secret(params.aws_secret_access_key, 'litellm_params.aws_secret_access_key'),
    awsSessionTokenRef: read.secret(params.aws_session_token, 'litellm_params.aws_session_token'),
    ...entraId(params, target?.provider, read),
    // Never set from the file (see ENTRA_PARAMS).
    azureAdManagedIdentity: false,
    timeoutMs: seconds('timeout'),
    streamIdleTimeoutMs: seconds('stream_timeout'),
    inputCostPerMillion: inputCost ?? 0,
    outputCostPerMillion: outputCost ?? 0,
    // The table's cache prices for a model priced by `base_model` (one priced by its upstream id finds them itself).
    cachedInputCostPerMillion: price('cache_read_input_token_cost', 'cachedInputCostPerMillion') ?? (byBase ? (listed.cachedInput ?? null) : null),
    cacheWriteCostPerMillion: price('cache_creation_input_token_cost', 'cacheWriteCostPerMillion') ?? (byBase ? (listed.cacheWrite ?? null) : null),
    reasoningCostPerMillion: price('output_cost_per_reasoning_token', 'reasoningCostPerMillion'),
    costPerRequest: read.number(either('input_cost_per_request', 'costPerRequest'), origin.costPerRequest!),
    costPerImage: read.number(either('input_cost_per_image', 'costPerImage'), origin.costPerImage!),
    rpmLimit: read.number(either('rpm', 'rpmLimit'), origin.rpmLimit!),
    tpmLimit: read.number(either('tpm', 'tpmLimit'), origin.tpmLimit!),
    weight: read.number(params.weight, 'litellm_params.weight'),
    maxInputTokens: read.number(either('max_input_tokens', 'maxInputTokens'), origin.maxInputTokens!),
    accessGroups: read.strings(info.access_groups, 'model_info.access_groups'),
    tags: read.strings(params.tags, 'litellm_params.tags'),
    dropParams: read.strings(params.additional_drop_params, 'litellm_params.additional_drop_params'),
    defaultParams: requestParams(params, target?.provider, read),
    extraHeaders: extraHeaders(params.extra_headers, read),
    responsesApi:
      target !== null &&
      RESPONSES_API_PROVIDERS.includes(target.provider) &&
      (target.nativeResponses || read.strings(info.supported_endpoints, 'model_info.supported_endpoints').some((e) => RESPONSES_ENDPOINTS.has(e))),
  };
  if (target === null || problems.errors.length > errorsBefore) return null;
  const parsed = CreateModelInput.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      read.error(Object.hasOwn(origin, field) ? origin[field]! : '', issue.message);
    }
    return null;
  }
  return parsed.data;
}

/**
 * An entry's Microsoft Entra ID settings (see `ENTRA_PARAMS`): the secret and the token must be references, the
 * tenant, client id and authority host are settings. Other providers have no use for them: each is warned about.
 */
function entraId(params: Raw, provider: ProviderKind | undefined, read: EntryReader) {
  if (provider !== 'azure') {
    // Without a provider the entry is refused already; a warning would only add noise.
    for (const key of provider === undefined ? [] : Object.keys(ENTRA_PARAMS)) {
      if (params[key] !== undefined && params[key] !== null) read.warn(`litellm_params.${key}`, 'Microsoft Entra ID credentials are only for azure/ models; ignored');
    }
    return { azureAdTenantId: null, azureAdClientId: null, azureAdClientSecretRef: null, azureAdClientAssertionRef: null, azureAdTokenRef: null, azureAdAuthorityHost: null };
  }
  return {
    azureAdTenantId: read.text(params.tenant_id, 'litellm_params.tenant_id'),
    azureAdClientId: read.text(params.client_id, 'litellm_params.client_id'),
    azureAdClientSecretRef: read.secret(params.client_secret, 'litellm_params.client_secret'),
    azureAdClientAssertionRef: null,
    azureAdTokenRef: read.secret(params.azure_ad_token, 'litellm_params.azure_ad_token'),
    azureAdAuthorityHost: read.text(params.azure_authority_host, 'litellm_params.azure_authority_host'),
  };
}

/** An entry's request parameters as `defaultParams` (see `REQUEST_PARAMS`); elsewhere each one is warned about. */
function requestParams(params: Raw, provider: string | undefined, read: EntryReader): Record<string, unknown> {
  const found = Object.keys(params).filter((key) => REQUEST_PARAMS.has(key) && params[key] !== null && params[key] !== undefined);
  if (provider === undefined || !OPENAI_PROTOCOL.includes(provider)) {
    for (const key of found) read.warn(`litellm_params.${key}`, `sent as set only to providers speaking OpenAI's protocol; give ${provider ?? 'this'} model defaultParams in its API's own names; ignored`);
    return {};
  }
  const defaults: Record<string, unknown> = {};
  for (const key of found) {
    if (key !== 'extra_body') defaults[key] = params[key];
    else if (isObject(params[key])) Object.assign(defaults, params[key]);
    else read.error('litellm_params.extra_body', 'must be an object');
  }
  return defaults;
}

/** `extra_headers`, with `os.environ/NAME` values as references (the API's rules then judge the rest). */
function extraHeaders(value: unknown, read: EntryReader): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) {
    read.error('litellm_params.extra_headers', 'must be an object of header names and values');
    return {};
  }
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, normalizeRef(v)]));
}

/** tollgate.yaml sections a LiteLLM file may carry (LiteLLM has none of these names). */
const TOLLGATE_SECTIONS = ['organizations', 'teams', 'keys', 'guardrailPolicies', 'mcpServers'] as const;

const GENERAL_SETTINGS_NOTES: Record<string, string> = {
  database_url: 'Tollgate reads its database from DATABASE_URL; ignored',
};

/**
 * general_settings Tollgate enforces on the data planes, from their environment, which a file cannot set: each is
 * reported with the variable to set on every data plane, and its value when the setting's carries over. A
 * migration that drops one unnoticed (a gateway open to every address) is the worst kind of surprise.
 * @see https://docs.litellm.ai/docs/proxy/enterprise
 */
const DATA_PLANE_SETTINGS: Record<string, (general: Raw) => string> = {
  allowed_ips: (general) =>
    dataPlaneSetting('TOLLGATE_ALLOWED_IPS', listValue(general.allowed_ips) ?? '<addresses and CIDR ranges, comma-separated>', 'they take requests from any client address'),
  enforce_user_param: (general) => enforcedParams(general),
  enforced_params: (general) => enforcedParams(general),
  max_request_size_mb: ({ max_request_size_mb: mb }) =>
    dataPlaneSetting(
      'TOLLGATE_MAX_BODY_BYTES',
      typeof mb === 'number' && mb > 0 ? String(Math.round(mb * 1024 * 1024)) : '<bytes>',
      'they take request bodies up to 32 MiB',
    ),
};

function dataPlaneSetting(variable: string, value: string, otherwise: string): string {
  return `not enforced from this file: set ${variable}=${value} in every data plane's environment, else ${otherwise}`;
}

/** A list of strings as an environment variable's comma-separated value; undefined for anything else. */
function listValue(value: unknown): string | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? value.join(',') : undefined;
}

/** `enforce_user_param` and `enforced_params` are one variable in Tollgate: both are reported with their union. */
function enforcedParams(general: Raw): string {
  const params = [...(general.enforce_user_param === true ? ['user'] : []), ...(listValue(general.enforced_params)?.split(',') ?? [])];
  if (params.length === 0 && general.enforced_params === undefined) {
    return "ignored: no parameter is required unless TOLLGATE_ENFORCED_PARAMS in the data planes' environment names it";
  }
  return dataPlaneSetting(
    'TOLLGATE_ENFORCED_PARAMS',
    params.length > 0 ? [...new Set(params)].join(',') : '<parameters, comma-separated>',
    'they let requests without them through',
  );
}

/** An entry's `model_info.id`: its identity among the deployments of its name (numbers are ids too). */
function deploymentIdOf(entry: unknown, base: string, problems: Problems): string | null {
  const info = isObject(entry) && isObject(entry.model_info) ? entry.model_info : {};
  if (info.id === undefined || info.id === null) return null;
  const parsed = deploymentName.safeParse(typeof info.id === 'number' ? String(info.id) : info.id);
  if (parsed.success) return parsed.data;
  problems.error(joinPath(base, 'model_info.id'), parsed.error.issues[0]!.message);
  return null;
}

/** `model_list` → its deployments; entries sharing a `model_name` are one model group. */
function modelsOf(list: unknown[], problems: Problems, env: NodeJS.ProcessEnv): Array<Declared<DesiredModel>> {
  const entries = list.map((entry, index) => ({
    name: isObject(entry) && typeof entry.model_name === 'string' ? entry.model_name.trim() : '',
    deployment: deploymentIdOf(entry, `model_list[${index}]`, problems),
  }));
  for (const [index, earlier] of duplicateDeployments(entries)) {
    problems.error(`model_list[${index}].model_info.id`, `is already the id of model_list[${earlier}], another deployment of ${JSON.stringify(entries[index]!.name)}`);
  }
  const deployments = deploymentKeys(entries);
  const models: Array<Declared<DesiredModel>> = [];
  list.forEach((entry, index) => {
    const base = `model_list[${index}]`;
    const model = modelOf(entry, base, problems, env);
    if (model) models.push({ path: base, value: { ...model, deployment: deployments[index]! } });
  });
  return models;
}

/**
 * A parsed YAML document with a top-level `model_list` → the desired config: models, router settings, the master
 * key, and Tollgate's own sections beside them.
 */
export function fromLiteLlmFile(document: Raw, env: NodeJS.ProcessEnv): FormatResult {
  const problems = new Problems();
  let models: Array<Declared<DesiredModel>> = [];
  const list = document.model_list;
  if (!Array.isArray(list)) problems.error('model_list', 'must be a list of models');
  else models = modelsOf(list, problems, env);

  let masterKey: Declared<string> | null = null;
  const general = document.general_settings;
  if (general !== undefined && general !== null) {
    if (!isObject(general)) problems.error('general_settings', 'must be an object');
    else {
      for (const [key, value] of Object.entries(general)) {
        const path = `general_settings.${key}`;
        if (key === 'master_key') {
          const reader = new EntryReader('', problems, env);
          const ref = reader.secret(value, path);
          if (ref !== null) masterKey = { path, value: ref };
        } else if (Object.hasOwn(DATA_PLANE_SETTINGS, key)) {
          problems.warn(path, DATA_PLANE_SETTINGS[key]!(general));
        } else {
          problems.warn(path, (Object.hasOwn(GENERAL_SETTINGS_NOTES, key) && GENERAL_SETTINGS_NOTES[key]) || 'not supported by Tollgate; ignored');
        }
      }
    }
  }
  const router = routerFromLiteLlm(document, problems);
  const tollgate = fromTollgateFile(Object.fromEntries(TOLLGATE_SECTIONS.filter((s) => Object.hasOwn(document, s)).map((s) => [s, document[s]])));
  if (!tollgate.ok) problems.errors.push(...tollgate.errors);

  for (const key of Object.keys(document)) {
    if (['model_list', 'general_settings', 'router_settings', 'litellm_settings', ...TOLLGATE_SECTIONS].includes(key)) continue;
    problems.warn(
      key,
      key === 'environment_variables'
        ? "ignored: set these in the environment of the control plane and the data planes"
        : 'not supported by Tollgate; ignored',
    );
  }

  if (problems.errors.length > 0 || !tollgate.ok) return { ok: false, errors: problems.errors, warnings: problems.warnings };
  const { organizations, teams, keys, guardrailPolicies, mcpServers } = tollgate.desired;
  return {
    ok: true,
    warnings: problems.warnings,
    desired: { format: 'litellm', models, organizations, teams, keys, guardrailPolicies, mcpServers, router, masterKey },
  };
}

/**
 * The pricing table's prices (USD per million tokens) for `model` (`azure/gpt-4o` or `gpt-4o`) on `provider`; undefined
 * when the table has none.
 */
function listedPrice(provider: ProviderKind, model: string): { input: number; output: number; cachedInput?: number; cacheWrite?: number } | undefined {
  const entry = tablePrice(provider, model.slice(model.indexOf('/') + 1));
  if (entry === undefined) return undefined;
  return {
    input: Number(entry.input),
    output: Number(entry.output),
    ...(entry.cachedInput !== undefined && { cachedInput: Number(entry.cachedInput) }),
    ...(entry.cacheWrite !== undefined && { cacheWrite: Number(entry.cacheWrite) }),
  };
}

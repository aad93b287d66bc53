import type { RetryableFailure, RoutingStrategy } from '@tollgate/schema';
import type { z } from 'zod';
import { RouterSettingsPatch, type RouterField, type RouterOverrides } from '../services/router-settings.js';
import type { Declared, DesiredRouter } from './desired.js';
import { joinPath } from './problems.js';
import { routerOverrides, routerRuleProblems } from './router.js';

/**
 * LiteLLM's router settings (`router_settings`, and the few `litellm_settings` LiteLLM's router also reads) as
 * Tollgate's (`RouterConfig`). The mapping is data: per LiteLLM key, the setting it becomes and how its value
 * reads. What Tollgate has no setting for is a warning, never silently dropped.
 * @see https://docs.litellm.ai/docs/proxy/reliability
 * @see https://docs.litellm.ai/docs/routing
 */

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ProblemSink {
  error(path: string, message: string): void;
  warn(path: string, message: string): void;
}

/** Where each setting (and each key within a map setting) was read, for problems found later. */
interface Origins {
  field: Partial<Record<RouterField, string>>;
  /** `retryPolicy` → `timeout` → `router_settings.retry_policy.TimeoutErrorRetries`. */
  entry: Partial<Record<RouterField, Record<string, string>>>;
}

/** Reads one LiteLLM value; undefined after reporting why it cannot be read (or for a value that sets nothing). */
type ValueReader = (value: unknown, path: string, sink: ProblemSink, origins: Record<string, string>) => unknown;

const STRATEGIES: Record<string, RoutingStrategy> = {
  'simple-shuffle': 'weighted',
  'least-busy': 'least_busy',
  'latency-based-routing': 'lowest_latency',
  'usage-based-routing': 'usage_based',
  'usage-based-routing-v2': 'usage_based',
  'cost-based-routing': 'lowest_cost',
};

/** LiteLLM's `RetryPolicy` and `AllowedFailsPolicy` keys by the failure kind they mean, and the ones with no kind. */
const RETRY_POLICY: Record<string, RetryableFailure | { note: string }> = {
  TimeoutErrorRetries: 'timeout',
  RateLimitErrorRetries: 'rate_limit',
  InternalServerErrorRetries: 'server_error',
  AuthenticationErrorRetries: 'auth',
  BadRequestErrorRetries: { note: 'Tollgate never retries a bad request (it would fail again); ignored' },
  ContentPolicyViolationErrorRetries: { note: 'a content-filter refusal is never retried, it goes to content_policy_fallbacks; ignored' },
};
const ALLOWED_FAILS_POLICY: Record<string, RetryableFailure | { note: string }> = {
  TimeoutErrorAllowedFails: 'timeout',
  RateLimitErrorAllowedFails: 'rate_limit',
  InternalServerErrorAllowedFails: 'server_error',
  AuthenticationErrorAllowedFails: 'auth',
  BadRequestErrorAllowedFails: { note: 'bad requests never cool a deployment down in Tollgate; ignored' },
  ContentPolicyViolationErrorAllowedFails: { note: 'content-filter refusals never cool a deployment down in Tollgate; ignored' },
  ServiceUnavailableErrorAllowedFails: { note: 'Tollgate counts 502 and 503 as server errors: use InternalServerErrorAllowedFails; ignored' },
  BadGatewayErrorAllowedFails: { note: 'Tollgate counts 502 and 503 as server errors: use InternalServerErrorAllowedFails; ignored' },
};

const number: ValueReader = (value, path, sink) => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  sink.error(path, 'must be a number');
  return undefined;
};

/** Seconds → milliseconds; the range is checked in milliseconds and reported in seconds (see `message`). */
const seconds: ValueReader = (value, path, sink, origins) => {
  const n = number(value, path, sink, origins);
  return n === undefined ? undefined : Math.round((n as number) * 1000);
};

const strategy: ValueReader = (value, path, sink) => {
  if (typeof value === 'string' && Object.hasOwn(STRATEGIES, value)) return STRATEGIES[value];
  sink.error(path, `must be one of ${Object.keys(STRATEGIES).join(', ')}`);
  return undefined;
};

/** A LiteLLM policy (`{ TimeoutErrorRetries: 2 }`) → counts by failure kind (`{ timeout: 2 }`). */
const failurePolicy =
  (keys: Record<string, RetryableFailure | { note: string }>): ValueReader =>
  (value, path, sink, origins) => {
    if (!isObject(value)) {
      sink.error(path, `must be a map such as { ${Object.keys(keys)[0]}: 2 }`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [key, count] of Object.entries(value)) {
      const at = joinPath(path, key);
      const kind = Object.hasOwn(keys, key) ? keys[key] : undefined;
      if (kind === undefined) sink.warn(at, 'not supported by Tollgate; ignored');
      else if (typeof kind !== 'string') sink.warn(at, kind.note);
      else {
        out[kind] = count;
        origins[kind] = at;
      }
    }
    return out;
  };

/** LiteLLM's fallbacks: a list of one-key maps, `[{ gpt-4o: [claude, gpt-4o-mini] }]` → `{ gpt-4o: [claude, …] }`. */
const fallbackList: ValueReader = (value, path, sink, origins) => {
  if (!Array.isArray(value)) {
    sink.error(path, 'must be a list of maps such as { gpt-4o: [claude-sonnet] }');
    return undefined;
  }
  const out: Record<string, unknown> = {};
  value.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    if (!isObject(item)) {
      sink.error(itemPath, 'must be a map such as { gpt-4o: [claude-sonnet] }');
      return;
    }
    for (const [model, targets] of Object.entries(item)) {
      const at = joinPath(itemPath, model);
      if (model === '*') {
        sink.warn(at, 'fallbacks for every model (*) are not supported by Tollgate; list each model; ignored');
        continue;
      }
      if (Object.hasOwn(out, model)) {
        sink.error(at, `the fallbacks of ${JSON.stringify(model)} are already given at ${origins[model]}`);
        continue;
      }
      // One fallback may be written without the list.
      out[model] = typeof targets === 'string' ? [targets] : targets;
      origins[model] = at;
    }
  });
  return out;
};

interface KeyMapping {
  field: RouterField;
  read: ValueReader;
  /** The LiteLLM value is in seconds (the Tollgate setting in milliseconds). */
  seconds?: boolean;
}

const ROUTER_KEYS: Record<string, KeyMapping> = {
  routing_strategy: { field: 'strategy', read: strategy },
  num_retries: { field: 'numRetries', read: number },
  retry_policy: { field: 'retryPolicy', read: failurePolicy(RETRY_POLICY) },
  // LiteLLM waits at least this long before a retry: Tollgate's first backoff.
  retry_after: { field: 'backoffMs', read: seconds, seconds: true },
  allowed_fails: { field: 'allowedFails', read: number },
  allowed_fails_policy: { field: 'allowedFailsPolicy', read: failurePolicy(ALLOWED_FAILS_POLICY) },
  cooldown_time: { field: 'cooldownMs', read: seconds, seconds: true },
  fallbacks: { field: 'fallbacks', read: fallbackList },
  context_window_fallbacks: { field: 'contextWindowFallbacks', read: fallbackList },
  content_policy_fallbacks: { field: 'contentPolicyFallbacks', read: fallbackList },
};

/** The router settings LiteLLM also takes from `litellm_settings` (its Router falls back to `litellm.<name>`). */
const LITELLM_SETTINGS_KEYS = new Set(['num_retries', 'allowed_fails', 'fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks']);

/** LiteLLM's `drop_params: true` (drop what the provider does not take), per model or for all. */
export const DROP_PARAMS_NOTE =
  'Tollgate sends a provider it translates to only the fields its API takes; for fields sent as the client gave them (OpenAI-compatible servers), list them per model in litellm_params.additional_drop_params; ignored';

const NOTES: Record<string, string> = {
  timeout: 'set timeouts per model (litellm_params.timeout and stream_timeout); ignored',
  request_timeout: 'set timeouts per model (litellm_params.timeout and stream_timeout); ignored',
  stream_timeout: 'set timeouts per model (litellm_params.stream_timeout); ignored',
  default_fallbacks: 'fallbacks for every model are not supported by Tollgate; list each model under fallbacks; ignored',
  drop_params: DROP_PARAMS_NOTE,
  enable_pre_call_checks: "Tollgate always checks the prompt against a model's max_input_tokens when it is known; ignored",
  max_end_user_budget:
    'end users are governed through the API, not the config file: saveEndUser(input: {externalId: "*", maxBudget: …, budgetDuration: …}) gives every end user without settings of its own that budget; ignored',
};

const secondsText = (ms: number) => `${ms / 1000} second${ms === 1000 ? '' : 's'}`;

/** A zod message about a setting read in seconds, in seconds. */
function message(issue: z.core.$ZodIssue, inSeconds: boolean): string {
  if (!inSeconds) return issue.message;
  if (issue.code === 'too_small') return `must be at least ${secondsText(Number(issue.minimum))}`;
  if (issue.code === 'too_big') return `must be at most ${secondsText(Number(issue.maximum))}`;
  return issue.message;
}

/**
 * The router settings of a LiteLLM file, or null when it sets none (the file then leaves them to the API). Every key
 * of `router_settings` either maps or is warned about; `litellm_settings` is read for the router keys LiteLLM reads
 * there too (`router_settings` wins when both set one), and every other key of it is warned about as ignored.
 */
export function routerFromLiteLlm(document: Raw, sink: ProblemSink): Declared<DesiredRouter> | null {
  const candidate: Record<string, unknown> = {};
  const origins: Origins = { field: {}, entry: {} };
  const inSeconds = new Set<RouterField>();
  let errors = false;
  const counting: ProblemSink = {
    error: (path, text) => {
      errors = true;
      sink.error(path, text);
    },
    warn: (path, text) => sink.warn(path, text),
  };

  const read = (sectionName: 'router_settings' | 'litellm_settings', key: string, value: unknown) => {
    const path = `${sectionName}.${key}`;
    const mapping = ROUTER_KEYS[key]!;
    const earlier = origins.field[mapping.field];
    if (earlier !== undefined) {
      counting.warn(path, `${earlier} is used instead; ignored`);
      return;
    }
    const entryOrigins: Record<string, string> = {};
    const mapped = mapping.read(value, path, counting, entryOrigins);
    origins.field[mapping.field] = path;
    origins.entry[mapping.field] = entryOrigins;
    if (mapping.seconds) inSeconds.add(mapping.field);
    if (mapped !== undefined) candidate[mapping.field] = mapped;
  };

  for (const sectionName of ['router_settings', 'litellm_settings'] as const) {
    const section = document[sectionName];
    if (section === undefined || section === null) continue;
    if (!isObject(section)) {
      counting.warn(sectionName, 'must be an object; ignored');
      continue;
    }
    for (const [key, value] of Object.entries(section)) {
      const routerKey = Object.hasOwn(ROUTER_KEYS, key) && (sectionName === 'router_settings' || LITELLM_SETTINGS_KEYS.has(key));
      if (routerKey) read(sectionName, key, value);
      else if (Object.hasOwn(NOTES, key)) counting.warn(`${sectionName}.${key}`, NOTES[key]!);
      else counting.warn(`${sectionName}.${key}`, sectionName === 'router_settings' ? 'not supported by Tollgate; ignored' : 'ignored');
    }
  }
  if (Object.keys(origins.field).length === 0) return null;

  // The same rules as the API's, each problem at the LiteLLM key (or map entry) it came from.
  const parsed = RouterSettingsPatch.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [field, entry] = issue.path as [RouterField, string | undefined];
      const path = (entry !== undefined ? origins.entry[field]?.[entry] : undefined) ?? origins.field[field] ?? '';
      counting.error(path, message(issue, inSeconds.has(field)));
    }
    return null;
  }
  if (errors) return null;
  const settings: RouterOverrides = routerOverrides(parsed.data);
  const pathOf = (field: RouterField) => origins.field[field] ?? 'router_settings';
  let ruleErrors = false;
  for (const problem of routerRuleProblems(settings, pathOf)) {
    ruleErrors = true;
    sink.error(problem.path, problem.message);
  }
  if (ruleErrors) return null;
  const path = Object.values(origins.field).every((p) => p.startsWith('litellm_settings.')) ? 'litellm_settings' : 'router_settings';
  return { path, value: { settings, paths: origins.field } };
}

import { z } from 'zod';

/**
 * The control-plane → data-plane contract: a versioned, immutable snapshot of everything the data plane needs
 * to serve requests without touching PostgreSQL, and the deltas that move it from one version to the next.
 *
 * Unknown fields are stripped on parse so an older data plane accepts a newer control plane's snapshot
 * (expand/contract during rolling upgrades).
 */

/**
 * Provider kinds the data plane has adapters for. `openai_compatible` is any server speaking OpenAI's API at
 * `apiBase` (vLLM, Ollama's /v1, LM Studio, Groq, Together, …).
 */
export const ProviderKind = z.enum(['mock', 'openai', 'azure', 'openai_compatible', 'anthropic', 'gemini', 'bedrock']);
export type ProviderKind = z.infer<typeof ProviderKind>;

/**
 * The gateway's own secrets, which no reference may name: a model whose credential referred to one would send it to
 * whatever `apiBase` the model has (an admin could read the master key or the data-plane token off their own server).
 */
export const GATEWAY_SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'TOLLGATE_MASTER_KEY',
  'TOLLGATE_DATA_PLANE_TOKEN',
  'TOLLGATE_ALERT_WEBHOOK_SECRET',
  'TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
]);

/** A path with a `.` or `..` segment, or an empty one (`//`): one that names a file by way of another name. */
const UNNORMALISED_PATH = /(^|\/)\.\.?(\/|$)|\/\//;

/** Whether an absolute, normalised path lies under /proc, the processes' own state (their environment). */
export const isProcPath = (path: string): boolean => /^\/proc(\/|$)/.test(path);

/** The gateway's own secret, or a path that starts with /proc: what no stored reference may name. */
function gatewaySecretRef(ref: string): string | null {
  if (ref.startsWith('env:') && GATEWAY_SECRET_VARIABLES.has(ref.slice(4))) return `${ref.slice(4)} is the gateway's own secret, not a provider credential`;
  if (ref.startsWith('file:') && isProcPath(ref.slice(5))) return 'files under /proc hold the processes\' own state (their environment), not provider credentials';
  return null;
}

/**
 * Why a reference may not be resolved (the gateway's own secret, or a process's environment), or null. A file is
 * named by its absolute, normalised path, so `/dev/../proc/self/environ` and `//proc/…` cannot pass for another
 * file; data planes also refuse a path that resolves (through symlinks: `/dev/fd`, `/dev/stdin`) under /proc.
 */
export function forbiddenSecretRef(ref: string): string | null {
  const problem = gatewaySecretRef(ref);
  if (problem !== null || !ref.startsWith('file:')) return problem;
  const path = ref.slice(5);
  return path.startsWith('/') && !UNNORMALISED_PATH.test(path)
    ? null
    : 'a file reference is an absolute path without . or .. segments or //, e.g. file:/run/secrets/openai';
}

/** A reference to a secret held outside the database: `env:NAME` or `file:/path`. Never the secret itself. */
export const SecretRef = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, 'secret references look like env:NAME or file:/path');
export type SecretRef = z.infer<typeof SecretRef>;

/**
 * A reference to a provider credential, as the snapshot carries it. The API refuses every `forbiddenSecretRef` (the
 * gateway's own secrets, a relative or unnormalised `file:`, /proc); the snapshot takes any `SecretRef`, so that one
 * stored before a rule existed (an earlier release took `env:DATABASE_URL` and relative paths) fails its own model's
 * requests, saying why (data planes resolve with `forbiddenSecretRef`), not every model's: a snapshot that fails the
 * schema is refused whole, and a data plane without config answers nothing.
 */
const ProviderSecretRef = SecretRef;

export const ModelConfig = z.object({
  id: z.string().min(1),
  /** Public model name clients send in `model`. */
  name: z.string().min(1),
  provider: ProviderKind,
  /** Model id sent upstream. */
  providerModel: z.string().min(1),
  apiBase: z.string().url().nullable().default(null),
  apiKeyRef: ProviderSecretRef.nullable().default(null),
  /** Azure OpenAI `api-version`; Anthropic `anthropic-version` override. */
  apiVersion: z.string().nullable().default(null),
  /** AWS region (Bedrock); Azure/Gemini ignore it. */
  region: z.string().nullable().default(null),
  /** AWS credentials for Bedrock, as references; null falls back to env:AWS_ACCESS_KEY_ID etc. */
  awsAccessKeyIdRef: ProviderSecretRef.nullable().default(null),
  awsSecretAccessKeyRef: ProviderSecretRef.nullable().default(null),
  awsSessionTokenRef: ProviderSecretRef.nullable().default(null),
  /**
   * Azure OpenAI through Microsoft Entra ID instead of an `api-key` (resources whose key access is disabled, as Azure
   * Policy often requires): a bearer token from `azureAdTokenRef` (kept fresh outside the gateway: an environment
   * variable, or a file re-read when it changes), or one the data plane gets and renews itself with an app
   * registration's client credentials at `{azureAdAuthorityHost}/{azureAdTenantId}/oauth2/v2.0/token` (default host
   * `https://login.microsoftonline.com`): `azureAdClientId` with `azureAdClientSecretRef` (a client secret) or with
   * `azureAdClientAssertionRef` (a federated token, e.g. the file AKS workload identity mounts). Null: `api-key`.
   */
  azureAdTenantId: z.string().nullable().default(null),
  azureAdClientId: z.string().nullable().default(null),
  azureAdClientSecretRef: ProviderSecretRef.nullable().default(null),
  azureAdClientAssertionRef: ProviderSecretRef.nullable().default(null),
  azureAdTokenRef: ProviderSecretRef.nullable().default(null),
  azureAdAuthorityHost: z.string().url().nullable().default(null),
  /**
   * The token comes from the Azure host's managed identity instead (App Service, Container Apps and Functions through
   * their `IDENTITY_ENDPOINT`, VMs and AKS nodes through the instance metadata service): the system-assigned one, or
   * the user-assigned one whose client id is `azureAdClientId`.
   */
  azureAdManagedIdentity: z.boolean().default(false),
  /** Upstream timeout (time to first byte), milliseconds; null = the data plane default. */
  timeoutMs: z.number().int().positive().nullable().default(null),
  /** USD per million input tokens. */
  inputCostPerMillion: z.number().nonnegative(),
  /** USD per million output tokens. */
  outputCostPerMillion: z.number().nonnegative(),
  /** USD per million cache-read / cache-write input tokens; null: the pricing table's, else the input price. */
  cachedInputCostPerMillion: z.number().nonnegative().nullable().default(null),
  cacheWriteCostPerMillion: z.number().nonnegative().nullable().default(null),
  /** USD per million reasoning tokens; null: the pricing table's, else the output price. */
  reasoningCostPerMillion: z.number().nonnegative().nullable().default(null),
  /** USD per request and per input image, on top of tokens; null: the pricing table's, else none. */
  costPerRequest: z.number().nonnegative().nullable().default(null),
  costPerImage: z.number().nonnegative().nullable().default(null),
  /** The deployment's capacity per minute; null: unknown. */
  rpmLimit: z.number().int().positive().nullable().default(null),
  tpmLimit: z.number().int().positive().nullable().default(null),
  /** Share of traffic among deployments of one model name. */
  weight: z.number().int().positive().default(1),
  /** Context window in tokens; null: unknown. */
  maxInputTokens: z.number().int().positive().nullable().default(null),
  /** Longest pause between streamed chunks, milliseconds; null: the data plane default. */
  streamIdleTimeoutMs: z.number().int().positive().nullable().default(null),
  /**
   * The deployment serves OpenAI's Responses API (`azure`: `/openai/v1/responses`; `openai_compatible`:
   * `{apiBase}/responses`), so `/v1/responses` requests go to it as sent instead of translated to chat completions.
   * `openai` deployments always do; other providers never.
   */
  responsesApi: z.boolean().default(false),
  /**
   * Fields taken out of every request body before it goes to this deployment, named as its provider's API names
   * them (`metadata`, `user`, `parallel_tool_calls`); a dot reaches into an object (`generationConfig.seed`), `*`
   * into every element of an array (`tools.*.function.strict`). For servers that refuse fields they do not know
   * (Mistral's API answers 422 `extra_forbidden`) or mishandle some. Dropping `stream_options` sends streams
   * without them (usage as the server reports it unasked, else counted by the gateway).
   */
  dropParams: z.array(z.string().min(1)).default([]),
  /**
   * Body fields every request to this deployment gets where it does not set them itself, named as its provider's
   * API names them (`{"chat_template_kwargs": {"enable_thinking": false}}` for a vLLM Qwen3, `{"reasoning_effort":
   * "low"}`); objects are merged field by field. Applied after `dropParams`, so a field named in both is enforced.
   */
  defaultParams: z.record(z.string(), z.unknown()).default({}),
  /**
   * HTTP headers sent with every request to this deployment (a gateway or proxy in front of the provider, OpenRouter's
   * `HTTP-Referer`/`X-Title`, an API management subscription key): a value that is a secret reference (`env:NAME`,
   * `file:/path`) is resolved when sent, any other is sent as it is. The provider's own headers (credentials, content
   * type) always win.
   */
  extraHeaders: z.record(z.string(), z.string()).default({}),
  accessGroups: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
  /** When the deployment was made: the `created` that model lists show (null from control planes that predate it). */
  createdAt: z.string().datetime({ offset: true }).nullable().default(null),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

/**
 * How a data plane picks among the deployments of one public model name (a model group: every model config with
 * that `name`), per group or for all:
 * - `weighted`: random, in proportion to `weight` (the default);
 * - `least_busy`: fewest requests in flight on this data plane;
 * - `lowest_latency`: lowest moving average of time to first token (and of time per output token for long answers);
 * - `usage_based`: most headroom left this minute under the deployment's `rpmLimit` / `tpmLimit`;
 * - `lowest_cost`: cheapest price per token.
 */
export const RoutingStrategy = z.enum(['weighted', 'least_busy', 'lowest_latency', 'usage_based', 'lowest_cost']);
export type RoutingStrategy = z.infer<typeof RoutingStrategy>;

/** Kinds of upstream failure the router retries and cools deployments down for. */
export const RetryableFailure = z.enum(['timeout', 'rate_limit', 'server_error', 'connection', 'auth']);
export type RetryableFailure = z.infer<typeof RetryableFailure>;

/** Model name → the names to try after it, in order. */
const FallbackMap = z.record(z.string().min(1), z.array(z.string().min(1)));

/**
 * Gateway-wide routing and resilience settings. All optional with defaults, so a control plane that predates them
 * (or a snapshot without them) yields the default router.
 */
export const RouterConfig = z.object({
  /** Strategy of every group without its own. */
  strategy: RoutingStrategy.default('weighted'),
  /** Per model group (public name): its strategy. */
  groupStrategies: z.record(z.string().min(1), RoutingStrategy).default({}),
  /** Further attempts after a retryable failure (on another deployment when there is one), per request and model. */
  numRetries: z.number().int().min(0).max(10).default(2),
  /** Per failure kind: retries instead of `numRetries` (0: fail over to fallbacks at once). */
  retryPolicy: z.partialRecord(RetryableFailure, z.number().int().min(0).max(10)).default({}),
  /** First backoff between attempts, milliseconds; doubled per attempt, with full jitter, up to `maxBackoffMs`. */
  backoffMs: z.number().int().min(0).max(60_000).default(100),
  maxBackoffMs: z.number().int().min(0).max(600_000).default(5_000),
  /**
   * Longest `retry-after` the router waits for before retrying the same deployment; a longer one cools the
   * deployment down for that long and moves on to another deployment or fallback, or, with none, answers the
   * provider's 429 with its `retry-after` at once: holding the client longer gains nothing over letting its own
   * retry logic wait (the official SDKs honour `retry-after`).
   */
  maxRetryAfterMs: z.number().int().min(0).max(600_000).default(2_000),
  /** General fallbacks: when every attempt on a model failed with a retryable failure, try these models. */
  fallbacks: FallbackMap.default({}),
  /** When the prompt does not fit the model's window (`maxInputTokens`, or the provider says so), try these. */
  contextWindowFallbacks: FallbackMap.default({}),
  /** When the provider's content filter refuses the request, try these. */
  contentPolicyFallbacks: FallbackMap.default({}),
  /** Failures of one deployment within `failureWindowMs` that cool it down. */
  allowedFails: z.number().int().min(1).max(1_000).default(3),
  /** Per failure kind: failures instead of `allowedFails` (e.g. `rate_limit: 1`). */
  allowedFailsPolicy: z.partialRecord(RetryableFailure, z.number().int().min(1).max(1_000)).default({}),
  failureWindowMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
  /** How long a cooled-down deployment is skipped. */
  cooldownMs: z.number().int().min(1_000).max(3_600_000).default(30_000),
});
export type RouterConfig = z.infer<typeof RouterConfig>;
export const DEFAULT_ROUTER_CONFIG: RouterConfig = RouterConfig.parse({});

/**
 * Budget and limit settings of a governed subject (key, team, …), enforced by the data plane. All optional with
 * defaults, so snapshots of control planes that predate them still parse.
 */
const governed = {
  maxBudget: z.number().nonnegative().nullable().default(null),
  softBudget: z.number().nonnegative().nullable().default(null),
  /** 1h, 1d, 7d, 30d or 1mo (calendar month); null: the budget never resets. */
  budgetDuration: z.string().nullable().default(null),
  budgetResetAt: z.string().datetime({ offset: true }).nullable().default(null),
  rpmLimit: z.number().int().positive().nullable().default(null),
  tpmLimit: z.number().int().positive().nullable().default(null),
  maxParallelRequests: z.number().int().positive().nullable().default(null),
  /**
   * USD spent in the current budget period as the control plane knew it when it sent this entity (a snapshot or a
   * delta). Data planes only seed their budget counters with it when they have none for the period yet (a fresh
   * Redis, a fresh process); after that their counters, settled per request, are the running figure.
   */
  spend: z.number().nonnegative().default(0),
};

/** Budget and limit settings shared by every governed subject; exported for the data plane's limiter. */
export const GovernedConfig = z.object(governed);
export type GovernedConfig = z.infer<typeof GovernedConfig>;

export const TeamConfig = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  /** The team's organization (absent from control planes older than organizations). */
  orgId: z.string().nullable().default(null),
  /** Model names this team may use; empty means every model. */
  models: z.array(z.string()).default([]),
  ...governed,
  blocked: z.boolean().default(false),
  tags: z.array(z.string()).default([]),
  metadata: z.record(z.string(), z.unknown()).default({}),
  guardrails: z.array(z.string()).default([]),
  /**
   * Team member budgets: the hard budget and limits each member gets for their own use of the team's keys (the keys
   * in the team they own), counted for that member alone, in the team's budget period (`budgetDuration`,
   * `budgetResetAt`). Null: none.
   */
  memberMaxBudget: z.number().nonnegative().nullable().default(null),
  memberRpmLimit: z.number().int().positive().nullable().default(null),
  memberTpmLimit: z.number().int().positive().nullable().default(null),
  /**
   * The members those apply to, as `[user id, membership id, own hard budget or null, spend]`: every member when the
   * team has member settings, else those with a budget of their own. The membership id names the member as a
   * governed subject (counters, refusals); the spend (in the team's period, as the control plane counted it) seeds
   * a data plane's counter, as `spend` does a subject's own.
   */
  members: z.array(z.tuple([z.string(), z.string(), z.number().nonnegative().nullable(), z.number().nonnegative()])).optional(),
});
export type TeamConfig = z.infer<typeof TeamConfig>;

/** An organization: its allow list applies to every team and key in it. */
export const OrgConfig = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  /** Model names the organization may use; empty means every model. */
  models: z.array(z.string()).default([]),
  ...governed,
  blocked: z.boolean().default(false),
  tags: z.array(z.string()).default([]),
});
export type OrgConfig = z.infer<typeof OrgConfig>;

/** A user who owns keys: their limits and budget cover all their keys together. */
export const UserConfig = z.object({
  id: z.string().min(1),
  orgId: z.string().nullable().default(null),
  ...governed,
  blocked: z.boolean().default(false),
});
export type UserConfig = z.infer<typeof UserConfig>;

/**
 * An end user (the `user` field of a request, or a customer id header) that has settings: blocked, limits, a budget
 * (its own or its budget tier's, resolved by the control plane). End users without settings are not sent.
 */
export const EndUserConfig = z.object({
  id: z.string().min(1),
  /** The id clients send. */
  externalId: z.string().min(1),
  ...governed,
  blocked: z.boolean().default(false),
  /**
   * Only on the end user `*` (ANY_END_USER) with a budget: what each end user that follows its settings has spent in
   * `*`'s current budget period, as the control plane counted it (`[externalId, USD]`, only those that spent). Data
   * planes seed each such end user's budget counter with it, as `spend` seeds a subject's own.
   */
  spendByEndUser: z.array(z.tuple([z.string(), z.number().nonnegative()])).optional(),
});
export type EndUserConfig = z.infer<typeof EndUserConfig>;

/**
 * The external id of the end user whose limits (rpm, tpm, parallel requests) and budget every end user without
 * settings of its own takes, each counted alone, and which, blocked, admits only end users with settings (an allow
 * list). Those end users share `*`'s budget period (one reset time for all); the control plane counts each one's spend
 * in it and sends it as `spendByEndUser`.
 */
export const ANY_END_USER = '*';

/** A tag with a budget or limits: spend of every request carrying the tag counts against them. */
export const TagConfig = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  ...governed,
});
export type TagConfig = z.infer<typeof TagConfig>;

export const KeyConfig = z.object({
  id: z.string().min(1),
  /** Lower-case hex sha-256 of the full key; the key itself never leaves the create response. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Non-secret display prefix, e.g. `sk-tg-AbCd`. */
  prefix: z.string(),
  alias: z.string().nullable().default(null),
  teamId: z.string().nullable().default(null),
  /** The key's owner and organization (absent from control planes older than organizations). */
  userId: z.string().nullable().default(null),
  orgId: z.string().nullable().default(null),
  /** Model names this key may use; empty means whatever its team may use. */
  models: z.array(z.string()).default([]),
  ...governed,
  blocked: z.boolean().default(false),
  expiresAt: z.string().datetime({ offset: true }).nullable().default(null),
  /**
   * Per-model limits within the key: model name → rpm/tpm/budget (the budget has the key's duration). `spend`: what
   * the key has spent on that model in its current budget period, as the control plane counted it when it sent the
   * key (only with a budget), where a data plane's counter starts from, like a subject's `spend`.
   */
  modelLimits: z
    .record(
      z.string(),
      z.object({ rpm: z.number().int().positive().optional(), tpm: z.number().int().positive().optional(), maxBudget: z.number().nonnegative().optional(), spend: z.number().nonnegative().optional() }),
    )
    .default({}),
  /** alias → model name, for this key's clients. */
  modelAliases: z.record(z.string(), z.string()).default({}),
  metadata: z.record(z.string(), z.unknown()).default({}),
  tags: z.array(z.string()).default([]),
  guardrails: z.array(z.string()).default([]),
  /** Request parameters every request must carry (`user`, `metadata.generation_name`). */
  enforcedParams: z.array(z.string()).default([]),
  /** Client addresses or CIDR ranges; empty: any. */
  allowedIps: z.array(z.string()).default([]),
  /** Routes the key may call; empty: all. */
  allowedRoutes: z.array(z.string()).default([]),
  /** A raise of maxBudget until tempBudgetExpiresAt. */
  tempBudgetIncrease: z.number().nonnegative().nullable().default(null),
  tempBudgetExpiresAt: z.string().datetime({ offset: true }).nullable().default(null),
  /** The replaced secret's hash during a regeneration's grace period, accepted until previousHashExpiresAt. */
  previousHash: z.string().regex(/^[0-9a-f]{64}$/).nullable().default(null),
  previousHashExpiresAt: z.string().datetime({ offset: true }).nullable().default(null),
});
export type KeyConfig = z.infer<typeof KeyConfig>;

export const ConfigSnapshot = z.object({
  version: z.number().int().nonnegative(),
  generatedAt: z.string().datetime({ offset: true }),
  models: z.array(ModelConfig),
  teams: z.array(TeamConfig),
  keys: z.array(KeyConfig),
  /** Governed subjects besides keys and teams (absent from control planes that predate them). */
  orgs: z.array(OrgConfig).default([]),
  users: z.array(UserConfig).default([]),
  endUsers: z.array(EndUserConfig).default([]),
  tags: z.array(TagConfig).default([]),
  /** Routing and resilience settings (absent from control planes that predate them: the defaults). */
  router: RouterConfig.default(DEFAULT_ROUTER_CONFIG),
});
export type ConfigSnapshot = z.infer<typeof ConfigSnapshot>;

/**
 * Config features a subscriber understands, listed by a data plane in the graphql-ws `connectionParams` under
 * `CONFIG_FEATURES_PARAM` when it subscribes to `gatewayConfig`. A control plane sends a feature's messages only to
 * subscribers that listed it; an older data plane lists nothing and gets the messages it has always understood, and
 * an older control plane ignores the parameter and sends those too, which a newer data plane still accepts.
 *
 * - `snapshotParts`: a snapshot may come as several `snapshotPart` messages instead of one `snapshot` message.
 * - `governedSubjects`: deltas may carry the org, user, end-user and tag ops (snapshots carry those lists to
 *   everyone: a data plane that predates them strips them on parse).
 * - `routing`: deltas may carry `setRouter` (snapshots carry `router` to everyone, as above). Several models may share
 *   one `name` (a model group) in any snapshot; a data plane that predates groups serves one of them.
 * - `healthChecks`: the stream may carry `healthCheck` messages (health.ts), which are not config: the data plane
 *   checks the deployments named and reports with `reportModelHealth`.
 * - `subjectSpend`: the stream may carry `subjectSpend` messages (subject-spend.ts), which are not config either: the
 *   spend usage ingest counted, which a data plane seeds and raises its budget counters from.
 */
export const ConfigFeature = z.enum(['snapshotParts', 'governedSubjects', 'routing', 'healthChecks', 'subjectSpend']);
export type ConfigFeature = z.infer<typeof ConfigFeature>;
export const CONFIG_FEATURES_PARAM = 'configFeatures';
/** What this version's data plane understands. */
export const DATA_PLANE_CONFIG_FEATURES: readonly ConfigFeature[] = ['snapshotParts', 'governedSubjects', 'routing', 'healthChecks', 'subjectSpend'];

export const ConfigChange = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsertModel'), value: ModelConfig }),
  z.object({ op: z.literal('deleteModel'), id: z.string() }),
  z.object({ op: z.literal('upsertTeam'), value: TeamConfig }),
  z.object({ op: z.literal('deleteTeam'), id: z.string() }),
  z.object({ op: z.literal('upsertKey'), value: KeyConfig }),
  z.object({ op: z.literal('deleteKey'), id: z.string() }),
  // Sent only to subscribers that listed the `governedSubjects` feature.
  z.object({ op: z.literal('upsertOrg'), value: OrgConfig }),
  z.object({ op: z.literal('deleteOrg'), id: z.string() }),
  z.object({ op: z.literal('upsertUser'), value: UserConfig }),
  z.object({ op: z.literal('deleteUser'), id: z.string() }),
  z.object({ op: z.literal('upsertEndUser'), value: EndUserConfig }),
  z.object({ op: z.literal('deleteEndUser'), id: z.string() }),
  z.object({ op: z.literal('upsertTag'), value: TagConfig }),
  z.object({ op: z.literal('deleteTag'), id: z.string() }),
  // Sent only to subscribers that listed the `routing` feature.
  z.object({ op: z.literal('setRouter'), value: RouterConfig }),
]);
export type ConfigChange = z.infer<typeof ConfigChange>;

/**
 * One message on the `gatewayConfig` subscription. The first message on a subscription is always a snapshot;
 * later ones are deltas. A delta applies only to a data plane whose current version equals `fromVersion`;
 * any other data plane must resubscribe to get a fresh snapshot.
 */
const SnapshotMessage = z.object({ kind: z.literal('snapshot'), version: z.number().int().nonnegative(), snapshot: ConfigSnapshot });
const DeltaMessage = z.object({
  kind: z.literal('delta'),
  fromVersion: z.number().int().nonnegative(),
  version: z.number().int().positive(),
  changes: z.array(ConfigChange),
});
export const ConfigMessage = z.discriminatedUnion('kind', [SnapshotMessage, DeltaMessage]);
export type ConfigMessage = z.infer<typeof ConfigMessage>;

/**
 * A snapshot in parts, for subscribers that listed the `snapshotParts` feature: a run of `snapshotPart` messages
 * numbered from 0, the last one marked `last`, instead of one `snapshot` message. The snapshot is the union of the
 * parts' models, teams and keys (router settings: part 0's), with the version and `generatedAt` of part 0 (see `snapshotParts` in
 * config-wire.ts). Parts keep every message small (a 500,000-key snapshot is over 100 MB of JSON), so neither side
 * builds one huge string and no WebSocket message limit is reached. A data plane applies nothing until the last part
 * has arrived; a part out of sequence means it missed one and must resubscribe.
 */
export const SnapshotPartMessage = z.object({
  kind: z.literal('snapshotPart'),
  version: z.number().int().nonnegative(),
  /** 0, 1, 2, … in the order sent. */
  part: z.number().int().nonnegative(),
  /** True on the final part: the snapshot is complete and applies. */
  last: z.boolean(),
  snapshot: ConfigSnapshot,
});
export type SnapshotPartMessage = z.infer<typeof SnapshotPartMessage>;

/** Every message a subscription may carry: a `ConfigMessage`, or a snapshot part for subscribers that take parts. */
export const ConfigStreamMessage = z.discriminatedUnion('kind', [SnapshotMessage, SnapshotPartMessage, DeltaMessage]);
export type ConfigStreamMessage = z.infer<typeof ConfigStreamMessage>;

/**
 * What may be sent: the schema's input shapes, in which every field with a default may be left out (the receiver's
 * parse fills it in). Control planes send keys that way (`compactKeyConfig`), which is most of a snapshot's size.
 */
export type KeyConfigInput = z.input<typeof KeyConfig>;
export type ConfigSnapshotInput = z.input<typeof ConfigSnapshot>;
export type ConfigChangeInput = z.input<typeof ConfigChange>;
export type ConfigMessageInput = z.input<typeof ConfigMessage>;
export type ConfigStreamMessageInput = z.input<typeof ConfigStreamMessage>;

/** Applies a delta to a snapshot, returning a new snapshot (inputs are never mutated). */
export function applyConfigChanges(base: ConfigSnapshot, version: number, changes: readonly ConfigChange[]): ConfigSnapshot {
  const models = new Map(base.models.map((m) => [m.id, m]));
  const teams = new Map(base.teams.map((t) => [t.id, t]));
  const keys = new Map(base.keys.map((k) => [k.id, k]));
  const orgs = new Map(base.orgs.map((o) => [o.id, o]));
  const users = new Map(base.users.map((u) => [u.id, u]));
  const endUsers = new Map(base.endUsers.map((e) => [e.id, e]));
  const tags = new Map(base.tags.map((t) => [t.id, t]));
  let router = base.router;
  for (const change of changes) {
    switch (change.op) {
      case 'upsertModel': models.set(change.value.id, change.value); break;
      case 'deleteModel': models.delete(change.id); break;
      case 'upsertTeam': teams.set(change.value.id, change.value); break;
      case 'deleteTeam': teams.delete(change.id); break;
      case 'upsertKey': keys.set(change.value.id, change.value); break;
      case 'deleteKey': keys.delete(change.id); break;
      case 'upsertOrg': orgs.set(change.value.id, change.value); break;
      case 'deleteOrg': orgs.delete(change.id); break;
      case 'upsertUser': users.set(change.value.id, change.value); break;
      case 'deleteUser': users.delete(change.id); break;
      case 'upsertEndUser': endUsers.set(change.value.id, change.value); break;
      case 'deleteEndUser': endUsers.delete(change.id); break;
      case 'upsertTag': tags.set(change.value.id, change.value); break;
      case 'deleteTag': tags.delete(change.id); break;
      case 'setRouter': router = change.value; break;
    }
  }
  return {
    version,
    generatedAt: new Date().toISOString(),
    models: [...models.values()],
    teams: [...teams.values()],
    keys: [...keys.values()],
    orgs: [...orgs.values()],
    users: [...users.values()],
    endUsers: [...endUsers.values()],
    tags: [...tags.values()],
    router,
  };
}

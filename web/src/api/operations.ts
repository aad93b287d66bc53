/**
 * Every GraphQL operation the dashboard sends, typed after the contract (schema/schema.graphql). Result types
 * select exactly the fields each document asks for; nullable GraphQL fields are `T | null`, `DateTimeISO` is an
 * ISO string, `JSON` is `unknown` or the shape the contract's description gives.
 */
import { gql } from './client';

// ---------------------------------------------------------------------------------------------------------------
// Result types

/** The five user roles, from most to least powerful. */
export const USER_ROLES = ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** How the caller signed in. */
export type Credential = 'master_key' | 'session' | 'management_key' | 'read_only_key' | (string & {});

/** Who the current credential is. */
export interface Viewer {
  /** A `UserRole`; the master key is `proxy_admin`. */
  role: string;
  credential: Credential;
  /** Null for the master key. */
  userId: string | null;
  organizationId: string | null;
  /** Reads only, whatever the role allows (read-only keys). */
  readOnly: boolean;
}

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: string;
  organizationId: string | null;
  blocked: boolean;
  createdAt: string;
}

/** A dashboard sign-in. */
export interface Session {
  /** `tg-session-…`, sent as `Authorization: Bearer`; shown only in the login answer. */
  token: string;
  expiresAt: string;
  user: User;
}

export interface Organization {
  id: string;
  name: string;
  models: string[];
  maxBudget: number | null;
  spend: number;
  blocked: boolean;
  /** `file` when declared in the config file: changed there only (the API answers CONFLICT). */
  managedBy: string | null;
  createdAt: string;
}

export const TEAM_ROLES = ['admin', 'member'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export interface TeamMember {
  teamId: string;
  /** `admin` or `member`. */
  role: string;
  /** The member's own hard budget in the team, over the team's `memberMaxBudget`; null: the team's. */
  maxBudget: number | null;
  /** What the member spent through the team's keys they own, in the team's current budget period. */
  spend: number;
  user: User;
}

/** Budget periods: a budget's spend starts again at zero after each (`1mo`: a calendar month). */
export const BUDGET_DURATIONS = ['1h', '1d', '7d', '30d', '1mo'] as const;
export type BudgetDuration = (typeof BUDGET_DURATIONS)[number];

export interface Team {
  id: string;
  name: string;
  models: string[];
  /** Recorded with every request of the team's keys (spend by tag, tag budgets). */
  tags: string[];
  /** Its keys are refused until it is unblocked. */
  blocked: boolean;
  maxBudget: number | null;
  /** Crossing it raises a budget alert once per period; nothing is refused. At most `maxBudget`. */
  softBudget: number | null;
  /** A `BudgetDuration`, the period of the team's budget and of its members'; null: the budgets never reset. */
  budgetDuration: string | null;
  /** When the current budget period ends; null without a period. */
  budgetResetAt: string | null;
  /** Spend in the current budget period (all of it without a period). */
  spend: number;
  /** Requests and tokens per minute, and requests in flight, for all of the team's keys together. */
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallelRequests: number | null;
  /** Each member's hard budget for their own use of the team's keys, in the team's period; a member's own overrides it. */
  memberMaxBudget: number | null;
  /** Each member's soft budget: an alert once per period. */
  memberSoftBudget: number | null;
  /** Requests and tokens per minute for each member's use of the team's keys. */
  memberRpmLimit: number | null;
  memberTpmLimit: number | null;
  keyCount: number;
  organizationId: string | null;
  /** `file` when declared in the config file: changed there only (the API answers CONFLICT). */
  managedBy: string | null;
  createdAt: string;
}

export const KEY_TYPES = ['llm_api', 'management', 'read_only'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface VirtualKey {
  id: string;
  prefix: string;
  alias: string | null;
  teamId: string | null;
  team: Pick<Team, 'id' | 'name'> | null;
  models: string[];
  maxBudget: number | null;
  spend: number;
  blocked: boolean;
  /** `llm_api`, `management` or `read_only`. */
  keyType: string;
  /** The user the key belongs to; null for keys made with the master key for nobody. */
  ownerId: string | null;
  organizationId: string | null;
  /** `file` when declared in the config file: changed there only (the API answers CONFLICT). */
  managedBy: string | null;
  expiresAt: string | null;
  createdAt: string;
  /** Crossing it raises an alert once per budget period. */
  softBudget: number | null;
  /** A `BudgetDuration`; null: the budget never resets. */
  budgetDuration: string | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallelRequests: number | null;
  tags: string[];
  /** Per model: `{ "<model>": { "rpm": n, "tpm": n, "maxBudget": usd } }`. */
  modelLimits: Record<string, unknown>;
  /** After a regeneration with a grace period: until when the old secret still works. */
  previousKeyValidUntil: string | null;
  /** Whether the viewer may change everything on it (budgets, limits, models, unblocking), not only what its owner may. */
  viewerCanGovern: boolean;
}

/** One page of `keyPage`. */
export interface KeyPage {
  /** Newest first. */
  keys: VirtualKey[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Who may see what is decided by the server; these narrow it. */
export interface KeyFilter {
  /** Start of the alias (any case) or of the key prefix (`sk-tg-AbC`, exact case). */
  search?: string;
  teamId?: string;
  ownerId?: string;
  organizationId?: string;
  keyType?: KeyType;
  blocked?: boolean;
}

export interface CreatedKey {
  /** The plaintext key: returned by createKey only, never again. */
  key: string;
  virtualKey: VirtualKey;
}

/** One deployment of a model name; the deployments sharing a name are a model group, routed among by the data planes. */
export interface Model {
  id: string;
  /** The public name clients ask for; shared by every deployment of the group. */
  name: string;
  /** How the config file tells this deployment from the others of its name; null for models made through the API. */
  deployment: string | null;
  provider: string;
  providerModel: string;
  /** AWS region (Bedrock). */
  region: string | null;
  /** Share of traffic among the deployments of its name. */
  weight: number;
  /** The deployment's capacity per minute; null: unknown. */
  rpmLimit: number | null;
  tpmLimit: number | null;
  /** Context window in tokens; null: unknown. */
  maxInputTokens: number | null;
  /** Upstream time to first byte, milliseconds; null: the data plane default. */
  timeoutMs: number | null;
  /** Longest pause between streamed chunks, milliseconds; null: timeoutMs, else the data plane default. */
  streamIdleTimeoutMs: number | null;
  /** Responses requests go to it as sent (azure, openai_compatible; openai deployments always). */
  responsesApi: boolean;
  /**
   * Request body fields taken out before a request goes to this deployment, as its provider's API names them; a dot
   * reaches into an object (`generationConfig.seed`), `*` into every element of an array (`tools.*.function.strict`).
   */
  dropParams: string[];
  /**
   * Request body fields every request to this deployment gets where it does not set them, as its provider's API names
   * them (`{"reasoning_effort": "low"}`); objects are merged field by field. Empty: none.
   */
  defaultParams: Record<string, unknown>;
  /**
   * HTTP headers sent with every request to this deployment, name → value; a value may be a secret reference
   * (`env:NAME`, `file:/path`) the data plane resolves when sending, and must be one when the name says it carries a
   * credential. Empty: none.
   */
  extraHeaders: Record<string, string>;
  tags: string[];
  inputCostPerMillion: number;
  outputCostPerMillion: number;
  /** `file` when declared in the config file: changed there only (the API answers CONFLICT). */
  managedBy: string | null;
  createdAt: string;
  /** The latest active health check by each data plane that checked this deployment; empty: never checked. */
  health: ModelHealth[];
}

/**
 * One deployment's latest active health check by one data plane: a real, smallest request to the provider (a
 * one-token chat, or one embedding). Each data plane resolves credentials and reaches providers on its own, so
 * data planes may disagree about a deployment.
 */
export interface ModelHealth {
  /** The deployment (model id). */
  modelId: string;
  /** The data plane that checked. */
  dataPlaneId: string;
  healthy: boolean;
  /** From sending the check to its answer or failure. */
  latencyMs: number;
  /** `chat` or `embedding`. */
  mode: string;
  /** The provider's failure as the gateway maps it (never a credential); null when healthy. */
  error: string | null;
  /** When the data plane checked, by its clock. */
  checkedAt: string;
}

/** How a data plane picks among a model group's deployments. */
export const ROUTING_STRATEGIES = ['weighted', 'least_busy', 'lowest_latency', 'usage_based', 'lowest_cost'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** The kinds of upstream failure the router retries and cools deployments down for. */
export const FAILURE_KINDS = ['timeout', 'rate_limit', 'server_error', 'connection', 'auth'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Model name → the model names to try after it, in order. */
export type FallbackMap = Record<string, string[]>;
/** Failure kind → a count (retries, or failures before a cooldown); absent kinds use the general setting. */
export type FailurePolicy = Partial<Record<FailureKind, number>>;

/** The fallback maps of the router settings, in the order the dashboard shows them. */
export const FALLBACK_FIELDS = ['fallbacks', 'contextWindowFallbacks', 'contentPolicyFallbacks'] as const;
export type FallbackField = (typeof FALLBACK_FIELDS)[number];

/** Gateway-wide routing and resilience settings: every field as in force (set, or its default). */
export interface RouterSettings {
  /** A `RoutingStrategy`: that of every group without its own. */
  strategy: string;
  /** Model name → its own strategy. */
  groupStrategies: Record<string, string>;
  numRetries: number;
  retryPolicy: FailurePolicy;
  backoffMs: number;
  maxBackoffMs: number;
  maxRetryAfterMs: number;
  fallbacks: FallbackMap;
  contextWindowFallbacks: FallbackMap;
  contentPolicyFallbacks: FallbackMap;
  allowedFails: number;
  allowedFailsPolicy: FailurePolicy;
  failureWindowMs: number;
  cooldownMs: number;
  /** `file` while the config file declares them: changed there only (the API answers CONFLICT). */
  managedBy: string | null;
  /** Null while every setting is at its default and never was changed. */
  updatedAt: string | null;
}

/** The settings fields `updateRouterSettings` takes. */
export type RouterSettingsField = Exclude<keyof RouterSettings, 'managedBy' | 'updatedAt'>;

export interface SpendSummary {
  totalSpend: number;
  totalRequests: number;
  totalTokens: number;
}

/** The dimensions `spendReport` groups by. */
export type SpendDimension = 'key' | 'user' | 'team' | 'org' | 'end_user' | 'model' | 'deployment' | 'provider' | 'tag';

/** One value's totals from `spendReport` (the fields this dashboard reads). */
export interface SpendReportRow {
  /** The key id, user id, team id, organization id, … the row is for. */
  value: string;
  cost: number;
  requests: number;
  totalTokens: number;
}

export interface SpendUpdate extends SpendSummary {
  batchSpend: number;
  batchRequests: number;
  at: string;
}

/** A subject's spend reached one of its budgets (`budgetAlerts`): once per budget period. */
export interface BudgetAlert {
  id: string;
  /** `soft_budget` (a warning) or `max_budget` (requests are refused). */
  threshold: string;
  /** `org`, `team`, `team_member`, `user`, `key`, `end_user` or `tag`. */
  subjectKind: string;
  subjectId: string;
  /** The key's alias or prefix, the name, email or external id. */
  subjectName: string | null;
  /** The budget period's length (`1h`, `1d`, `7d`, `30d`, `1mo`); null for a budget that never resets. */
  budgetDuration: string | null;
  budget: number;
  spend: number;
  createdAt: string;
}

/** Before/after snapshots are the stored entity's fields (secrets never included), as JSON. */
export type AuditSnapshot = Record<string, unknown>;

export interface AuditEntry {
  id: string;
  at: string;
  /** `team.create`, `user.update`, `key.update`, … */
  action: string;
  /** A user id, or `master` / `system`. */
  actorId: string;
  actorRole: string;
  credential: string;
  entityType: string;
  entityId: string;
  organizationId: string | null;
  before: AuditSnapshot | null;
  after: AuditSnapshot | null;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export const REQUEST_STATUSES = ['success', 'error', 'aborted'] as const;

/** One request as the ledger recorded it (`requestLog`). */
export interface RequestLogEntry {
  requestId: string;
  startedAt: string;
  /** `success`, `error` or `aborted`. */
  status: string;
  httpStatus: number;
  model: string;
  provider: string | null;
  keyId: string;
  endUser: string | null;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  reasoningTokens: number;
  /** The provider reported no usage; the gateway counted the tokens. */
  estimated: boolean;
  /** USD as an exact decimal string (12 places). */
  cost: string;
  durationMs: number;
  ttftMs: number | null;
  errorMessage: string | null;
  /** The key's alias, else its prefix; null when no key has the id. */
  keyLabel?: string | null;
}

export interface RequestLogPage {
  entries: RequestLogEntry[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface RequestLogFilter {
  status?: string;
  model?: string;
  keyId?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

export interface LoginInput {
  email: string;
  password: string;
}

export interface CreateTeamInput {
  name: string;
  /** The team's organization; an org admin's own by default. */
  organizationId?: string;
  models?: string[];
  tags?: string[];
  maxBudget?: number;
  /** At most `maxBudget`. */
  softBudget?: number;
  budgetDuration?: BudgetDuration;
  rpmLimit?: number;
  tpmLimit?: number;
  maxParallelRequests?: number;
  /** Each member's budgets and limits in the team (org and proxy admins only); see `Team`. */
  memberMaxBudget?: number;
  /** At most `memberMaxBudget`. */
  memberSoftBudget?: number;
  memberRpmLimit?: number;
  memberTpmLimit?: number;
}

/**
 * Absent fields keep their value; null clears a nullable one. A new `budgetDuration` starts a new budget period now
 * (for the team and its members), so a form sends it only when it changed.
 */
export type UpdateTeamInput = {
  name?: string;
  /** Empty: every model. */
  models?: string[];
  tags?: string[];
  blocked?: boolean;
  budgetDuration?: BudgetDuration | null;
} & { [K in TeamLimitField]?: number | null };

/** The budgets and limits of a team and of each of its members: an amount or a count, or none (null). */
export type TeamLimitField =
  | 'maxBudget'
  | 'softBudget'
  | 'rpmLimit'
  | 'tpmLimit'
  | 'maxParallelRequests'
  | 'memberMaxBudget'
  | 'memberSoftBudget'
  | 'memberRpmLimit'
  | 'memberTpmLimit';

export interface CreateKeyInput {
  teamId?: string;
  /** The user the key is for; the caller by default. */
  ownerId?: string;
  keyType?: KeyType;
  alias?: string;
  models?: string[];
  maxBudget?: number;
}

/** Absent fields keep their value; null clears a nullable one. */
export interface UpdateKeyInput {
  alias?: string | null;
  models?: string[];
  maxBudget?: number | null;
  softBudget?: number | null;
  budgetDuration?: BudgetDuration | null;
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  maxParallelRequests?: number | null;
  tags?: string[];
  modelLimits?: Record<string, unknown>;
  blocked?: boolean;
  expiresAt?: string | null;
}

export interface CreateOrganizationInput {
  name: string;
  models?: string[];
  maxBudget?: number;
}

export interface UpdateOrganizationInput {
  name?: string;
  models?: string[];
  maxBudget?: number | null;
  blocked?: boolean;
}

export interface CreateUserInput {
  email: string;
  name?: string;
  role: UserRole;
  organizationId?: string;
  /** 12+ characters; without one the user cannot sign in yet. */
  password?: string;
}

export interface UpdateUserInput {
  name?: string;
  role?: UserRole;
  blocked?: boolean;
}

export interface TeamMemberInput {
  teamId: string;
  userId: string;
  /** Absent means `member`, also for an existing admin: send the current role with any other change. */
  role?: TeamRole;
  /** The member's own hard budget in the team: absent keeps it, null clears it (the team's applies). Org and proxy admins only. */
  maxBudget?: number | null;
}

export interface AuditLogFilter {
  action?: string;
  actorId?: string;
  entityType?: string;
  entityId?: string;
  from?: string;
  to?: string;
}

export const PROVIDERS = ['mock', 'openai', 'azure', 'openai_compatible', 'anthropic', 'gemini', 'bedrock'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** A deployment; a name that already exists adds one to that model group. */
export interface CreateModelInput {
  name: string;
  provider: Provider;
  providerModel: string;
  apiBase?: string;
  /** `env:NAME` or `file:/path`; never the secret itself. */
  apiKeyRef?: string;
  apiVersion?: string;
  region?: string;
  inputCostPerMillion: number;
  outputCostPerMillion: number;
  /** Share of traffic among the deployments of its name (default 1). */
  weight?: number;
  rpmLimit?: number;
  tpmLimit?: number;
  maxInputTokens?: number;
  timeoutMs?: number;
  /** Azure and OpenAI-compatible deployments only: Responses requests go to it as sent. */
  responsesApi?: boolean;
  /** Body fields taken out before a request goes to it (strict servers such as Mistral's API); see `Model.dropParams`. */
  dropParams?: string[];
  /** Body fields a request gets where it does not set them (at most 16 KB of JSON); see `Model.defaultParams`. */
  defaultParams?: Record<string, unknown>;
  /** Headers sent with every request to it (at most 20; credentials as references); see `Model.extraHeaders`. */
  extraHeaders?: Record<string, string>;
  tags?: string[];
}

/** A partial change of the router settings: absent fields keep their value, null returns one to its default. */
export type RouterSettingsInput = { [K in RouterSettingsField]?: RouterSettings[K] | null };

// ---------------------------------------------------------------------------------------------------------------
// Documents

const VIEWER_FIELDS = 'role credential userId organizationId readOnly';
const USER_FIELDS = 'id email name role organizationId blocked createdAt';
const ORGANIZATION_FIELDS = 'id name models maxBudget spend blocked managedBy createdAt';
const TEAM_FIELDS =
  'id name models tags blocked maxBudget softBudget budgetDuration budgetResetAt spend rpmLimit tpmLimit maxParallelRequests memberMaxBudget memberSoftBudget memberRpmLimit memberTpmLimit keyCount organizationId managedBy createdAt';
const TEAM_MEMBER_FIELDS = `teamId role maxBudget spend user { ${USER_FIELDS} }`;
const KEY_FIELDS = `id prefix alias teamId team { id name } models maxBudget spend blocked keyType ownerId organizationId managedBy expiresAt createdAt viewerCanGovern
  softBudget budgetDuration rpmLimit tpmLimit maxParallelRequests tags modelLimits previousKeyValidUntil`;
const AUDIT_FIELDS = 'id at action actorId actorRole credential entityType entityId organizationId before after';
const MODEL_HEALTH_FIELDS = 'modelId dataPlaneId healthy latencyMs mode error checkedAt';
const MODEL_FIELDS = `id name deployment provider providerModel region weight rpmLimit tpmLimit maxInputTokens timeoutMs streamIdleTimeoutMs responsesApi dropParams defaultParams extraHeaders tags inputCostPerMillion outputCostPerMillion managedBy createdAt health { ${MODEL_HEALTH_FIELDS} }`;
const ROUTER_SETTINGS_FIELDS =
  'strategy groupStrategies numRetries retryPolicy backoffMs maxBackoffMs maxRetryAfterMs fallbacks contextWindowFallbacks contentPolicyFallbacks allowedFails allowedFailsPolicy failureWindowMs cooldownMs managedBy updatedAt';
const SPEND_SUMMARY_FIELDS = 'totalSpend totalRequests totalTokens';
const REQUEST_LOG_FIELDS =
  'requestId startedAt status httpStatus model provider keyId keyLabel endUser promptTokens completionTokens cacheReadTokens reasoningTokens estimated cost durationMs ttftMs errorMessage';

export const ViewerQuery = gql<{ viewer: Viewer }>(`query Viewer { viewer { ${VIEWER_FIELDS} } }`);

export const LoginMutation = gql<{ login: Session }, { input: LoginInput }>(
  `mutation Login($input: LoginInput!) { login(input: $input) { token expiresAt user { ${USER_FIELDS} } } }`,
);

export const LogoutMutation = gql<{ logout: boolean }>(`mutation Logout { logout }`);

export const UserQuery = gql<{ user: User }, { id: string }>(`query User($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`);

export const UsersQuery = gql<{ users: User[] }, { organizationId?: string | null }>(
  `query Users($organizationId: ID) { users(organizationId: $organizationId) { ${USER_FIELDS} } }`,
);

export const CreateUserMutation = gql<{ createUser: User }, { input: CreateUserInput }>(
  `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { ${USER_FIELDS} } }`,
);

export const UpdateUserMutation = gql<{ updateUser: User }, { id: string; input: UpdateUserInput }>(
  `mutation UpdateUser($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ${USER_FIELDS} } }`,
);

export const OrganizationsQuery = gql<{ organizations: Organization[] }>(
  `query Organizations { organizations { ${ORGANIZATION_FIELDS} } }`,
);

export const CreateOrganizationMutation = gql<{ createOrganization: Organization }, { input: CreateOrganizationInput }>(
  `mutation CreateOrganization($input: CreateOrganizationInput!) { createOrganization(input: $input) { ${ORGANIZATION_FIELDS} } }`,
);

export const UpdateOrganizationMutation = gql<
  { updateOrganization: Organization },
  { id: string; input: UpdateOrganizationInput }
>(
  `mutation UpdateOrganization($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { ${ORGANIZATION_FIELDS} } }`,
);

export const TeamMembersQuery = gql<{ teamMembers: TeamMember[] }, { teamId: string }>(
  `query TeamMembers($teamId: ID!) { teamMembers(teamId: $teamId) { ${TEAM_MEMBER_FIELDS} } }`,
);

export const SetTeamMemberMutation = gql<{ setTeamMember: TeamMember }, { input: TeamMemberInput }>(
  `mutation SetTeamMember($input: TeamMemberInput!) { setTeamMember(input: $input) { ${TEAM_MEMBER_FIELDS} } }`,
);

export const RemoveTeamMemberMutation = gql<{ removeTeamMember: boolean }, { teamId: string; userId: string }>(
  `mutation RemoveTeamMember($teamId: ID!, $userId: ID!) { removeTeamMember(teamId: $teamId, userId: $userId) }`,
);

export const AuditLogQuery = gql<
  { auditLog: AuditPage },
  { filter?: AuditLogFilter | null; first: number; after?: string | null }
>(
  `query AuditLog($filter: AuditLogFilter, $first: Int!, $after: String) { auditLog(filter: $filter, first: $first, after: $after) { entries { ${AUDIT_FIELDS} } endCursor hasNextPage } }`,
);

/** Requests newest first, filtered, one page at a time; the server shows each caller the requests whose spend they may read. */
export const RequestLogQuery = gql<
  { requestLog: RequestLogPage },
  { filter?: RequestLogFilter | null; first: number; after?: string | null }
>(
  `query RequestLog($filter: RequestLogFilter, $first: Int!, $after: String) { requestLog(filter: $filter, first: $first, after: $after) { entries { ${REQUEST_LOG_FIELDS} } endCursor hasNextPage } }`,
);

export const TeamsQuery = gql<{ teams: Team[] }>(`query Teams { teams { ${TEAM_FIELDS} } }`);

/** Keys one page at a time (first 1..500); the unpaged `keys` query is not used, since it lists every key. */
export const KeyPageQuery = gql<{ keyPage: KeyPage }, { filter?: KeyFilter | null; first: number; after?: string | null }>(
  `query KeyPage($filter: KeyFilter, $first: Int!, $after: String) { keyPage(filter: $filter, first: $first, after: $after) { keys { ${KEY_FIELDS} } endCursor hasNextPage } }`,
);

export const ModelsQuery = gql<{ models: Model[] }>(`query Models { models { ${MODEL_FIELDS} } }`);

/** Totals per value of a dimension, from the daily roll-ups, scoped by the server per role. */
export const SpendReportQuery = gql<
  { spendReport: SpendReportRow[] },
  { dimension: SpendDimension; value?: string | null; first: number }
>(
  `query SpendReport($dimension: String!, $value: String, $first: Int!) { spendReport(dimension: $dimension, value: $value, first: $first) { value cost requests totalTokens } }`,
);

export const SpendSummaryQuery = gql<{ spendSummary: SpendSummary }>(
  `query SpendSummary { spendSummary { ${SPEND_SUMMARY_FIELDS} } }`,
);

/** The newest budget alerts; the server shows each caller those of the spend it may read. */
/** An end user as the top-spenders card shows it (`endUsers`). */
export interface EndUserSpend {
  id: string;
  /** The id the app sends (`user`). */
  externalId: string;
  alias: string | null;
  /** USD spent in its current budget period (for a follower of `*`, the period of `*`). */
  spend: number;
  maxBudget: number | null;
  budgetDuration: string | null;
  /** No settings of its own: the limits and budget of the end user `*` apply to it. */
  followsAnyEndUser: boolean;
}

const END_USER_SPEND_FIELDS = 'id externalId alias spend maxBudget budgetDuration followsAnyEndUser';

/** The end users that spent most in their period, and the end user `*` (the defaults), when there is one. */
export const TopEndUsersQuery = gql<{ top: EndUserSpend[]; defaults: EndUserSpend[] }, { first: number }>(
  `query TopEndUsers($first: Int!) { top: endUsers(orderBy: "spend", first: $first) { ${END_USER_SPEND_FIELDS} } defaults: endUsers(search: "*", first: 1) { ${END_USER_SPEND_FIELDS} } }`,
);

export const BudgetAlertsQuery = gql<{ budgetAlerts: { alerts: BudgetAlert[] } }, { first: number }>(
  `query BudgetAlerts($first: Int!) { budgetAlerts(first: $first) { alerts { id threshold subjectKind subjectId subjectName budgetDuration budget spend createdAt } } }`,
);

export const CreateTeamMutation = gql<{ createTeam: Team }, { input: CreateTeamInput }>(
  `mutation CreateTeam($input: CreateTeamInput!) { createTeam(input: $input) { ${TEAM_FIELDS} } }`,
);

/**
 * Org and proxy admins (not the team's own admins): FORBIDDEN otherwise. BAD_USER_INPUT names each offending field
 * (a soft budget above its hard one); CONFLICT for a name taken, or a team the config file declares.
 */
export const UpdateTeamMutation = gql<{ updateTeam: Team }, { id: string; input: UpdateTeamInput }>(
  `mutation UpdateTeam($id: ID!, $input: UpdateTeamInput!) { updateTeam(id: $id, input: $input) { ${TEAM_FIELDS} } }`,
);

export const CreateKeyMutation = gql<{ createKey: CreatedKey }, { input: CreateKeyInput }>(
  `mutation CreateKey($input: CreateKeyInput!) { createKey(input: $input) { key virtualKey { ${KEY_FIELDS} } } }`,
);

export const UpdateKeyMutation = gql<{ updateKey: VirtualKey }, { id: string; input: UpdateKeyInput }>(
  `mutation UpdateKey($id: ID!, $input: UpdateKeyInput!) { updateKey(id: $id, input: $input) { ${KEY_FIELDS} } }`,
);

export const RegenerateKeyMutation = gql<{ regenerateKey: CreatedKey }, { id: string; input: { gracePeriodSeconds: number } }>(
  `mutation RegenerateKey($id: ID!, $input: RegenerateKeyInput) { regenerateKey(id: $id, input: $input) { key virtualKey { ${KEY_FIELDS} } } }`,
);

export const CreateModelMutation = gql<{ createModel: Model }, { input: CreateModelInput }>(
  `mutation CreateModel($input: CreateModelInput!) { createModel(input: $input) { ${MODEL_FIELDS} } }`,
);

/** Deletes one deployment; the others of its name stay. */
export const DeleteModelMutation = gql<{ deleteModel: boolean }, { id: string }>(
  `mutation DeleteModel($id: ID!) { deleteModel(id: $id) }`,
);

/**
 * Has the connected data planes check deployments now (at most 100 ids): real provider calls. Answers with the first
 * data plane's results (the others' are stored, and listed with the models); may wait up to about 35 s. UNAVAILABLE
 * when no data plane that runs health checks is connected, or none answers in time. Proxy admins only.
 */
export const CheckModelHealthMutation = gql<{ checkModelHealth: ModelHealth[] }, { modelIds: string[] }>(
  `mutation CheckModelHealth($modelIds: [ID!]) { checkModelHealth(modelIds: $modelIds) { ${MODEL_HEALTH_FIELDS} } }`,
);

export const RouterSettingsQuery = gql<{ routerSettings: RouterSettings }>(
  `query RouterSettings { routerSettings { ${ROUTER_SETTINGS_FIELDS} } }`,
);

/** Proxy admins only; BAD_USER_INPUT names each offending field, CONFLICT while the config file declares them. */
export const UpdateRouterSettingsMutation = gql<{ updateRouterSettings: RouterSettings }, { input: RouterSettingsInput }>(
  `mutation UpdateRouterSettings($input: RouterSettingsInput!) { updateRouterSettings(input: $input) { ${ROUTER_SETTINGS_FIELDS} } }`,
);

export const DeleteKeyMutation = gql<{ deleteKey: boolean }, { id: string }>(
  `mutation DeleteKey($id: ID!) { deleteKey(id: $id) }`,
);

export const SpendUpdatedSubscription = gql<{ spendUpdated: SpendUpdate }>(
  `subscription SpendUpdated { spendUpdated { ${SPEND_SUMMARY_FIELDS} batchSpend batchRequests at } }`,
);

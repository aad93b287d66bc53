import type { BudgetDuration } from '../db/entities/governed.js';
import type { GuardrailMode } from '../db/entities/guardrail-policy.entity.js';
import type { McpTransport } from '../db/entities/mcp-server.entity.js';
import type { ModelLimit } from '../db/entities/virtual-key.entity.js';
import type { CreateModelInput } from '../services/inputs.js';
import type { RouterField, RouterOverrides } from '../services/router-settings.js';

/**
 * What a config file declares, whatever its format (tollgate.yaml or LiteLLM's config.yaml): validated, with
 * defaults filled in, references still by name and secrets still as references. `path` is where each object is
 * declared in the file, so every later problem (a conflict, an unknown team) can point at it.
 */
export interface Declared<T> {
  readonly path: string;
  readonly value: T;
}

/** A model entry: one deployment of its name's group (see deployments.ts for how it is told from the others). */
export type DesiredModel = CreateModelInput & {
  /** Its identity among the deployments of its name: the entry's own (`deployment`, `model_info.id`) or `#n`. */
  deployment: string;
};

/** The router settings a file declares. */
export interface DesiredRouter {
  /** The settings it sets; the others take their defaults. */
  settings: RouterOverrides;
  /** Where each one is declared (LiteLLM's keys differ from the fields), for problems found when it is applied. */
  paths: Partial<Record<RouterField, string>>;
}

/** Budget and limit settings of organizations, teams and keys (null: none). */
export interface DesiredGoverned {
  maxBudget: number | null;
  softBudget: number | null;
  budgetDuration: BudgetDuration | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallelRequests: number | null;
}

export interface DesiredOrganization extends DesiredGoverned {
  name: string;
  models: string[];
  blocked: boolean;
  metadata: Record<string, unknown>;
  tags: string[];
  guardrails: string[];
}

export interface DesiredTeam extends DesiredGoverned {
  name: string;
  /** An organization's name: one declared in the file or one made through the API. */
  organization: string | null;
  models: string[];
  blocked: boolean;
  metadata: Record<string, unknown>;
  tags: string[];
  guardrails: string[];
}

/** A key's secret: a reference read at load time (only its sha-256 is kept), or the sha-256 itself. */
export type DesiredSecret = { readonly ref: string } | { readonly hash: string };

export interface DesiredKey extends DesiredGoverned {
  alias: string;
  secret: DesiredSecret;
  /** A team's name; the key belongs to the team's organization. */
  team: string | null;
  /** For a key without a team: an organization's name. */
  organization: string | null;
  models: string[];
  blocked: boolean;
  expiresAt: Date | null;
  modelLimits: Record<string, ModelLimit>;
  modelAliases: Record<string, string>;
  metadata: Record<string, unknown>;
  tags: string[];
  guardrails: string[];
  enforcedParams: string[];
  allowedIps: string[];
  allowedRoutes: string[];
}

export interface DesiredGuardrailPolicy {
  name: string;
  kind: string;
  mode: GuardrailMode;
  action: string;
  settings: Record<string, unknown>;
  defaultOn: boolean;
}

export interface DesiredMcpServer {
  name: string;
  url: string;
  transport: McpTransport;
  authRef: string | null;
  description: string | null;
}

export type ConfigFormat = 'tollgate' | 'litellm';

export interface DesiredConfig {
  readonly format: ConfigFormat;
  readonly models: ReadonlyArray<Declared<DesiredModel>>;
  readonly organizations: ReadonlyArray<Declared<DesiredOrganization>>;
  readonly teams: ReadonlyArray<Declared<DesiredTeam>>;
  readonly keys: ReadonlyArray<Declared<DesiredKey>>;
  readonly guardrailPolicies: ReadonlyArray<Declared<DesiredGuardrailPolicy>>;
  readonly mcpServers: ReadonlyArray<Declared<DesiredMcpServer>>;
  /** The router settings, when the file declares them (it then owns them); null leaves them to the API. */
  readonly router: Declared<DesiredRouter> | null;
  /** The master key as a reference (`env:NAME`, `file:/path`), and where it is declared. */
  readonly masterKey: Declared<string> | null;
}

/** A declared key whose secret has been read: what the database gets. */
export interface ResolvedKey extends Omit<DesiredKey, 'secret'> {
  hash: string;
  /** The non-secret start shown in lists. */
  prefix: string;
}

/** The config with its secrets read: key hashes and the master key's hash. Nothing here is a secret. */
export interface ResolvedConfig extends Omit<DesiredConfig, 'keys' | 'masterKey'> {
  readonly keys: ReadonlyArray<Declared<ResolvedKey>>;
  readonly masterKeyHash: string | null;
}

import type { GovernedConfig, KeyConfig, ModelConfig, RouterConfig, TeamConfig } from '@tollgate/schema';
import { ModelList } from '../governance/model-access.js';
import type { KeyIndex } from './key-index.js';

/**
 * The runtime form of a config snapshot: everything the request path looks up, indexed once when the snapshot
 * arrives and immutable, so a request does lookups only and never sees a half-applied update.
 */
/** A model deployment as the request path sees it: the snapshot's model config, frozen. */
export type RuntimeModel = Readonly<ModelConfig>;

/**
 * The deployments of one public model name, in snapshot order (most names have one). The router picks one per
 * attempt (see routing/router.ts).
 */
export interface ModelGroup {
  readonly name: string;
  readonly deployments: readonly RuntimeModel[];
  /** Some deployment has tags (tag-based routing applies). */
  readonly tagged: boolean;
  /** Some deployment has a context window (`maxInputTokens`): the router needs a prompt estimate. */
  readonly windowed: boolean;
}

/**
 * Budget and limit settings of a governed subject, every field present (as the snapshot's parse fills them in), and
 * `spend`: the current period's spend as the control plane last sent it, to seed budget counters with.
 */
export type RuntimeGoverned = Readonly<GovernedConfig>;

export interface RuntimeTeam extends RuntimeGoverned {
  readonly id: string;
  readonly name: string;
  /** Null for a team in no organization. */
  readonly orgId: string | null;
  readonly blocked: boolean;
  /** Model names the team may use; null means every model. */
  readonly models: ReadonlySet<string> | null;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /**
   * Team member budgets: what each member of the team gets for their own use of its keys, by user id (only members
   * they apply to; see `TeamConfig.members`). Absent when none do.
   */
  readonly members?: ReadonlyMap<string, RuntimeTeamMember>;
}

/** A team member under the team's member budgets (its hard budget the member's own when it has one). */
export interface RuntimeTeamMember {
  /** The membership's id: how the member is counted and named as a subject. */
  readonly id: string;
  readonly maxBudget: number | null;
  readonly rpmLimit: number | null;
  readonly tpmLimit: number | null;
  /** What the member spent in the team's period, as the control plane last sent it (seeds the counter). */
  readonly spend: number;
}

export interface RuntimeOrg extends RuntimeGoverned {
  readonly id: string;
  readonly name: string;
  /** Refuses every key of the organization. */
  readonly blocked: boolean;
  /** Model names the organization may use (every team and key in it); null means every model. */
  readonly models: ReadonlySet<string> | null;
  readonly tags: readonly string[];
}

/** A user who owns keys: their limits and budget cover all their keys together. */
export interface RuntimeUser extends RuntimeGoverned {
  readonly id: string;
  readonly orgId: string | null;
  /** Refuses every key the user owns. */
  readonly blocked: boolean;
}

/** An end user with settings (budget tier already resolved by the control plane); others are not in the config. */
export interface RuntimeEndUser extends RuntimeGoverned {
  readonly id: string;
  /** The id clients send (`user`, Anthropic `metadata.user_id`). */
  readonly externalId: string;
  readonly blocked: boolean;
  /** Only on the end user `*` with a budget: the current period's spend (USD) of each end user that follows it. */
  readonly spendByEndUser?: ReadonlyMap<string, number>;
}

/** A tag with a budget or limits. */
export interface RuntimeTag extends RuntimeGoverned {
  readonly id: string;
  readonly name: string;
}

/** A key's budget, limit and policy settings: the KeyConfig fields the runtime key does not carry itself. */
export type KeySettings = Omit<
  KeyConfig,
  'id' | 'hash' | 'prefix' | 'alias' | 'teamId' | 'userId' | 'orgId' | 'models' | 'blocked' | 'expiresAt' | 'previousHash' | 'previousHashExpiresAt'
>;

/**
 * A key as the request path sees it (built per lookup from the key index, frozen). Display fields (prefix, alias)
 * are not kept by data planes: nothing here acts on them.
 */
export interface RuntimeKey {
  readonly id: string;
  readonly teamId: string | null;
  /** Resolved team; null for a key without team. */
  readonly team: RuntimeTeam | null;
  /** The key names a team the snapshot does not contain: refused (fail closed). */
  readonly teamMissing: boolean;
  readonly userId: string | null;
  /**
   * The key's owner, resolved; null for a key without owner, or whose owner the config does not hold (a control plane
   * that predates governed subjects sends none, so a missing user restricts nothing).
   */
  readonly user: RuntimeUser | null;
  readonly orgId: string | null;
  /** The key's organization (else its team's), resolved; null as for `user`. */
  readonly org: RuntimeOrg | null;
  readonly blocked: boolean;
  /** Epoch milliseconds, or null for a key that never expires. */
  readonly expiresAtMs: number | null;
  /** This is the key's previous secret, accepted until `expiresAtMs` (a regeneration's grace period). */
  readonly replaced?: true;
  /**
   * The key's own, its team's and its organization's model lists that restrict (non-empty), as written: names,
   * access groups and wildcards (an empty list restricts nothing and is left out). A model is allowed when every one
   * of them allows it (see `mayUseModel`).
   */
  readonly modelLists: readonly ReadonlySet<string>[];
  /**
   * The settings that are not at their default; an absent field is at its default (see KEY_CONFIG_DEFAULTS). This
   * includes `spend` (the current period's, as the control plane last sent it) when it is not 0.
   */
  readonly settings: Readonly<Partial<KeySettings>>;
}

/** Looking keys up by the lower-case hex sha-256 of the presented secret. */
export interface KeyLookup {
  get(hash: string): RuntimeKey | undefined;
  has(hash: string): boolean;
  /** Distinct hashes (a key in a regeneration's grace period has two). */
  readonly size: number;
}

/**
 * What deltas apply to: the config's entities by id, in the order a snapshot listed them. Governed subjects are kept
 * in their runtime form (a delta replaces the changed ones and shares the rest).
 */
export interface ConfigState {
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly teams: ReadonlyMap<string, TeamConfig>;
  readonly keys: KeyIndex;
  readonly orgs: ReadonlyMap<string, RuntimeOrg>;
  readonly users: ReadonlyMap<string, RuntimeUser>;
  readonly endUsers: ReadonlyMap<string, RuntimeEndUser>;
  readonly tags: ReadonlyMap<string, RuntimeTag>;
  readonly router: RouterConfig;
}

export interface RuntimeConfig {
  readonly version: number;
  /** Seconds since the epoch of the snapshot, used as `created` in model lists. */
  readonly createdAt: number;
  readonly keysByHash: KeyLookup;
  /** Each public model name's first deployment: what lists, access checks and wildcards go by. */
  readonly modelsByName: ReadonlyMap<string, RuntimeModel>;
  /** Every deployment of each public model name. */
  readonly groupsByName: ReadonlyMap<string, ModelGroup>;
  /** Routing, retry, fallback and cooldown settings. */
  readonly router: RouterConfig;
  readonly teamsById: ReadonlyMap<string, RuntimeTeam>;
  readonly orgsById: ReadonlyMap<string, RuntimeOrg>;
  readonly usersById: ReadonlyMap<string, RuntimeUser>;
  /** End users with settings, by the id clients send; an end user not here has no limits and is not blocked. */
  readonly endUsersByExternalId: ReadonlyMap<string, RuntimeEndUser>;
  /** Tags with a budget or limits, by name. */
  readonly tagsByName: ReadonlyMap<string, RuntimeTag>;
  /** The entities this config was compiled from; deltas apply to them. */
  readonly state: ConfigState;
}

/** Every deployment of the config by its id (the model config id). */
export function deploymentsById(config: RuntimeConfig | null): Map<string, RuntimeModel> {
  const byId = new Map<string, RuntimeModel>();
  for (const group of config?.groupsByName.values() ?? []) for (const deployment of group.deployments) byId.set(deployment.id, deployment);
  return byId;
}

/**
 * Whether `key` may use the model named `modelName` (served by `model`, when known): every list of the key, its team
 * and its organization must allow it, by name, by one of the model's access groups, or by a wildcard.
 */
export function mayUseModel(key: RuntimeKey, modelName: string, model?: RuntimeModel): boolean {
  for (const list of key.modelLists) if (!ModelList.of(list).allows(modelName, model)) return false;
  return true;
}

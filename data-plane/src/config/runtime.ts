import type { KeyConfig, ModelConfig, TeamConfig } from '@tollgate/schema';
import type { KeyIndex } from './key-index.js';

/**
 * The runtime form of a config snapshot: everything the request path looks up, indexed once when the snapshot
 * arrives and immutable, so a request does lookups only and never sees a half-applied update.
 */
/** A model deployment as the request path sees it: the snapshot's model config, frozen. */
export type RuntimeModel = Readonly<ModelConfig>;

export interface RuntimeTeam {
  readonly id: string;
  readonly name: string;
  readonly blocked: boolean;
  /** Model names the team may use; null means every model. */
  readonly models: ReadonlySet<string> | null;
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
  readonly orgId: string | null;
  readonly blocked: boolean;
  /** Epoch milliseconds, or null for a key that never expires. */
  readonly expiresAtMs: number | null;
  /**
   * Model names this key may use, already intersected with its team's list; null means every model:
   * key list (empty = the team's) ∩ team list (empty = all).
   */
  readonly allowedModels: ReadonlySet<string> | null;
  /** The settings that are not at their default; an absent field is at its default (see KEY_CONFIG_DEFAULTS). */
  readonly settings: Readonly<Partial<KeySettings>>;
}

/** Looking keys up by the lower-case hex sha-256 of the presented secret. */
export interface KeyLookup {
  get(hash: string): RuntimeKey | undefined;
  has(hash: string): boolean;
  /** Distinct hashes (a key in a regeneration's grace period has two). */
  readonly size: number;
}

/** What deltas apply to: the config's entities by id, in the order a snapshot listed them. */
export interface ConfigState {
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly teams: ReadonlyMap<string, TeamConfig>;
  readonly keys: KeyIndex;
}

export interface RuntimeConfig {
  readonly version: number;
  /** Seconds since the epoch of the snapshot, used as `created` in model lists. */
  readonly createdAt: number;
  readonly keysByHash: KeyLookup;
  readonly modelsByName: ReadonlyMap<string, RuntimeModel>;
  readonly teamsById: ReadonlyMap<string, RuntimeTeam>;
  /** The entities this config was compiled from; deltas apply to them. */
  readonly state: ConfigState;
}

export function mayUseModel(key: RuntimeKey, modelName: string): boolean {
  return key.allowedModels === null || key.allowedModels.has(modelName);
}

import type { ConfigSnapshot, ModelConfig } from '@tollgate/schema';

/**
 * The runtime form of a config snapshot: everything the request path looks up, indexed once when the snapshot
 * arrives and frozen, so a request does map lookups only and never sees a half-applied update.
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

export interface RuntimeKey {
  readonly id: string;
  readonly prefix: string;
  readonly alias: string | null;
  readonly teamId: string | null;
  /** Resolved team; null for a key without team. */
  readonly team: RuntimeTeam | null;
  /** The key names a team the snapshot does not contain: refused (fail closed). */
  readonly teamMissing: boolean;
  readonly blocked: boolean;
  /** Epoch milliseconds, or null for a key that never expires. */
  readonly expiresAtMs: number | null;
  /**
   * Model names this key may use, already intersected with its team's list; null means every model. Computed
   * here rather than per request: key list (empty = the team's) ∩ team list (empty = all).
   */
  readonly allowedModels: ReadonlySet<string> | null;
}

export interface RuntimeConfig {
  readonly version: number;
  /** The validated snapshot this was compiled from; deltas apply to it. */
  readonly snapshot: ConfigSnapshot;
  /** Seconds since the epoch of the snapshot, used as `created` in model lists. */
  readonly createdAt: number;
  readonly keysByHash: ReadonlyMap<string, RuntimeKey>;
  readonly modelsByName: ReadonlyMap<string, RuntimeModel>;
  readonly teamsById: ReadonlyMap<string, RuntimeTeam>;
}

export function mayUseModel(key: RuntimeKey, modelName: string): boolean {
  return key.allowedModels === null || key.allowedModels.has(modelName);
}

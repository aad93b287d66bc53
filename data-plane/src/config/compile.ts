import type { ConfigChange, ConfigSnapshot, KeyConfigInput, LeanConfigSnapshot, ModelConfig, TeamConfig } from '@tollgate/schema';
import { KeyIndexBuilder, type KeyIndex } from './key-index.js';
import type { ConfigState, KeyLookup, RuntimeConfig, RuntimeKey, RuntimeModel, RuntimeTeam } from './runtime.js';

export interface CompileWarning {
  message: string;
  id: string;
}

export interface Compiled {
  config: RuntimeConfig;
  warnings: CompileWarning[];
}

/**
 * Compiles a validated snapshot into its immutable runtime form. Runs once per config version, never per request.
 * Problems that do not make the snapshot unusable (duplicate model names, keys of unknown teams) are returned as
 * warnings; the affected entries fail closed.
 */
export function compileConfig(snapshot: ConfigSnapshot): Compiled {
  const builder = new SnapshotBuilder(snapshot.version, snapshot.generatedAt);
  builder.add(snapshot);
  return builder.finish();
}

/**
 * Compiles a snapshot that arrives in parts (`snapshotPart` messages): each part's entities are taken as it
 * arrives, so the parts' parsed keys can be collected right away, and the runtime config is built once, at the end.
 */
export class SnapshotBuilder {
  private readonly models = new Map<string, ModelConfig>();
  private readonly teams = new Map<string, TeamConfig>();
  private readonly keys = new KeyIndexBuilder();
  /** Keys whose team had not arrived when they did (checked again at the end). */
  private readonly teamNotYetSeen: { id: string; teamId: string }[] = [];

  constructor(
    readonly version: number,
    private readonly generatedAt: string,
  ) {}

  /** Takes a part's entities; its keys must be valid (checked by `parseConfigMessageLean` or parsed). */
  add(part: LeanConfigSnapshot): void {
    for (const m of part.models) this.models.set(m.id, m);
    for (const t of part.teams) this.teams.set(t.id, t);
    for (const k of part.keys) {
      this.keys.add(k);
      if (k.teamId != null && !this.teams.has(k.teamId)) this.teamNotYetSeen.push({ id: k.id, teamId: k.teamId });
    }
  }

  finish(): Compiled {
    const warnings: CompileWarning[] = [];
    const generated = Date.parse(this.generatedAt);
    const config = runtimeConfig(this.version, Number.isFinite(generated) ? Math.floor(generated / 1000) : 0, {
      models: this.models,
      teams: this.teams,
      keys: this.keys.finish(),
    }, warnings);
    for (const { id, teamId } of this.teamNotYetSeen) {
      if (!this.teams.has(teamId)) warnings.push(orphanKey(id, teamId));
    }
    return { config, warnings };
  }
}

/**
 * The config after a delta, sharing everything the delta does not touch with `config` (which stays as it was:
 * requests holding it keep a consistent view). Changes apply in order; for keys only each id's last change counts,
 * and the key index rebuilds only the shards those keys are in, so a key change costs the same with ten keys or a
 * million.
 */
export function applyDelta(config: RuntimeConfig, version: number, changes: readonly ConfigChange[]): Compiled {
  const warnings: CompileWarning[] = [];
  let models: Map<string, ModelConfig> | null = null;
  let teams: Map<string, TeamConfig> | null = null;
  const keyChanges = new Map<string, KeyConfigInput | null>();
  for (const change of changes) {
    switch (change.op) {
      case 'upsertModel': (models ??= new Map(config.state.models)).set(change.value.id, change.value); break;
      case 'deleteModel': (models ??= new Map(config.state.models)).delete(change.id); break;
      case 'upsertTeam': (teams ??= new Map(config.state.teams)).set(change.value.id, change.value); break;
      case 'deleteTeam': (teams ??= new Map(config.state.teams)).delete(change.id); break;
      case 'upsertKey': keyChanges.set(change.value.id, change.value); break;
      case 'deleteKey': keyChanges.set(change.id, null); break;
    }
  }
  const state: ConfigState = {
    models: models ?? config.state.models,
    teams: teams ?? config.state.teams,
    keys: keyChanges.size > 0 ? config.state.keys.withChanges(keyChanges) : config.state.keys,
  };
  const next = runtimeConfig(version, Math.floor(Date.now() / 1000), state, warnings, {
    modelsByName: models ? undefined : config.modelsByName,
    teamsById: teams ? undefined : config.teamsById,
  });
  for (const key of keyChanges.values()) {
    if (key?.teamId != null && !next.teamsById.has(key.teamId)) warnings.push(orphanKey(key.id, key.teamId));
  }
  return { config: next, warnings };
}

function orphanKey(id: string, teamId: string): CompileWarning {
  return { message: `key refers to unknown team ${teamId}; it is refused`, id };
}

function runtimeConfig(
  version: number,
  createdAt: number,
  state: ConfigState,
  warnings: CompileWarning[],
  unchanged: { modelsByName?: ReadonlyMap<string, RuntimeModel>; teamsById?: ReadonlyMap<string, RuntimeTeam> } = {},
): RuntimeConfig {
  const teamsById = unchanged.teamsById ?? compileTeams(state.teams);
  return Object.freeze({
    version,
    createdAt,
    keysByHash: new KeysByHash(state.keys, teamsById),
    modelsByName: unchanged.modelsByName ?? compileModels(state.models, warnings),
    teamsById,
    state: Object.freeze(state),
  });
}

function compileModels(models: ReadonlyMap<string, ModelConfig>, warnings: CompileWarning[]): ReadonlyMap<string, RuntimeModel> {
  const byName = new Map<string, RuntimeModel>();
  for (const m of models.values()) {
    if (byName.has(m.name)) warnings.push({ message: `duplicate model name ${m.name}; the later entry wins`, id: m.id });
    byName.set(m.name, Object.freeze({ ...m }));
  }
  return byName;
}

function compileTeams(teams: ReadonlyMap<string, TeamConfig>): ReadonlyMap<string, RuntimeTeam> {
  const byId = new Map<string, RuntimeTeam>();
  for (const t of teams.values()) {
    byId.set(t.id, Object.freeze({ id: t.id, name: t.name, blocked: t.blocked, models: t.models.length > 0 ? new Set(t.models) : null }));
  }
  return byId;
}

/** The keys of one config version, with teams resolved in that version's teams. */
class KeysByHash implements KeyLookup {
  constructor(
    private readonly index: KeyIndex,
    private readonly teams: ReadonlyMap<string, RuntimeTeam>,
  ) {
    Object.freeze(this);
  }

  get size(): number {
    return this.index.size;
  }

  get(hash: string): RuntimeKey | undefined {
    return this.index.get(hash, this.teams);
  }

  has(hash: string): boolean {
    return this.index.has(hash);
  }
}


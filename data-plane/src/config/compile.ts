import type { ConfigSnapshot, KeyConfig, TeamConfig } from '@tollgate/schema';
import type { RuntimeConfig, RuntimeKey, RuntimeModel, RuntimeTeam } from './runtime.js';

export interface CompileWarning {
  message: string;
  id: string;
}

/**
 * Compiles a validated snapshot into its immutable runtime form. Runs once per config version, never per request.
 * Problems that do not make the snapshot unusable (duplicate model names, keys of unknown teams) are returned as
 * warnings; the affected entries fail closed.
 */
export function compileConfig(snapshot: ConfigSnapshot): { config: RuntimeConfig; warnings: CompileWarning[] } {
  const warnings: CompileWarning[] = [];

  const modelsByName = new Map<string, RuntimeModel>();
  for (const m of snapshot.models) {
    if (modelsByName.has(m.name)) warnings.push({ message: `duplicate model name ${m.name}; the later entry wins`, id: m.id });
    modelsByName.set(m.name, Object.freeze({ ...m }));
  }

  const teamsById = new Map<string, RuntimeTeam>();
  for (const t of snapshot.teams) teamsById.set(t.id, compileTeam(t));

  const keysByHash = new Map<string, RuntimeKey>();
  for (const k of snapshot.keys) {
    const key = compileKey(k, teamsById);
    if (key.teamMissing) warnings.push({ message: `key refers to unknown team ${k.teamId}; it is refused`, id: k.id });
    keysByHash.set(k.hash, key);
    // A regenerated key's old secret keeps working until its grace period ends, then answers "expired".
    if (k.previousHash !== null && k.previousHashExpiresAt !== null) {
      const graceEnds = Date.parse(k.previousHashExpiresAt);
      const expiresAtMs = key.expiresAtMs === null ? graceEnds : Math.min(key.expiresAtMs, graceEnds);
      keysByHash.set(k.previousHash, Object.freeze({ ...key, expiresAtMs }));
    }
  }

  const generated = Date.parse(snapshot.generatedAt);
  const config: RuntimeConfig = Object.freeze({
    version: snapshot.version,
    snapshot: Object.freeze(snapshot),
    createdAt: Number.isFinite(generated) ? Math.floor(generated / 1000) : 0,
    keysByHash,
    modelsByName,
    teamsById,
  });
  return { config, warnings };
}

function compileTeam(t: TeamConfig): RuntimeTeam {
  return Object.freeze({
    id: t.id,
    name: t.name,
    blocked: t.blocked,
    models: t.models.length > 0 ? new Set(t.models) : null,
  });
}

function compileKey(k: KeyConfig, teams: ReadonlyMap<string, RuntimeTeam>): RuntimeKey {
  const team = k.teamId === null ? null : (teams.get(k.teamId) ?? null);
  const teamModels = team?.models ?? null;
  // The key's own list, or its team's when empty; then never more than the team allows.
  let allowed: ReadonlySet<string> | null;
  if (k.models.length === 0) allowed = teamModels;
  else if (teamModels === null) allowed = new Set(k.models);
  else allowed = new Set(k.models.filter((m) => teamModels.has(m)));

  const expires = k.expiresAt === null ? null : Date.parse(k.expiresAt);
  return Object.freeze({
    id: k.id,
    prefix: k.prefix,
    alias: k.alias,
    teamId: k.teamId,
    team,
    teamMissing: k.teamId !== null && team === null,
    blocked: k.blocked,
    expiresAtMs: expires,
    allowedModels: allowed,
  });
}

import type {
  ConfigChange,
  ConfigSnapshot,
  EndUserConfig,
  GovernedConfig,
  KeyConfigInput,
  LeanConfigSnapshot,
  ModelConfig,
  OrgConfig,
  RouterConfig,
  TagConfig,
  TeamConfig,
  UserConfig,
} from '@tollgate/schema';
import { DEFAULT_ROUTER_CONFIG } from '@tollgate/schema';
import { KeyIndexBuilder, type KeyIndex, type KeyOwners } from './key-index.js';
import type {
  ConfigState,
  KeyLookup,
  ModelGroup,
  RuntimeConfig,
  RuntimeEndUser,
  RuntimeGoverned,
  RuntimeKey,
  RuntimeModel,
  RuntimeOrg,
  RuntimeTag,
  RuntimeTeam,
  RuntimeTeamMember,
  RuntimeUser,
} from './runtime.js';

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
  private readonly orgs = new Map<string, RuntimeOrg>();
  private readonly users = new Map<string, RuntimeUser>();
  private readonly endUsers = new Map<string, RuntimeEndUser>();
  private readonly tags = new Map<string, RuntimeTag>();
  private router: RouterConfig = DEFAULT_ROUTER_CONFIG;
  private routerTaken = false;
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
    for (const o of part.orgs) this.orgs.set(o.id, runtimeOrg(o));
    for (const u of part.users) this.users.set(u.id, runtimeUser(u));
    for (const e of part.endUsers) this.endUsers.set(e.id, runtimeEndUser(e));
    for (const t of part.tags) this.tags.set(t.id, runtimeTag(t));
    // Parts after the first carry the defaults (see `snapshotParts`): the first part's settings stand.
    if (!this.routerTaken) {
      this.router = part.router;
      this.routerTaken = true;
    }
    for (const k of part.keys) {
      this.keys.add(k);
      if (k.teamId != null && !this.teams.has(k.teamId)) this.teamNotYetSeen.push({ id: k.id, teamId: k.teamId });
    }
  }

  finish(): Compiled {
    const warnings: CompileWarning[] = [];
    const generated = Date.parse(this.generatedAt);
    const state: ConfigState = {
      models: this.models,
      teams: this.teams,
      keys: this.keys.finish(),
      orgs: this.orgs,
      users: this.users,
      endUsers: this.endUsers,
      tags: this.tags,
      router: this.router,
    };
    const config = runtimeConfig(this.version, Number.isFinite(generated) ? Math.floor(generated / 1000) : 0, state, warnings, {
      endUsersByExternalId: indexBy(this.endUsers, (e) => e.externalId),
      tagsByName: indexBy(this.tags, (t) => t.name),
    });
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
 * million. Governed subjects are replaced one by one in copies of their maps (no subject is compiled again).
 */
export function applyDelta(config: RuntimeConfig, version: number, changes: readonly ConfigChange[]): Compiled {
  const warnings: CompileWarning[] = [];
  let models: Map<string, ModelConfig> | null = null;
  let teams: Map<string, TeamConfig> | null = null;
  const keyChanges = new Map<string, KeyConfigInput | null>();
  const orgs = new SubjectChanges(config.state.orgs);
  const users = new SubjectChanges(config.state.users);
  const endUsers = new SubjectChanges(config.state.endUsers, config.endUsersByExternalId, (e) => e.externalId);
  const tags = new SubjectChanges(config.state.tags, config.tagsByName, (t) => t.name);
  let router = config.state.router;
  for (const change of changes) {
    switch (change.op) {
      case 'upsertModel': (models ??= new Map(config.state.models)).set(change.value.id, change.value); break;
      case 'deleteModel': (models ??= new Map(config.state.models)).delete(change.id); break;
      case 'upsertTeam': (teams ??= new Map(config.state.teams)).set(change.value.id, change.value); break;
      case 'deleteTeam': (teams ??= new Map(config.state.teams)).delete(change.id); break;
      case 'upsertKey': keyChanges.set(change.value.id, change.value); break;
      case 'deleteKey': keyChanges.set(change.id, null); break;
      case 'upsertOrg': orgs.set(runtimeOrg(change.value)); break;
      case 'deleteOrg': orgs.delete(change.id); break;
      case 'upsertUser': users.set(runtimeUser(change.value)); break;
      case 'deleteUser': users.delete(change.id); break;
      case 'upsertEndUser': endUsers.set(runtimeEndUser(change.value)); break;
      case 'deleteEndUser': endUsers.delete(change.id); break;
      case 'upsertTag': tags.set(runtimeTag(change.value)); break;
      case 'deleteTag': tags.delete(change.id); break;
      case 'setRouter': router = change.value; break;
    }
  }
  const state: ConfigState = {
    models: models ?? config.state.models,
    teams: teams ?? config.state.teams,
    keys: keyChanges.size > 0 ? config.state.keys.withChanges(keyChanges) : config.state.keys,
    orgs: orgs.byId,
    users: users.byId,
    endUsers: endUsers.byId,
    tags: tags.byId,
    router,
  };
  const next = runtimeConfig(version, Math.floor(Date.now() / 1000), state, warnings, {
    models: models ? undefined : { byName: config.modelsByName, groups: config.groupsByName },
    teamsById: teams ? undefined : config.teamsById,
    endUsersByExternalId: endUsers.byName,
    tagsByName: tags.byName,
  });
  for (const key of keyChanges.values()) {
    if (key?.teamId != null && !next.teamsById.has(key.teamId)) warnings.push(orphanKey(key.id, key.teamId));
  }
  return { config: next, warnings };
}

/**
 * Copy-on-write changes to governed subjects of one kind: their map by id and, for end users and tags, their map by
 * the name requests carry. The maps are copied at the first change only; without changes the current ones stay.
 */
class SubjectChanges<S extends { readonly id: string }> {
  private copied = false;

  constructor(
    public byId: ReadonlyMap<string, S>,
    public byName: ReadonlyMap<string, S> = new Map(),
    private readonly nameOf: ((subject: S) => string) | null = null,
  ) {}

  set(subject: S): void {
    const { byId, byName } = this.writable();
    this.unname(byId.get(subject.id), byName);
    byId.set(subject.id, subject);
    if (this.nameOf) byName.set(this.nameOf(subject), subject);
  }

  delete(id: string): void {
    const { byId, byName } = this.writable();
    this.unname(byId.get(id), byName);
    byId.delete(id);
  }

  private unname(previous: S | undefined, byName: Map<string, S>): void {
    if (previous && this.nameOf && byName.get(this.nameOf(previous)) === previous) byName.delete(this.nameOf(previous));
  }

  private writable(): { byId: Map<string, S>; byName: Map<string, S> } {
    if (!this.copied) {
      this.byId = new Map(this.byId);
      if (this.nameOf) this.byName = new Map(this.byName);
      this.copied = true;
    }
    return { byId: this.byId as Map<string, S>, byName: this.byName as Map<string, S> };
  }
}

function orphanKey(id: string, teamId: string): CompileWarning {
  return { message: `key refers to unknown team ${teamId}; it is refused`, id };
}

function runtimeConfig(
  version: number,
  createdAt: number,
  state: ConfigState,
  warnings: CompileWarning[],
  indexes: {
    models?: CompiledModels;
    teamsById?: ReadonlyMap<string, RuntimeTeam>;
    endUsersByExternalId: ReadonlyMap<string, RuntimeEndUser>;
    tagsByName: ReadonlyMap<string, RuntimeTag>;
  },
): RuntimeConfig {
  const teamsById = indexes.teamsById ?? compileTeams(state.teams);
  const models = indexes.models ?? compileModels(state.models);
  return Object.freeze({
    version,
    createdAt,
    keysByHash: new KeysByHash(state.keys, { teams: teamsById, orgs: state.orgs, users: state.users }),
    modelsByName: models.byName,
    groupsByName: models.groups,
    router: state.router,
    teamsById,
    orgsById: state.orgs,
    usersById: state.users,
    endUsersByExternalId: indexes.endUsersByExternalId,
    tagsByName: indexes.tagsByName,
    state: Object.freeze(state),
  });
}

function indexBy<S>(subjects: ReadonlyMap<string, S>, nameOf: (subject: S) => string): Map<string, S> {
  const byName = new Map<string, S>();
  for (const subject of subjects.values()) byName.set(nameOf(subject), subject);
  return byName;
}

interface CompiledModels {
  readonly byName: ReadonlyMap<string, RuntimeModel>;
  readonly groups: ReadonlyMap<string, ModelGroup>;
}

/** Models by public name: several models of one name are the deployments of one group, in snapshot order. */
function compileModels(models: ReadonlyMap<string, ModelConfig>): CompiledModels {
  const deployments = new Map<string, RuntimeModel[]>();
  for (const m of models.values()) {
    const model = Object.freeze({ ...m });
    const list = deployments.get(m.name);
    if (list === undefined) deployments.set(m.name, [model]);
    else list.push(model);
  }
  const byName = new Map<string, RuntimeModel>();
  const groups = new Map<string, ModelGroup>();
  for (const [name, list] of deployments) {
    byName.set(name, list[0]!);
    groups.set(
      name,
      Object.freeze({ name, deployments: Object.freeze(list), tagged: list.some((m) => m.tags.length > 0), windowed: list.some((m) => m.maxInputTokens !== null) }),
    );
  }
  return { byName, groups };
}

function compileTeams(teams: ReadonlyMap<string, TeamConfig>): ReadonlyMap<string, RuntimeTeam> {
  const byId = new Map<string, RuntimeTeam>();
  for (const t of teams.values()) {
    byId.set(t.id, Object.freeze({
      id: t.id,
      name: t.name,
      orgId: t.orgId,
      blocked: t.blocked,
      models: modelSet(t.models),
      tags: Object.freeze([...t.tags]),
      metadata: deepFreeze(structuredClone(t.metadata)),
      ...governed(t),
      ...(t.members !== undefined && t.members.length > 0 && { members: teamMembers(t) }),
    }));
  }
  return byId;
}

/** The team's members as its member budgets apply to them: the team's limits, and its hard budget or their own. */
function teamMembers(t: TeamConfig): ReadonlyMap<string, RuntimeTeamMember> {
  const members = new Map<string, RuntimeTeamMember>();
  for (const [userId, id, maxBudget, spend] of t.members ?? []) {
    members.set(userId, Object.freeze({ id, maxBudget: maxBudget ?? t.memberMaxBudget, rpmLimit: t.memberRpmLimit, tpmLimit: t.memberTpmLimit, spend }));
  }
  return members;
}

/** The governed settings of a parsed subject (every field filled in by the schema's defaults). */
function governed(c: GovernedConfig): RuntimeGoverned {
  return {
    maxBudget: c.maxBudget,
    softBudget: c.softBudget,
    budgetDuration: c.budgetDuration,
    budgetResetAt: c.budgetResetAt,
    rpmLimit: c.rpmLimit,
    tpmLimit: c.tpmLimit,
    maxParallelRequests: c.maxParallelRequests,
    spend: c.spend,
  };
}

/** An allow list: null for an empty one (no restriction). */
const modelSet = (models: readonly string[]) => (models.length > 0 ? new Set(models) : null);

function runtimeOrg(o: OrgConfig): RuntimeOrg {
  return Object.freeze({ id: o.id, name: o.name, blocked: o.blocked, models: modelSet(o.models), tags: Object.freeze([...o.tags]), ...governed(o) });
}

function runtimeUser(u: UserConfig): RuntimeUser {
  return Object.freeze({ id: u.id, orgId: u.orgId, blocked: u.blocked, ...governed(u) });
}

function runtimeEndUser(e: EndUserConfig): RuntimeEndUser {
  const endUser: RuntimeEndUser = { id: e.id, externalId: e.externalId, blocked: e.blocked, ...governed(e) };
  // A Map, not the object it could be: an end user's id is the client's, and may be `__proto__`.
  return Object.freeze(e.spendByEndUser !== undefined && e.spendByEndUser.length > 0 ? { ...endUser, spendByEndUser: new Map(e.spendByEndUser) } : endUser);
}

function runtimeTag(t: TagConfig): RuntimeTag {
  return Object.freeze({ id: t.id, name: t.name, ...governed(t) });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The keys of one config version, with teams, owners and organizations resolved in that version's. */
class KeysByHash implements KeyLookup {
  constructor(
    private readonly index: KeyIndex,
    private readonly owners: KeyOwners,
  ) {
    Object.freeze(this);
  }

  get size(): number {
    return this.index.size;
  }

  get(hash: string): RuntimeKey | undefined {
    return this.index.get(hash, this.owners);
  }

  has(hash: string): boolean {
    return this.index.has(hash);
  }
}


import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { EntityName } from '@mikro-orm/core';
import { DEFAULT_ROUTER_CONFIG, hashKey, RouterConfig } from '@tollgate/schema';
import {
  GuardrailPolicy,
  McpServer,
  Model,
  Organization,
  ROUTER_SETTINGS_ID,
  RouterSettings,
  Setting,
  Team,
  TeamMembership,
  User,
  VirtualKey,
  type ConfigEntity,
} from '../db/entities/index.js';
import type { Governed } from '../db/entities/governed.js';
import { SYSTEM_PRINCIPAL } from '../auth/roles.js';
import { auditView, type Actor, type AdminTx, type AdminWriter } from '../services/audit.js';
import { recordSubjectAlerts, type SubjectIds } from '../services/budget-alerts.js';
import { membershipIdsOf, nextBudgetReset, recountMembers } from '../services/budget-period.js';
import { budgetChanged, startNewPeriod } from '../services/governed.js';
import { modelSettings } from '../services/config-mappers.js';
import { findRouterSettings, routerConfigOf, routerNameErrors, routerReferences, type RouterField } from '../services/router-settings.js';
import type { Declared, DesiredGoverned, DesiredModel, ResolvedConfig, ResolvedKey } from './desired.js';
import { joinPath, type ConfigProblem } from './problems.js';

/** Marks objects the config file owns: created, changed and deleted by the loader only (see `assertApiManaged`). */
export const FILE_MANAGED = 'file';

/**
 * The sha-256 of the master key the file last set (no row: it sets none), so each change of it is audited once,
 * whichever replica applies it, and also when it changed while no control plane was running.
 */
const FILE_MASTER_KEY_SETTING = 'config_file_master_key_sha256';

export const CONFIG_KINDS = ['model', 'organization', 'team', 'key', 'guardrailPolicy', 'mcpServer', 'router'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

export interface KindCount {
  kind: ConfigKind;
  declared: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Entries skipped (or removals held back) because an object made through the API is in the way. */
  conflicts: number;
}

export interface ApplyReport {
  counts: KindCount[];
  /** Objects the file declares but could not take, or could not remove, and why. */
  conflicts: ConfigProblem[];
  /** Objects created, changed or deleted, and the master key if it changed; 0 means the database already matched the file. */
  changes: number;
}

/** Problems that make the whole apply roll back (a reference to a team that does not exist, …). */
export class ApplyError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'ApplyError';
  }
}

/** The actor of every change the file makes: the control plane itself, with the file named in the audit entry. */
export function fileActor(path: string, fingerprint: string): Actor {
  return { principal: SYSTEM_PRINCIPAL, meta: { ip: null, userAgent: `config file ${path}`, requestId: `config-file:${fingerprint.slice(0, 16)}` } };
}

/**
 * Values compared as the database gives them back: object keys in any order (jsonb sorts them), numbers to the 12
 * decimals money columns keep, dates as instants.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) => {
    if (typeof v === 'number') return Number(v.toFixed(12));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** The fields of `desired` whose value differs from `current`. */
function changedFields(desired: Record<string, unknown>, current: Record<string, unknown>): string[] {
  return Object.keys(desired).filter((field) => canonical(desired[field]) !== canonical(current[field]));
}

const governedOf = (e: Governed): DesiredGoverned => ({
  maxBudget: e.maxBudget,
  softBudget: e.softBudget,
  budgetDuration: e.budgetDuration,
  rpmLimit: e.rpmLimit,
  tpmLimit: e.tpmLimit,
  maxParallelRequests: e.maxParallelRequests,
});

interface NamedEntity {
  id: string;
  name: string;
  managedBy: string | null;
  deletedAt: Date | null;
}

/**
 * How one name-identified kind is stored, audited and published. Names are unique among the live objects of a kind,
 * except models: a name is a model group, whose deployments the file tells apart (`identity`).
 */
interface NamedKind<E extends NamedEntity> {
  kind: ConfigKind;
  entity: EntityName<E>;
  /** In messages: "a model named …". */
  noun: string;
  /** The config-file section, where removals are reported. */
  section: string;
  auditType: string;
  auditAction: string;
  /** Data planes follow this kind through `config_change` (models, organizations, teams); the others are not in their config. */
  configEntity?: ConfigEntity;
  /** For kinds with budgets (`Governed`): the kind budget periods and alerts name them by. */
  budgeted?: 'org' | 'team';
  /** Which declared entry a file-managed object is; default its name. */
  identity?(entity: E): string;
  orgIdOf(entity: E): string | null;
  /** The entity's current values of the fields the file sets, as comparable plain values (relations as ids). */
  current(entity: E): Record<string, unknown>;
  /** Why the entity cannot be deleted now (still in use by objects made through the API), or null. */
  deleteBlocker?(entity: E): Promise<string | null>;
  onDelete?(entity: E): Promise<void>;
}

/**
 * Makes the database match a resolved config file, in the caller's transaction (one `AdminWriter.run`, under the
 * config lock): creates, changes and deletes the objects the file owns, leaves everything made through the API
 * alone (a declared name taken by such an object is a conflict: the entry is skipped), and records a config
 * change and an audit entry only for what actually changed, so applying a file again writes nothing.
 */
class Reconciler {
  private readonly counts = new Map<ConfigKind, KindCount>(
    CONFIG_KINDS.map((kind) => [kind, { kind, declared: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, conflicts: 0 }]),
  );
  private readonly conflicts: ConfigProblem[] = [];
  private readonly errors: ConfigProblem[] = [];
  /** What the apply leaves: the router settings in force, and the names with a live deployment (model groups). */
  private routerAfter: RouterConfig = DEFAULT_ROUTER_CONFIG;
  private modelNamesAfter = new Set<string>();
  /** Subjects whose budgets the apply set or changed: their alerts are checked once it is done. */
  private readonly budgetsChanged = { org: [] as string[], team: [] as string[], key: [] as string[] } satisfies SubjectIds;
  /** Team memberships whose spend a team's new period recounted, and teams whose member budgets changed: their alerts are checked. */
  private readonly membersChanged: string[] = [];
  private readonly teamsWithMemberBudgetsChanged: string[] = [];

  constructor(
    private readonly tx: AdminTx,
    private readonly config: ResolvedConfig,
  ) {}

  private get em() {
    return this.tx.em;
  }

  private count(kind: ConfigKind): KindCount {
    return this.counts.get(kind)!;
  }

  private conflict(kind: ConfigKind, path: string, message: string): void {
    this.count(kind).conflicts += 1;
    this.conflicts.push({ path, message });
  }

  async run(): Promise<ApplyReport> {
    const { config } = this;
    const guardrails = await this.declareNamed(this.guardrailKind(), config.guardrailPolicies, (d) => ({ ...d }));
    const mcpServers = await this.declareNamed(this.mcpKind(), config.mcpServers, (d) => ({ ...d }));
    const models = await this.declareNamed(this.modelKind(), config.models, (d) => ({ ...d }), deploymentIdentity);
    const orgs = await this.declareNamed(this.orgKind(), config.organizations, (d) => ({ ...d }));
    const teams = await this.declareNamed(this.teamKind(), config.teams, async (d, path, existing) => {
      const { organization, ...rest } = d;
      const orgId = organization === null ? null : await this.organizationId(organization, joinPath(path, 'organization'), orgs.applied);
      if (orgId === undefined) return undefined;
      const fields: Record<string, unknown> = { ...rest, organization: orgId };
      // Moving a team to another organization would leave its members and API-made keys in the old one.
      if (existing && (existing.organization?.id ?? null) !== orgId && (await this.teamHasApiDependents(existing))) {
        this.conflict('team', joinPath(path, 'organization'), `team ${JSON.stringify(d.name)} has members or keys made through the API; it stays in its organization`);
        fields.organization = existing.organization?.id ?? null;
      }
      return fields;
    });
    await this.reconcileKeys(teams.applied, orgs.applied);
    // After the models (its names must exist once the file is applied), before their removals (which it may hold back).
    this.modelNamesAfter = new Set([...models.applied.values(), ...models.live.filter((m) => m.managedBy !== FILE_MANAGED)].map((m) => m.name));
    this.routerAfter = await this.reconcileRouter();

    // Removals, dependents first: keys (above), then teams, then organizations. Flushed so the checks for what still
    // uses them see this transaction's own deletions.
    await this.em.flush();
    await this.removeUndeclared(this.teamKind(), teams);
    await this.em.flush();
    await this.removeUndeclared(this.orgKind(), orgs);
    await this.removeUndeclared(this.modelKind(), models);
    await this.removeUndeclared(this.mcpKind(), mcpServers);
    await this.removeUndeclared(this.guardrailKind(), guardrails);

    if (this.errors.length > 0) throw new ApplyError(this.errors);
    const masterKeyChanged = await this.reconcileMasterKey();
    await recordSubjectAlerts(this.em, this.budgetsChanged);
    this.membersChanged.push(...(await membershipIdsOf(this.em, this.teamsWithMemberBudgetsChanged)));
    await recordSubjectAlerts(this.em, { team_member: this.membersChanged });
    const counts = [...this.counts.values()];
    const changes = counts.reduce((n, c) => n + c.created + c.updated + c.deleted, 0) + (masterKeyChanged ? 1 : 0);
    return { counts, conflicts: this.conflicts, changes };
  }

  // --- name-identified kinds -------------------------------------------------------------------------------------

  /**
   * Creates or updates each declared object of one kind. `fieldsOf` gives the entity values (relations as ids), or
   * undefined after reporting an error; `identify` says which object an entry is (its name, unless the kind has
   * several objects per name). Returns the applied objects by identity and every live one found.
   */
  private async declareNamed<E extends NamedEntity, D extends { name: string }>(
    spec: NamedKind<E>,
    declared: ReadonlyArray<Declared<D>>,
    fieldsOf: (desired: D, path: string, existing: E | undefined) => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined,
    identify: (desired: D) => string = (d) => d.name,
  ): Promise<{ applied: Map<string, E>; live: E[] }> {
    const count = this.count(spec.kind);
    count.declared = declared.length;
    const live = (await this.em.find(spec.entity, { deletedAt: null } as never)) as E[];
    const identityOf = spec.identity ?? ((e: E) => e.name);
    const apiNames = new Set(live.filter((e) => e.managedBy !== FILE_MANAGED).map((e) => e.name));
    const fileObjects = new Map(live.filter((e) => e.managedBy === FILE_MANAGED).map((e) => [identityOf(e), e]));
    const applied = new Map<string, E>();
    for (const { path, value } of declared) {
      // A name the API uses is the API's: for models, its whole group (see assertGroupApiManaged in services/models.ts).
      if (apiNames.has(value.name)) {
        this.conflict(
          spec.kind,
          path,
          `a ${spec.noun} named ${JSON.stringify(value.name)} was made through the API; it is left as it is and this entry is skipped (delete it through the API to let the file manage it, or rename the entry)`,
        );
        continue;
      }
      const identity = identify(value);
      const existing = fileObjects.get(identity);
      const fields = await fieldsOf(value, path, existing);
      if (fields === undefined) continue;
      if (!existing) {
        const entity = this.em.create(spec.entity, { ...this.withRelations(fields), managedBy: FILE_MANAGED } as never) as E;
        if ('budgetDuration' in fields) (entity as unknown as Governed).budgetResetAt = nextBudgetReset((entity as unknown as Governed).budgetDuration);
        if (spec.budgeted && budgetChanged(fields)) this.budgetsChanged[spec.budgeted].push(entity.id);
        if (spec.configEntity) this.tx.record(spec.configEntity, entity.id, 'upsert');
        this.tx.audit({ action: `${spec.auditAction}.create`, entityType: spec.auditType, entityId: entity.id, orgId: spec.orgIdOf(entity), after: auditView(entity) });
        count.created += 1;
        applied.set(identity, entity);
        continue;
      }
      applied.set(identity, existing);
      const changed = changedFields(fields, spec.current(existing));
      if (changed.length === 0) {
        count.unchanged += 1;
        continue;
      }
      const before = auditView(existing);
      const changes = Object.fromEntries(changed.map((f) => [f, fields[f]]));
      this.em.assign(existing, this.withRelations(changes) as never);
      if (spec.budgeted) {
        const governed = existing as unknown as Governed & { id: string };
        // A new period, its spend recounted from the ledger, as for a change through the API.
        if (changed.includes('budgetDuration')) {
          await startNewPeriod(this.em, spec.budgeted, governed, governed.budgetDuration);
          // A team's new period is one for its members' budgets too (see recountMembersSql).
          if (spec.budgeted === 'team') {
            await this.em.flush();
            this.membersChanged.push(...(await recountMembers(this.em, [existing.id])));
          }
        }
        if (budgetChanged(changes)) this.budgetsChanged[spec.budgeted].push(existing.id);
        if (spec.budgeted === 'team' && changed.some((f) => f === 'memberMaxBudget' || f === 'memberSoftBudget')) this.teamsWithMemberBudgetsChanged.push(existing.id);
      }
      if (spec.configEntity) this.tx.record(spec.configEntity, existing.id, 'upsert');
      this.tx.audit({ action: `${spec.auditAction}.update`, entityType: spec.auditType, entityId: existing.id, orgId: spec.orgIdOf(existing), before, after: auditView(existing) });
      count.updated += 1;
    }
    return { applied, live };
  }

  /** Deletes the objects of one kind the file owned and no longer declares, unless API-made objects still use them. */
  private async removeUndeclared<E extends NamedEntity>(spec: NamedKind<E>, { applied, live }: { applied: Map<string, E>; live: E[] }): Promise<void> {
    const declared = new Set(applied.values());
    for (const entity of live) {
      if (entity.managedBy !== FILE_MANAGED || declared.has(entity)) continue;
      const blocker = (await spec.deleteBlocker?.(entity)) ?? null;
      if (blocker !== null) {
        this.conflict(spec.kind, spec.section, `${spec.noun} ${JSON.stringify(entity.name)} is no longer declared but ${blocker}; it stays until then`);
        continue;
      }
      const before = auditView(entity);
      entity.deletedAt = new Date();
      await spec.onDelete?.(entity);
      if (spec.configEntity) this.tx.record(spec.configEntity, entity.id, 'delete');
      this.tx.audit({ action: `${spec.auditAction}.delete`, entityType: spec.auditType, entityId: entity.id, orgId: spec.orgIdOf(entity), before });
      this.count(spec.kind).deleted += 1;
    }
  }

  /** Relation ids (`organization`, `team`) as references the ORM can assign. */
  private withRelations(fields: Record<string, unknown>): Record<string, unknown> {
    const out = { ...fields };
    if (typeof out.organization === 'string') out.organization = this.em.getReference(Organization, out.organization);
    if (typeof out.team === 'string') out.team = this.em.getReference(Team, out.team);
    return out;
  }

  private modelKind(): NamedKind<Model> {
    return {
      kind: 'model',
      entity: Model,
      noun: 'model',
      section: 'models',
      auditType: 'model',
      auditAction: 'model',
      configEntity: 'model',
      identity: (m) => modelIdentity(m.name, m.deployment ?? ''),
      orgIdOf: () => null,
      current: (m) => ({ ...modelSettings(m), deployment: m.deployment }),
      // Only the last deployment of a name matters to the router settings, and only if they are not the file's
      // (the file's own were checked against the names it leaves).
      deleteBlocker: async (m) => {
        if (this.modelNamesAfter.has(m.name)) return null;
        const places = routerReferences(this.routerAfter, m.name);
        return places.length > 0 ? `the router settings name it (${places.join(', ')})` : null;
      },
    };
  }

  private orgKind(): NamedKind<Organization> {
    return {
      kind: 'organization',
      entity: Organization,
      noun: 'organization',
      section: 'organizations',
      auditType: 'organization',
      auditAction: 'org',
      configEntity: 'org',
      budgeted: 'org',
      orgIdOf: (o) => o.id,
      current: (o) => ({ name: o.name, models: o.models, ...governedOf(o), blocked: o.blocked, metadata: o.metadata, tags: o.tags, guardrails: o.guardrails }),
      deleteBlocker: async (o) =>
        (await this.em.count(Team, { organization: o.id, deletedAt: null })) > 0 || (await this.em.count(User, { organization: o.id, deletedAt: null })) > 0
          ? 'it still has teams or users'
          : null,
    };
  }

  private teamKind(): NamedKind<Team> {
    return {
      kind: 'team',
      entity: Team,
      noun: 'team',
      section: 'teams',
      auditType: 'team',
      auditAction: 'team',
      configEntity: 'team',
      budgeted: 'team',
      orgIdOf: (t) => t.organization?.id ?? null,
      current: (t) => ({
        name: t.name,
        organization: t.organization?.id ?? null,
        models: t.models,
        ...governedOf(t),
        memberMaxBudget: t.memberMaxBudget,
        memberSoftBudget: t.memberSoftBudget,
        memberRpmLimit: t.memberRpmLimit,
        memberTpmLimit: t.memberTpmLimit,
        blocked: t.blocked,
        metadata: t.metadata,
        tags: t.tags,
        guardrails: t.guardrails,
      }),
      deleteBlocker: async (t) => ((await this.em.count(VirtualKey, { team: t.id, deletedAt: null })) > 0 ? 'it still has keys made through the API' : null),
      onDelete: async (t) => {
        await this.em.nativeDelete(TeamMembership, { team: t.id });
      },
    };
  }

  private guardrailKind(): NamedKind<GuardrailPolicy> {
    return {
      kind: 'guardrailPolicy',
      entity: GuardrailPolicy,
      noun: 'guardrail policy',
      section: 'guardrailPolicies',
      auditType: 'guardrail_policy',
      auditAction: 'guardrail',
      orgIdOf: () => null,
      current: (g) => ({ name: g.name, kind: g.kind, mode: g.mode, action: g.action, settings: g.settings, defaultOn: g.defaultOn }),
    };
  }

  private mcpKind(): NamedKind<McpServer> {
    return {
      kind: 'mcpServer',
      entity: McpServer,
      noun: 'MCP server',
      section: 'mcpServers',
      auditType: 'mcp_server',
      auditAction: 'mcp_server',
      orgIdOf: () => null,
      current: (s) => ({ name: s.name, url: s.url, transport: s.transport, authRef: s.authRef, description: s.description }),
    };
  }

  private async teamHasApiDependents(team: Team): Promise<boolean> {
    return (
      (await this.em.count(TeamMembership, { team: team.id })) > 0 ||
      (await this.em.count(VirtualKey, { team: team.id, deletedAt: null, managedBy: { $ne: FILE_MANAGED } })) > 0
    );
  }

  // --- router settings -------------------------------------------------------------------------------------------

  /**
   * The router settings: the file's when it declares them (taking them over from the API: the file says how the
   * gateway routes), checked against the model names the apply leaves; when it stops declaring them, back to the
   * defaults and to the API. Returns the settings in force afterwards.
   */
  private async reconcileRouter(): Promise<RouterConfig> {
    const count = this.count('router');
    const declared = this.config.router;
    count.declared = declared ? 1 : 0;
    const row = await findRouterSettings(this.em);
    if (!declared) {
      if (row?.managedBy !== FILE_MANAGED) return routerConfigOf(row);
      this.writeRouter(row, {}, null);
      count.deleted += 1;
      return DEFAULT_ROUTER_CONFIG;
    }
    const { settings, paths } = declared.value;
    const config = RouterConfig.parse(settings);
    for (const [field, messages] of Object.entries(routerNameErrors(config, this.modelNamesAfter))) {
      const path = paths[field as RouterField] ?? joinPath(declared.path, field);
      for (const message of messages) this.errors.push({ path, message: `${message}: declare it under models, or make it through the API` });
    }
    if (row?.managedBy === FILE_MANAGED && isDeepStrictEqual(row.settings, settings)) {
      count.unchanged += 1;
      return config;
    }
    this.writeRouter(row, settings, FILE_MANAGED);
    if (row) count.updated += 1;
    else count.created += 1;
    return config;
  }

  private writeRouter(existing: RouterSettings | null, settings: Record<string, unknown>, managedBy: string | null): void {
    const before = routerConfigOf(existing);
    const row = existing ?? this.em.create(RouterSettings, {});
    row.settings = settings;
    row.managedBy = managedBy;
    row.updatedAt = new Date();
    this.tx.record('router', ROUTER_SETTINGS_ID, 'upsert');
    this.tx.audit({ action: 'router.update', entityType: 'router_settings', entityId: ROUTER_SETTINGS_ID, orgId: null, before: { ...before }, after: { ...routerConfigOf(row) } });
  }

  // --- master key ------------------------------------------------------------------------------------------------

  /**
   * Audits a change of the master key the file sets (the loader hands the key itself to the credentials, per
   * process). The entry names a key by the first 8 hex digits of its sha-256 only: enough to tell keys apart.
   * Returns whether it changed.
   */
  private async reconcileMasterKey(): Promise<boolean> {
    const hash = this.config.masterKeyHash;
    const stored = await this.em.findOne(Setting, { key: FILE_MASTER_KEY_SETTING });
    const before = stored?.value ?? null;
    if (before === hash) return false;
    if (hash === null) this.em.remove(stored!);
    else if (stored) stored.value = hash;
    else this.em.create(Setting, { key: FILE_MASTER_KEY_SETTING, value: hash });
    const view = (h: string | null) => (h === null ? null : { setBy: 'config file', sha256Prefix: h.slice(0, 8) });
    this.tx.audit({ action: 'master_key.update', entityType: 'master_key', entityId: 'master_key', orgId: null, before: view(before), after: view(hash) });
    return true;
  }

  // --- references by name ----------------------------------------------------------------------------------------

  /**
   * The id of the organization a declared object names: one the file declares (and was applied), else one made
   * through the API. A file-managed organization the file no longer declares is about to go, so it does not count.
   * Undefined after reporting the error.
   */
  private async organizationId(name: string, path: string, applied: Map<string, Organization>): Promise<string | undefined> {
    const declared = applied.get(name);
    if (declared) return declared.id;
    const org = await this.em.findOne(Organization, { name, deletedAt: null });
    if (org && org.managedBy !== FILE_MANAGED) return org.id;
    this.errors.push({ path, message: `no organization named ${JSON.stringify(name)}: declare it under organizations, or make it through the API` });
    return undefined;
  }

  private async team(name: string, path: string, applied: Map<string, Team>): Promise<Team | undefined> {
    const declared = applied.get(name);
    if (declared) return declared;
    const team = await this.em.findOne(Team, { name, deletedAt: null });
    if (team && team.managedBy !== FILE_MANAGED) return team;
    this.errors.push({ path, message: `no team named ${JSON.stringify(name)}: declare it under teams, or make it through the API` });
    return undefined;
  }

  // --- keys ------------------------------------------------------------------------------------------------------

  /**
   * Keys are identified by alias among the file's keys; a key whose alias changed but whose secret did not is the
   * same key (renamed), and a removed key declared again with its old secret comes back. A secret held by a key made
   * through the API, or an alias such a key has, is a conflict; a conflict never deletes a live key: the file's key
   * an entry names by its secret stays as it was (old alias, old settings) until the conflict is resolved. The hash
   * column is unique over all rows, deleted ones included, so secrets moving between keys go through a placeholder
   * first.
   */
  private async reconcileKeys(teams: Map<string, Team>, orgs: Map<string, Organization>): Promise<void> {
    const { em } = this;
    const declared = this.config.keys;
    const count = this.count('key');
    count.declared = declared.length;
    const liveFileKeys = await em.find(VirtualKey, { deletedAt: null, managedBy: FILE_MANAGED }, { populate: ['hash'] });
    const aliases = declared.map((k) => k.value.alias);
    const apiAliases = new Set(
      (await em.find(VirtualKey, { deletedAt: null, managedBy: null, alias: { $in: aliases } })).map((k) => k.alias),
    );
    const holders = new Map(
      (await em.find(VirtualKey, { hash: { $in: declared.map((k) => k.value.hash) } }, { populate: ['hash'] })).map((k) => [k.hash, k]),
    );

    interface Plan {
      path: string;
      desired: ResolvedKey;
      row: VirtualKey | undefined;
    }
    const claimed = new Set<VirtualKey>();
    const byAlias = new Map(liveFileKeys.map((k) => [k.alias, k]));
    const plans: Plan[] = declared.map(({ path, value }) => {
      const row = byAlias.get(value.alias);
      if (row) claimed.add(row);
      return { path, desired: value, row };
    });
    const active: Plan[] = [];
    for (const plan of plans) {
      const holder = holders.get(plan.desired.hash);
      if (holder && holder.managedBy !== FILE_MANAGED) {
        this.conflict('key', joinPath(plan.path, 'key'), 'this secret belongs to a key made through the API (or one deleted there); use another secret');
        continue;
      }
      if (!plan.row) {
        // Same secret, new alias (or declared again after removal): the same key. Claimed before the alias check,
        // so a rename onto an API-made key's alias keeps the key (as it was) instead of deleting it.
        const same = holder && !claimed.has(holder) ? holder : undefined;
        if (same) claimed.add(same);
        if (apiAliases.has(plan.desired.alias)) {
          const kept = same?.deletedAt === null ? `; the file's key with this secret stays as it was, alias ${JSON.stringify(same.alias)}` : '';
          this.conflict('key', plan.path, `a key with alias ${JSON.stringify(plan.desired.alias)} was made through the API; it is left as it is and this entry is skipped (rename the entry, or delete that key through the API)${kept}`);
          continue;
        }
        plan.row = same;
      }
      active.push(plan);
    }

    // Free every hash about to move: rows whose secret changes, and file keys not declared any more that hold a
    // declared secret (deleted already, or about to be). A placeholder is the hash of a random value nobody knows.
    const retiring = new Set<VirtualKey>();
    for (const plan of active) {
      if (plan.row && plan.row.hash !== plan.desired.hash) retiring.add(plan.row);
      const holder = holders.get(plan.desired.hash);
      if (holder && holder !== plan.row && !claimed.has(holder)) retiring.add(holder);
    }
    if (retiring.size > 0) {
      for (const row of retiring) row.hash = hashKey(randomBytes(32).toString('hex'));
      await em.flush();
    }

    for (const { path, desired, row } of active) {
      const team = desired.team === null ? null : await this.team(desired.team, joinPath(path, 'team'), teams);
      if (team === undefined) continue;
      const teamOrg = team?.organization?.id ?? null;
      let orgId: string | null | undefined = teamOrg;
      if (team === null && desired.organization !== null) orgId = await this.organizationId(desired.organization, joinPath(path, 'organization'), orgs);
      if (orgId === undefined) continue;
      if (team !== null && desired.organization !== null) {
        const named = orgs.get(desired.organization)?.id ?? (await em.findOne(Organization, { name: desired.organization, deletedAt: null }))?.id;
        if (named !== teamOrg) {
          this.errors.push({ path: joinPath(path, 'organization'), message: `the key's team ${JSON.stringify(team.name)} is in another organization; leave organization out, a key with a team belongs to its team's organization` });
          continue;
        }
      }
      const { team: _team, organization: _org, ...settings } = desired;
      const fields: Record<string, unknown> = { ...settings, team: team?.id ?? null, organization: orgId, keyType: 'llm_api' };

      if (!row || row.deletedAt !== null) {
        const key = row ?? em.create(VirtualKey, { hash: desired.hash, prefix: desired.prefix, managedBy: FILE_MANAGED });
        em.assign(key, this.withRelations(fields) as never);
        key.deletedAt = null;
        key.managedBy = FILE_MANAGED;
        key.budgetResetAt = nextBudgetReset(key.budgetDuration);
        if (budgetChanged(fields)) this.budgetsChanged.key.push(key.id);
        this.tx.record('key', key.id, 'upsert');
        this.tx.audit({ action: 'key.create', entityType: 'key', entityId: key.id, orgId, after: auditView(key) });
        count.created += 1;
        continue;
      }
      const current: Record<string, unknown> = {
        alias: row.alias,
        hash: retiring.has(row) ? null : row.hash,
        prefix: row.prefix,
        team: row.team?.id ?? null,
        organization: row.organization?.id ?? null,
        keyType: row.keyType,
        models: row.models,
        ...governedOf(row),
        blocked: row.blocked,
        expiresAt: row.expiresAt,
        modelLimits: row.modelLimits,
        modelAliases: row.modelAliases,
        metadata: row.metadata,
        tags: row.tags,
        guardrails: row.guardrails,
        enforcedParams: row.enforcedParams,
        allowedIps: row.allowedIps,
        allowedRoutes: row.allowedRoutes,
      };
      const changed = changedFields(fields, current);
      if (changed.length === 0) {
        count.unchanged += 1;
        continue;
      }
      const before = auditView(row);
      const changes = Object.fromEntries(changed.map((f) => [f, fields[f]]));
      em.assign(row, this.withRelations(changes) as never);
      // A new period, its spend recounted from the ledger, as for a change through the API.
      if (changed.includes('budgetDuration')) await startNewPeriod(em, 'key', row, row.budgetDuration);
      if (budgetChanged(changes)) this.budgetsChanged.key.push(row.id);
      // A new secret replaces the old one at once: the file is the only place the key is kept.
      if (changed.includes('hash')) {
        row.previousHash = null;
        row.previousHashExpiresAt = null;
        row.rotatedAt = new Date();
      }
      this.tx.record('key', row.id, 'upsert');
      this.tx.audit({ action: 'key.update', entityType: 'key', entityId: row.id, orgId, before, after: auditView(row) });
      count.updated += 1;
    }

    for (const key of liveFileKeys) {
      if (claimed.has(key)) continue;
      const before = auditView(key);
      key.deletedAt = new Date();
      this.tx.record('key', key.id, 'delete');
      this.tx.audit({ action: 'key.delete', entityType: 'key', entityId: key.id, orgId: key.organization?.id ?? null, before });
      count.deleted += 1;
    }
  }
}

/** A model entry's identity among all file-managed models: its name and which deployment of the name it is. */
const modelIdentity = (name: string, deployment: string) => JSON.stringify([name, deployment]);
const deploymentIdentity = (d: DesiredModel) => modelIdentity(d.name, d.deployment);

/**
 * Applies a resolved config in one admin write (one transaction under the config lock, audited as the system with
 * the file named). Throws `ApplyError` (nothing written) when a declared reference cannot be resolved.
 */
export function applyConfig(writer: AdminWriter, config: ResolvedConfig, source: { path: string; fingerprint: string }): Promise<ApplyReport> {
  return writer.run(fileActor(source.path, source.fingerprint), (tx) => new Reconciler(tx, config).run());
}

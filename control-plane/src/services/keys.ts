import { displayPrefix, generateSecret, hashKey } from '@tollgate/schema';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { assertCan, can, grantableRoles, refused, visibility, type Scope } from '../auth/policy.js';
import type { Principal } from '../auth/roles.js';
import { Team, TeamMembership, User, VirtualKey } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { AppError, assertApiManaged, badUserInput, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import { auditView, type Actor, type AdminWriter } from './audit.js';
import { recordSubjectAlerts } from './budget-alerts.js';
import { nextBudgetReset } from './budget-period.js';
import { assignGoverned, budgetChanged } from './governed.js';
import { CreateKeyInput, KeyPageInput, RegenerateKeyInput, UpdateKeyInput } from './inputs.js';
import { definedOnly } from './organizations.js';
import { liveKeyCounts, readableTeam, type TeamWithKeyCount } from './teams.js';

export interface KeyWithTeam {
  key: VirtualKey;
  team: TeamWithKeyCount | null;
}

export interface CreatedKey extends KeyWithTeam {
  /** The key itself. Returned by `create` only; the database keeps its sha-256. */
  plaintext: string;
}

export interface KeyFilter {
  teamId?: string | null;
  ownerId?: string | null;
  organizationId?: string | null;
  keyType?: string | null;
  blocked?: boolean | null;
  /** Start of the alias (any case) or of the key's display prefix (`sk-tg-AbC`). */
  search?: string | null;
}

export interface KeyPage {
  keys: KeyWithTeam[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * What a key's owner may change on their own; everything else on a key is governance (`key.govern`). An owner may
 * block their key (a leaked secret) but not unblock a blocked one: a block an admin put on it is governance, and
 * the key does not say who blocked it.
 */
const OWNER_FIELDS: ReadonlySet<string> = new Set(['alias', 'metadata', 'blocked']);

/**
 * Refuses an alias a key declared in the config file has: the file identifies its keys by alias, so an API-made key
 * with one would stand in the way of the file's key (a conflict the file reports, see declarative/apply.ts). Checked
 * under the config lock (inside `AdminWriter.run`), so a concurrent apply of the file cannot slip in between.
 */
async function assertAliasNotDeclared(em: EntityManager, alias: string | null | undefined): Promise<void> {
  if (!alias || !(await em.count(VirtualKey, { alias, deletedAt: null, managedBy: 'file' }))) return;
  const message = `The alias ${JSON.stringify(alias)} belongs to a key declared in the config file; choose another.`;
  throw new AppError('CONFLICT', message, { alias: [message] });
}

export const keyScope = (key: VirtualKey) => ({ orgId: key.organization?.id ?? null, teamId: key.team?.id ?? null, ownerId: key.owner?.id ?? null, id: key.id });

export class KeyService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
  ) {}

  /**
   * The alias (else the prefix) of each of `ids` that names a key, deleted ones too, in one read: for rows the caller
   * already may read that name a key (the request log), whether or not the caller may read the key itself.
   */
  async labels(ids: readonly string[]): Promise<Map<string, string>> {
    const keys = [...new Set(ids.filter(isUuid))];
    if (keys.length === 0) return new Map();
    const rows = await this.orm.em.fork().execute<Array<{ id: string; label: string }>>(
      `select "id"::text as "id", coalesce("alias", "prefix") as "label" from "virtual_key" where "id" = any(?::uuid[])`,
      [`{${keys.join(',')}}`],
    );
    return new Map(rows.map((row) => [row.id, row.label]));
  }

  /** Live keys the caller may read, newest first, optionally of one team. */
  async list(actor: Actor, teamId?: string | null): Promise<KeyWithTeam[]> {
    if (teamId != null && !isUuid(teamId)) return [];
    const seen = visibility(actor.principal, 'key');
    if (seen.kind === 'none') return [];
    const visible: FilterQuery<VirtualKey> =
      seen.kind === 'all'
        ? {}
        : seen.kind === 'org'
          ? { organization: seen.orgId }
          : { $or: [{ owner: seen.userId }, ...(seen.teamIds.length > 0 ? [{ team: { $in: [...seen.teamIds] } }] : [])] };
    const em = this.orm.em.fork();
    const keys = await em.find(
      VirtualKey,
      { $and: [visible, teamId != null ? { team: teamId, deletedAt: null } : { deletedAt: null }] },
      { populate: ['team'], orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    return this.withTeams(em, keys);
  }

  /**
   * One page of the keys the caller may read, newest first, filtered; keyset-paginated on (created_at, id) so every
   * page costs the same at any depth. Each filter has an index that serves it in that order (see the migration), and
   * search is a prefix match on the lower-cased alias or the display prefix, also indexed, so a page stays fast with
   * hundreds of thousands of keys.
   */
  async page(actor: Actor, rawInput: unknown): Promise<KeyPage> {
    const input = parseInput(KeyPageInput, rawInput);
    const seen = visibility(actor.principal, 'key');
    if (seen.kind === 'none') return { keys: [], endCursor: null, hasNextPage: false };
    const where: string[] = ['k."deleted_at" is null'];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return '?';
    };
    if (seen.kind === 'org') where.push(`k."organization_id" = ${param(seen.orgId)}`);
    if (seen.kind === 'own') {
      where.push(
        seen.teamIds.length > 0
          ? `(k."owner_id" = ${param(seen.userId)} or k."team_id" = any(${param(`{${seen.teamIds.join(',')}}`)}::uuid[]))`
          : `k."owner_id" = ${param(seen.userId)}`,
      );
    }
    for (const [field, column] of [['teamId', 'team_id'], ['ownerId', 'owner_id'], ['organizationId', 'organization_id']] as const) {
      const id = input[field];
      if (id === null) continue;
      if (!isUuid(id)) return { keys: [], endCursor: null, hasNextPage: false };
      where.push(`k."${column}" = ${param(id)}`);
    }
    if (input.keyType !== null) where.push(`k."key_type" = ${param(input.keyType)}`);
    if (input.blocked !== null) where.push(`k."blocked" = ${param(input.blocked)}`);
    if (input.search !== null) {
      const prefix = `${likeEscape(input.search)}%`;
      where.push(`(lower(k."alias") like ${param(prefix.toLowerCase())} or k."prefix" like ${param(prefix)})`);
    }
    if (input.after !== null) {
      const cursor = decodeKeyCursor(input.after);
      where.push(`(k."created_at", k."id") < (${param(cursor.createdAt)}::timestamptz, ${param(cursor.id)}::uuid)`);
    }
    const em = this.orm.em.fork();
    // The cursor carries created_at as PostgreSQL prints it (microseconds), so it compares exactly.
    const rows = await em.execute<Array<{ id: string; created: string }>>(
      `select k."id", k."created_at"::text as "created" from "virtual_key" k where ${where.join(' and ')} order by k."created_at" desc, k."id" desc limit ${param(input.first + 1)}`,
      params,
    );
    const hasNextPage = rows.length > input.first;
    const ids = rows.slice(0, input.first).map((r) => r.id);
    const found = ids.length === 0 ? [] : await em.find(VirtualKey, { id: { $in: ids } }, { populate: ['team'] });
    const byId = new Map(found.map((k) => [k.id, k]));
    const keys = ids.flatMap((id) => byId.get(id) ?? []);
    const last = rows[ids.length - 1];
    return { keys: await this.withTeams(em, keys), hasNextPage, endCursor: hasNextPage && last ? encodeKeyCursor(last.created, last.id) : null };
  }

  async create(actor: Actor, rawInput: unknown): Promise<CreatedKey> {
    const input = parseInput(CreateKeyInput, rawInput);
    const plaintext = generateSecret();
    const created = await this.writer.run(actor, async ({ em, record, audit }) => {
      const team = input.teamId === null ? null : await readableTeam(em, actor.principal, input.teamId);
      const ownerId = input.ownerId ?? actor.principal.userId;
      const owner = ownerId === null ? null : await this.readableUser(em, actor.principal, ownerId, team);
      const orgId = team ? (team.organization?.id ?? null) : (owner?.organization?.id ?? null);
      if (owner && team?.organization && owner.organization?.id !== team.organization.id) {
        throw badUserInput({ ownerId: ["the owner must belong to the team's organization"] });
      }
      assertCan(actor.principal, 'key.create', { orgId, teamId: team?.id ?? null, ownerId: owner?.id ?? null });
      if (input.keyType !== 'llm_api') assertMayActAs(actor.principal, owner, { orgId, teamId: team?.id ?? null, ownerId: owner?.id ?? null });
      await assertAliasNotDeclared(em, input.alias);
      const { teamId: _team, ownerId: _owner, ...settings } = input;
      const key = em.create(VirtualKey, {
        ...settings,
        hash: hashKey(plaintext),
        prefix: displayPrefix(plaintext),
        team,
        owner,
        organization: orgId,
        budgetResetAt: nextBudgetReset(input.budgetDuration),
      });
      record('key', key.id, 'upsert');
      audit({ action: 'key.create', entityType: 'key', entityId: key.id, orgId, after: auditView(key) });
      await recordSubjectAlerts(em, { key: [key.id] });
      return { key, team };
    });
    const [withTeam] = await this.withTeams(this.orm.em.fork(), [created.key], created.team);
    return { plaintext, ...withTeam! };
  }

  /** Changes alias, models, budget, expiry or blocked state; data planes apply it with the next delta. */
  async update(actor: Actor, id: string, rawInput: unknown): Promise<KeyWithTeam> {
    const patch = parseInput(UpdateKeyInput, rawInput);
    const key = await this.writer.run(actor, async ({ em, record, audit }) => {
      const key = await readableKey(em, actor.principal, id);
      assertCan(actor.principal, 'key.update', keyScope(key));
      await assertMayActWithKey(em, actor.principal, key);
      assertApiManaged(key, 'key');
      const changes = definedOnly(patch);
      const unblocks = changes.blocked === false && key.blocked;
      if (unblocks || Object.keys(changes).some((field) => !OWNER_FIELDS.has(field))) assertCan(actor.principal, 'key.govern', keyScope(key));
      if (changes.alias !== key.alias) await assertAliasNotDeclared(em, changes.alias);
      const before = auditView(key);
      // A new period (its spend recounted) only for a new duration: a client that sends the whole key back must not
      // move its reset.
      await assignGoverned(em, 'key', key, changes);
      if (changes.tempBudgetIncrease === null || changes.tempBudgetExpiresAt === null) {
        key.tempBudgetIncrease = null;
        key.tempBudgetExpiresAt = null;
      }
      record('key', key.id, 'upsert');
      audit({ action: 'key.update', entityType: 'key', entityId: key.id, orgId: key.organization?.id ?? null, before, after: auditView(key) });
      if (budgetChanged(changes)) await recordSubjectAlerts(em, { key: [key.id] });
      return key;
    });
    const [withTeam] = await this.withTeams(this.orm.em.fork(), [key]);
    return withTeam!;
  }

  /**
   * Replaces a key's secret, keeping everything else (id, settings, spend). The old secret keeps working for the
   * grace period, so clients can move over without an outage; with no grace period it stops at once. Returns the
   * new secret, once.
   */
  async regenerate(actor: Actor, id: string, rawInput: unknown): Promise<CreatedKey> {
    const input = parseInput(RegenerateKeyInput, rawInput ?? {});
    const plaintext = generateSecret();
    const key = await this.writer.run(actor, async ({ em, record, audit }) => {
      const key = await readableKey(em, actor.principal, id, true);
      assertCan(actor.principal, 'key.update', keyScope(key));
      await assertMayActWithKey(em, actor.principal, key);
      assertApiManaged(key, 'key');
      rotate(key, plaintext, input.gracePeriodSeconds);
      record('key', key.id, 'upsert');
      audit({
        action: 'key.regenerate',
        entityType: 'key',
        entityId: key.id,
        orgId: key.organization?.id ?? null,
        after: { prefix: key.prefix, previousKeyValidUntil: key.previousHashExpiresAt },
      });
      return key;
    });
    const [withTeam] = await this.withTeams(this.orm.em.fork(), [key]);
    return { plaintext, ...withTeam! };
  }

  /** Soft-deletes a key; data planes drop it with the next delta. Its spend log rows stay. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.writer.run(actor, async ({ em, record, audit }) => {
      const key = await readableKey(em, actor.principal, id);
      assertCan(actor.principal, 'key.delete', keyScope(key));
      await assertMayActWithKey(em, actor.principal, key);
      assertApiManaged(key, 'key');
      const before = auditView(key);
      key.deletedAt = new Date();
      record('key', key.id, 'delete');
      audit({ action: 'key.delete', entityType: 'key', entityId: key.id, orgId: key.organization?.id ?? null, before });
    });
  }

  /**
   * The user a key is made for: oneself; anyone the caller may read as an admin of their organization; or, for a
   * team admin, a member of that team in the caller's organization. Anyone else is "no such user", whether they exist
   * or not.
   */
  private async readableUser(em: EntityManager, principal: Principal, id: string, team: Team | null): Promise<User> {
    const user = isUuid(id) ? await em.findOne(User, { id, deletedAt: null }) : null;
    const visible =
      user !== null &&
      (user.id === principal.userId ||
        can(principal, 'user.read', { orgId: user.organization?.id ?? null, ownerId: user.id }) ||
        (team !== null &&
          principal.teams.get(team.id) === 'admin' &&
          // (A member of another organization, in a team of none, is not a team admin's to make keys for.)
          (principal.orgId === null || user.organization?.id === principal.orgId) &&
          (await em.count(TeamMembership, { team: team.id, user: user.id })) > 0));
    if (!visible) throw badUserInput({ ownerId: ['no such user'] });
    return user;
  }

  private async withTeams(em: EntityManager, keys: VirtualKey[], known?: Team | null): Promise<KeyWithTeam[]> {
    const teamIds = [...new Set(keys.flatMap((k) => (k.team ? [k.team.id] : [])))];
    const counts = await liveKeyCounts(em, teamIds);
    return keys.map((key) => {
      const team = known && key.team?.id === known.id ? known : key.team?.getEntity();
      return { key, team: team ? { team, keyCount: counts.get(team.id) ?? 0 } : null };
    });
  }
}

/** A live key the caller may read; NOT_FOUND otherwise (another tenant's key does not exist for them). */
async function readableKey(em: EntityManager, principal: Principal, id: string, withHash = false): Promise<VirtualKey> {
  const populate = withHash ? (['team', 'hash'] as const) : (['team'] as const);
  const key = isUuid(id) ? await em.findOne(VirtualKey, { id, deletedAt: null }, { populate }) : null;
  if (!key || !can(principal, 'key.read', keyScope(key))) throw notFound('Key');
  return key;
}

/**
 * A management or read-only key acts as its owner on this API, so making one for someone else is acting as them:
 * allowed only to those who may manage that user's role (proxy admins; org admins for their organization's users).
 */
function assertMayActAs(principal: Principal, owner: User | null, scope: Scope): void {
  if (owner === null) throw badUserInput({ ownerId: ['management and read-only keys need an owner, whose role they act with'] });
  if (owner.id === principal.userId) return;
  if (!grantableRoles(principal).includes(owner.role)) throw refused('key.act_as', scope);
}

/**
 * A management or read-only key acts as its owner on this API: whoever regenerates it gets a secret that acts as them,
 * and whoever changes or deletes it changes what acts as them. So each of these needs what making one for that owner
 * needs (`assertMayActAs`), beyond the key permission a team admin has over the team's keys. API keys are not
 * checked: they reach only the data plane.
 */
async function assertMayActWithKey(em: EntityManager, principal: Principal, key: VirtualKey): Promise<void> {
  if (key.keyType === 'llm_api') return;
  const owner = key.owner === null ? null : await em.findOne(User, { id: key.owner.id });
  if (owner === null) throw refused('key.act_as', keyScope(key));
  assertMayActAs(principal, owner, keyScope(key));
}

/** LIKE wildcards in user input match themselves. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A timestamptz as PostgreSQL prints it: `2026-11-25 11:05:00.123456+00`. */
const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/;

function encodeKeyCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify(['key', createdAt, id])).toString('base64url');
}

function decodeKeyCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [tag, createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (tag === 'key' && typeof createdAt === 'string' && TIMESTAMP.test(createdAt) && typeof id === 'string' && isUuid(id)) {
      return { createdAt, id };
    }
  } catch {
    // Falls through to the error below.
  }
  throw badUserInput({ after: ['is not a cursor this API returned'] });
}

/** Gives a key a new secret; the current one stays valid for `graceSeconds` (none when 0). */
export function rotate(key: VirtualKey, plaintext: string, graceSeconds: number, now = new Date()): void {
  key.previousHash = graceSeconds > 0 ? key.hash : null;
  key.previousHashExpiresAt = graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000) : null;
  key.hash = hashKey(plaintext);
  key.prefix = displayPrefix(plaintext);
  key.rotatedAt = now;
}

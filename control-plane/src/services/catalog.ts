import type { EntityManager } from '@mikro-orm/postgresql';
import { ANY_END_USER } from '@tollgate/schema';
import { assertCan, GLOBAL, visibility } from '../auth/policy.js';
import { BudgetTier, EndUser, GuardrailPolicy, McpServer, McpToolPermission, Organization, Tag, Team, VirtualKey } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { assertApiManaged, badUserInput, conflict, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import { auditView, type Actor, type AdminWriter } from './audit.js';
import { recordFollowerAlerts, recordSubjectAlerts } from './budget-alerts.js';
import { followsAnyEndUser, lockAnyEndUserSql, nextBudgetReset, RECOUNT_ANY_END_USER_FOLLOWERS, recountFollowersSql } from './budget-period.js';
import { moveTierPeriods, startNewPeriod } from './governed.js';
import {
  McpToolPermissionInput,
  SaveBudgetTierInput,
  SaveEndUserInput,
  SaveGuardrailPolicyInput,
  SaveMcpServerInput,
  SaveTagInput,
} from './inputs.js';

/**
 * The governance catalogue: reusable budget tiers, tags (with budgets), guardrail policies, MCP servers with their
 * tool permissions, and end users. Proxy admins change it (`governance.write`, `end_user.write`); org admins read
 * the catalogue to assign policies and servers. Saves are by name (or external id): create or change, audited.
 * Guardrail policies and MCP servers declared in the config file are the file's to change. A subject saved again with
 * the same budget duration keeps its period (editing a tag's description must not move it, which would put off its
 * reset and let its alerts fire again, as they are kept per period); a new duration starts a new one (see
 * `startNewPeriod`). Every save of budgets checks the alerts of the subjects it changed at once.
 */
export class CatalogService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
  ) {}

  // --- budget tiers and tags

  budgetTiers(actor: Actor): Promise<BudgetTier[]> {
    assertCan(actor.principal, 'governance.read', GLOBAL);
    return this.orm.em.fork().find(BudgetTier, {}, { orderBy: { name: 'asc' } });
  }

  async saveBudgetTier(actor: Actor, raw: unknown): Promise<BudgetTier> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    const input = parseInput(SaveBudgetTierInput, raw);
    return this.writer.run(actor, async ({ em, record, audit }) => {
      const existing = await em.findOne(BudgetTier, { name: input.name });
      const before = auditView(existing);
      const tier = existing ?? em.create(BudgetTier, { name: input.name });
      const duration = existing?.budgetDuration ?? null;
      // A tier has no spend of its own: its reset time only says when its period would end.
      const sameDuration = existing !== null && duration === input.budgetDuration;
      em.assign(tier, { ...input, budgetResetAt: sameDuration ? existing.budgetResetAt : nextBudgetReset(input.budgetDuration) });
      audit({ action: existing ? 'budget_tier.update' : 'budget_tier.create', entityType: 'budget_tier', entityId: tier.id, orgId: null, before, after: auditView(tier) });
      if (!existing) return tier;
      // End users on the tier without a duration of their own have the tier's period: a new duration moves theirs.
      if (!sameDuration) await moveTierPeriods(em, tier.id, input.budgetDuration);
      // Data planes get end users with their tier's settings resolved: every end user on the tier changes.
      const onTier = (await em.execute<Array<{ id: string }>>('select "id" from "end_user" where "budget_tier_id" = ?', [tier.id])).map((r) => r.id);
      for (const id of onTier) record('end_user', id, 'upsert');
      await recordSubjectAlerts(em, { end_user: onTier });
      return tier;
    });
  }

  async deleteBudgetTier(actor: Actor, name: string): Promise<void> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    await this.writer.run(actor, async ({ em, audit }) => {
      const tier = await em.findOne(BudgetTier, { name });
      if (!tier) throw notFound('Budget tier');
      if (await em.count(EndUser, { budgetTier: tier.id })) throw conflict('End users are on this tier; move them first.');
      audit({ action: 'budget_tier.delete', entityType: 'budget_tier', entityId: tier.id, orgId: null, before: auditView(tier) });
      em.remove(tier);
    });
  }

  tags(actor: Actor): Promise<Tag[]> {
    assertCan(actor.principal, 'governance.read', GLOBAL);
    return this.orm.em.fork().find(Tag, {}, { orderBy: { name: 'asc' } });
  }

  async saveTag(actor: Actor, raw: unknown): Promise<Tag> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    const input = parseInput(SaveTagInput, raw);
    return this.writer.run(actor, async ({ em, record, audit }) => {
      const existing = await em.findOne(Tag, { name: input.name });
      const before = auditView(existing);
      const tag = existing ?? em.create(Tag, { name: input.name, budgetResetAt: nextBudgetReset(input.budgetDuration) });
      const duration = existing?.budgetDuration ?? null;
      em.assign(tag, input);
      if (existing && duration !== input.budgetDuration) await startNewPeriod(em, 'tag', tag, input.budgetDuration);
      record('tag', tag.id, 'upsert');
      audit({ action: existing ? 'tag.update' : 'tag.create', entityType: 'tag', entityId: tag.id, orgId: null, before, after: auditView(tag) });
      await recordSubjectAlerts(em, { tag: [tag.id] });
      return tag;
    });
  }

  async deleteTag(actor: Actor, name: string): Promise<void> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    await this.writer.run(actor, async ({ em, record, audit }) => {
      const tag = await em.findOne(Tag, { name });
      if (!tag) throw notFound('Tag');
      record('tag', tag.id, 'delete');
      audit({ action: 'tag.delete', entityType: 'tag', entityId: tag.id, orgId: null, before: auditView(tag) });
      em.remove(tag);
    });
  }

  // --- guardrail policies

  guardrailPolicies(actor: Actor): Promise<GuardrailPolicy[]> {
    assertCan(actor.principal, 'governance.read', GLOBAL);
    return this.orm.em.fork().find(GuardrailPolicy, { deletedAt: null }, { orderBy: { name: 'asc' } });
  }

  async saveGuardrailPolicy(actor: Actor, raw: unknown): Promise<GuardrailPolicy> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    const input = parseInput(SaveGuardrailPolicyInput, raw);
    return this.writer.run(actor, async ({ em, audit }) => {
      const existing = await em.findOne(GuardrailPolicy, { name: input.name, deletedAt: null });
      if (existing) assertApiManaged(existing, 'guardrail policy');
      const before = auditView(existing);
      const policy = existing ?? em.create(GuardrailPolicy, input);
      em.assign(policy, input);
      audit({ action: existing ? 'guardrail.update' : 'guardrail.create', entityType: 'guardrail_policy', entityId: policy.id, orgId: null, before, after: auditView(policy) });
      return policy;
    });
  }

  async deleteGuardrailPolicy(actor: Actor, name: string): Promise<void> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    await this.writer.run(actor, async ({ em, audit }) => {
      const policy = await em.findOne(GuardrailPolicy, { name, deletedAt: null });
      if (!policy) throw notFound('Guardrail policy');
      assertApiManaged(policy, 'guardrail policy');
      const before = auditView(policy);
      policy.deletedAt = new Date();
      audit({ action: 'guardrail.delete', entityType: 'guardrail_policy', entityId: policy.id, orgId: null, before });
    });
  }

  // --- MCP servers and who may use their tools

  mcpServers(actor: Actor): Promise<McpServer[]> {
    assertCan(actor.principal, 'governance.read', GLOBAL);
    return this.orm.em.fork().find(McpServer, { deletedAt: null }, { orderBy: { name: 'asc' } });
  }

  async saveMcpServer(actor: Actor, raw: unknown): Promise<McpServer> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    const input = parseInput(SaveMcpServerInput, raw);
    return this.writer.run(actor, async ({ em, audit }) => {
      const existing = await em.findOne(McpServer, { name: input.name, deletedAt: null });
      if (existing) assertApiManaged(existing, 'MCP server');
      const before = auditView(existing);
      const server = existing ?? em.create(McpServer, input);
      em.assign(server, input);
      audit({ action: existing ? 'mcp_server.update' : 'mcp_server.create', entityType: 'mcp_server', entityId: server.id, orgId: null, before, after: auditView(server) });
      return server;
    });
  }

  async deleteMcpServer(actor: Actor, name: string): Promise<void> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    await this.writer.run(actor, async ({ em, audit }) => {
      const server = await em.findOne(McpServer, { name, deletedAt: null });
      if (!server) throw notFound('MCP server');
      assertApiManaged(server, 'MCP server');
      const before = auditView(server);
      server.deletedAt = new Date();
      await em.nativeDelete(McpToolPermission, { server: server.id });
      audit({ action: 'mcp_server.delete', entityType: 'mcp_server', entityId: server.id, orgId: null, before });
    });
  }

  /** A server's grants; an organization's admin sees those of its own organization, teams and keys only. */
  async mcpToolPermissions(actor: Actor, serverId: string): Promise<McpToolPermission[]> {
    assertCan(actor.principal, 'governance.read', GLOBAL);
    if (!isUuid(serverId)) throw notFound('MCP server');
    const em = this.orm.em.fork();
    const grants = await em.find(McpToolPermission, { server: serverId }, { orderBy: { subjectType: 'asc', subjectId: 'asc' } });
    const seen = visibility(actor.principal, 'org');
    if (seen.kind === 'all') return grants;
    if (seen.kind !== 'org') return [];
    const visible: McpToolPermission[] = [];
    for (const grant of grants) {
      const orgId = await subjectOrg(em, grant.subjectType, grant.subjectId).catch(() => null);
      if (orgId === seen.orgId) visible.push(grant);
    }
    return visible;
  }

  /** Lets an organization, team or key use a server's tools (all of them, or the ones named); replaces any earlier grant. */
  async setMcpToolPermission(actor: Actor, raw: unknown): Promise<McpToolPermission> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    const input = parseInput(McpToolPermissionInput, raw);
    return this.writer.run(actor, async ({ em, audit }) => {
      const server = isUuid(input.serverId) ? await em.findOne(McpServer, { id: input.serverId, deletedAt: null }) : null;
      if (!server) throw badUserInput({ serverId: ['no such MCP server'] });
      const orgId = await subjectOrg(em, input.subjectType, input.subjectId);
      const existing = await em.findOne(McpToolPermission, { server: server.id, subjectType: input.subjectType, subjectId: input.subjectId });
      const before = auditView(existing);
      const permission = existing ?? em.create(McpToolPermission, { server, subjectType: input.subjectType, subjectId: input.subjectId });
      permission.tools = input.tools;
      audit({ action: 'mcp_permission.set', entityType: 'mcp_server', entityId: server.id, orgId, before, after: auditView(permission) });
      return permission;
    });
  }

  async removeMcpToolPermission(actor: Actor, id: string): Promise<void> {
    assertCan(actor.principal, 'governance.write', GLOBAL);
    await this.writer.run(actor, async ({ em, audit }) => {
      const permission = isUuid(id) ? await em.findOne(McpToolPermission, { id }) : null;
      if (!permission) throw notFound('MCP tool permission');
      // Filed under the subject's organization, as its grant was, so its admins see it go.
      const orgId = await subjectOrg(em, permission.subjectType, permission.subjectId).catch(() => null);
      audit({ action: 'mcp_permission.remove', entityType: 'mcp_server', entityId: permission.server.id, orgId, before: auditView(permission) });
      em.remove(permission);
    });
  }

  // --- end users

  async endUsers(actor: Actor, search: string | null | undefined, first: number, orderBy = 'externalId'): Promise<EndUser[]> {
    assertCan(actor.principal, 'end_user.read', GLOBAL);
    if (orderBy !== 'externalId' && orderBy !== 'spend') throw badUserInput({ orderBy: ['must be externalId or spend'] });
    const limit = Math.min(Math.max(first, 1), 500);
    const where = search ? { externalId: { $like: `${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` } } : {};
    // By spend: a scan and a top-N sort (no index on a column every ingest updates), ties by external id.
    const order = orderBy === 'spend' ? { spend: 'desc', externalId: 'asc' } as const : { externalId: 'asc' } as const;
    return this.orm.em.fork().find(EndUser, where, { orderBy: order, limit });
  }

  async saveEndUser(actor: Actor, raw: unknown): Promise<EndUser> {
    assertCan(actor.principal, 'end_user.write', GLOBAL);
    const input = parseInput(SaveEndUserInput, raw);
    return this.writer.run(actor, async ({ em, record, audit }) => {
      const tier = input.budgetTierId === null ? null : isUuid(input.budgetTierId) ? await em.findOne(BudgetTier, { id: input.budgetTierId }) : null;
      if (input.budgetTierId !== null && !tier) throw badUserInput({ budgetTierId: ['no such budget tier'] });
      const existing = await em.findOne(EndUser, { externalId: input.externalId });
      const before = auditView(existing);
      const { budgetTierId: _tier, ...fields } = input;
      // An end user without a period of their own has their tier's (see endUserConfig).
      const duration = input.budgetDuration ?? tier?.budgetDuration ?? null;
      const endUser = existing ?? em.create(EndUser, { externalId: input.externalId, budgetResetAt: nextBudgetReset(duration) });
      const sameTier = (existing?.budgetTier?.id ?? null) === (tier?.id ?? null);
      // Before the assignment: the period it had (its own duration, else its tier's, which is `tier` when it stays).
      const previous = existing?.budgetDuration ?? tier?.budgetDuration ?? null;
      const followed = existing !== null && followsAnyEndUser(existing);
      em.assign(endUser, { ...fields, budgetTier: tier });
      // Moved to another tier, or a new duration: a new period.
      if (existing && (!sameTier || previous !== duration)) await startNewPeriod(em, 'end_user', endUser, duration);
      // A new period of `*` (or a new `*`) is one for every end user that follows it: their spend is recounted.
      if (endUser.externalId === ANY_END_USER && duration !== null && (!existing || previous !== duration)) {
        await em.flush();
        await em.execute(lockAnyEndUserSql('update'));
        await em.execute(RECOUNT_ANY_END_USER_FOLLOWERS);
      }
      // An end user that dropped its last setting follows `*` from now on: its spend becomes what it spent in the
      // period of `*`, and `*` is sent again, carrying it, for data planes to seed its counter under `*`.
      if (existing && !followed && followsAnyEndUser(endUser)) await joinFollowers(em, endUser, record);
      record('end_user', endUser.id, 'upsert');
      audit({ action: existing ? 'end_user.update' : 'end_user.create', entityType: 'end_user', entityId: endUser.id, orgId: null, before, after: auditView(endUser) });
      await recordSubjectAlerts(em, { end_user: [endUser.id] });
      // The budgets of `*` are every follower's: one already past a lowered one alerts now, not with its next request.
      if (endUser.externalId === ANY_END_USER) await recordFollowerAlerts(em);
      return endUser;
    });
  }
}

/**
 * See saveEndUser: `endUser` has just become a follower of `*`. The row of `*` is locked before the end user's change is
 * written: usage ingest locks `*` first and then the end users it adds to, and the other order could deadlock with it.
 */
async function joinFollowers(em: EntityManager, endUser: EndUser, record: (kind: 'end_user', id: string, op: 'upsert') => void): Promise<void> {
  await em.execute(lockAnyEndUserSql('update'));
  await em.flush();
  const [recounted] = await em.execute<Array<{ spend: number }>>(recountFollowersSql(`t."id" = ?`), [endUser.id]);
  if (recounted !== undefined) endUser.spend = recounted.spend;
  const any = await em.findOne(EndUser, { externalId: ANY_END_USER });
  if (any !== null && any.maxBudget !== null) record('end_user', any.id, 'upsert');
}

/** The organization of the subject a permission names; BAD_USER_INPUT when there is no such subject. */
async function subjectOrg(em: EntityManager, type: 'org' | 'team' | 'key', id: string): Promise<string | null> {
  const missing = () => badUserInput({ subjectId: [`no such ${type}`] });
  if (!isUuid(id)) throw missing();
  if (type === 'org') {
    if (!(await em.findOne(Organization, { id, deletedAt: null }))) throw missing();
    return id;
  }
  const subject = type === 'team' ? await em.findOne(Team, { id, deletedAt: null }) : await em.findOne(VirtualKey, { id, deletedAt: null });
  if (!subject) throw missing();
  return subject.organization?.id ?? null;
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { assertCan, can, visibility } from '../auth/policy.js';
import type { Principal } from '../auth/roles.js';
import { Team, TeamMembership, User, VirtualKey } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { assertApiManaged, badUserInput, conflict, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import { auditView, type Actor, type AdminWriter } from './audit.js';
import { recordSubjectAlerts } from './budget-alerts.js';
import { membershipIdsOf, nextBudgetReset, recountMembers } from './budget-period.js';
import { assignGoverned, budgetChanged } from './governed.js';
import { CreateTeamInput, softBudgetProblem, TeamMemberInput, UpdateTeamInput } from './inputs.js';
import { definedOnly } from './organizations.js';
import { liveOrganization } from './users.js';
import { onUniqueViolation } from './unique-violation.js';

export interface TeamWithKeyCount {
  team: Team;
  keyCount: number;
}

export interface Member {
  user: User;
  membership: TeamMembership;
}

const duplicateName = () => conflict('A team with this name already exists.');

export const teamScope = (team: Team) => ({ orgId: team.organization?.id ?? null, teamId: team.id, id: team.id });

export class TeamService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
  ) {}

  async list(actor: Actor): Promise<TeamWithKeyCount[]> {
    const seen = visibility(actor.principal, 'team');
    if (seen.kind === 'none') return [];
    const em = this.orm.em.fork();
    const where =
      seen.kind === 'all'
        ? { deletedAt: null }
        : seen.kind === 'org'
          ? { deletedAt: null, organization: seen.orgId }
          : { deletedAt: null, id: { $in: [...seen.teamIds] } };
    const teams = await em.find(Team, where, { orderBy: { name: 'asc' } });
    const counts = await liveKeyCounts(em, teams.map((t) => t.id));
    return teams.map((team) => ({ team, keyCount: counts.get(team.id) ?? 0 }));
  }

  async create(actor: Actor, rawInput: unknown): Promise<TeamWithKeyCount> {
    const input = parseInput(CreateTeamInput, rawInput);
    // An org admin's teams go in their organization unless they name it (which must then be theirs).
    const organizationId = input.organizationId ?? actor.principal.orgId;
    assertCan(actor.principal, 'team.create', { orgId: organizationId });
    const team = await onUniqueViolation(
      () =>
        this.writer.run(actor, async ({ em, record, audit }) => {
          const organization = organizationId === null ? null : await liveOrganization(em, organizationId);
          // Checked under the config lock, so two concurrent creates cannot both pass.
          if (await em.count(Team, { name: input.name, deletedAt: null })) throw duplicateName();
          const { organizationId: _org, ...fields } = input;
          const team = em.create(Team, { ...fields, organization, budgetResetAt: nextBudgetReset(input.budgetDuration) });
          record('team', team.id, 'upsert');
          audit({ action: 'team.create', entityType: 'team', entityId: team.id, orgId: organizationId, after: auditView(team) });
          await recordSubjectAlerts(em, { team: [team.id] });
          return team;
        }),
      duplicateName,
    );
    return { team, keyCount: 0 };
  }

  /**
   * Changes a team's name, models, budgets and limits, or blocked state: all of it governance of the team
   * (`team.update`: org admins in their organization, proxy admins). A team's admins manage its members and keys,
   * not the team's own budget, which would let them raise the limit on their own spending.
   */
  async update(actor: Actor, id: string, rawInput: unknown): Promise<TeamWithKeyCount> {
    const patch = parseInput(UpdateTeamInput, rawInput);
    if (!isUuid(id)) throw notFound('Team');
    const team = await onUniqueViolation(
      () =>
        this.writer.run(actor, async ({ em, record, audit }) => {
          const team = await readableTeam(em, actor.principal, id);
          assertCan(actor.principal, 'team.update', teamScope(team));
          assertApiManaged(team, 'team');
          const changes = definedOnly(patch);
          if (changes.name !== undefined && changes.name !== team.name && (await em.count(Team, { name: changes.name, deletedAt: null }))) {
            throw duplicateName();
          }
          const before = auditView(team);
          const periodBefore = team.budgetResetAt?.getTime() ?? null;
          await assignGoverned(em, 'team', team, changes);
          assertMemberSoftWithinMax(team, changes);
          record('team', team.id, 'upsert');
          audit({ action: 'team.update', entityType: 'team', entityId: team.id, orgId: team.organization?.id ?? null, before, after: auditView(team) });
          if (budgetChanged(changes)) await recordSubjectAlerts(em, { team: [team.id] });
          // A new period of the team is one for its members' budgets too (see recountMembersSql).
          const newPeriod = (team.budgetResetAt?.getTime() ?? null) !== periodBefore;
          if (newPeriod) {
            await em.flush();
            await recountMembers(em, [team.id]);
          }
          if (newPeriod || memberBudgetChanged(changes)) await recordSubjectAlerts(em, { team_member: await membershipIdsOf(em, [team.id]) });
          return team;
        }),
      duplicateName,
    );
    const counts = await liveKeyCounts(this.orm.em.fork(), [team.id]);
    return { team, keyCount: counts.get(team.id) ?? 0 };
  }

  /** Soft-deletes a team; refused while it still has live keys, so no key is left pointing at a deleted team. */
  async delete(actor: Actor, id: string): Promise<void> {
    if (!isUuid(id)) throw notFound('Team');
    await this.writer.run(actor, async ({ em, record, audit }) => {
      const team = await readableTeam(em, actor.principal, id);
      assertCan(actor.principal, 'team.delete', teamScope(team));
      assertApiManaged(team, 'team');
      if (await em.count(VirtualKey, { team: id, deletedAt: null })) {
        throw conflict('The team still has keys; delete them first.');
      }
      const before = auditView(team);
      team.deletedAt = new Date();
      await em.nativeDelete(TeamMembership, { team: id });
      record('team', team.id, 'delete');
      audit({ action: 'team.delete', entityType: 'team', entityId: team.id, orgId: team.organization?.id ?? null, before });
    });
  }

  /**
   * A team's members, with their spend and budgets in the team: for those who manage its members (its admins, their
   * organization's admins, proxy admins). A plain member sees their own row only: the others' email addresses, spend
   * and budgets are not theirs to read, as the users themselves are not.
   */
  async members(actor: Actor, teamId: string): Promise<Member[]> {
    const em = this.orm.em.fork();
    const team = await readableTeam(em, actor.principal, teamId);
    const own = can(actor.principal, 'team.members', teamScope(team)) ? {} : { user: actor.principal.userId ?? '00000000-0000-0000-0000-000000000000' };
    const memberships = await em.find(TeamMembership, { team: teamId, user: { deletedAt: null }, ...own }, { populate: ['user'], orderBy: { user: { email: 'asc' } } });
    return memberships.map((membership) => ({ user: membership.user.getEntity(), membership }));
  }

  /**
   * Adds a user to a team or changes their team role, or their own hard budget in the team (`maxBudget`, over the
   * team's `memberMaxBudget`). The user must belong to the team's organization: a team admin or org admin cannot pull
   * in someone from another tenant. A member's budget is governance of the team (`team.update`), as the team's own
   * budget is: a team admin could otherwise raise their own.
   */
  async setMember(actor: Actor, rawInput: unknown): Promise<Member> {
    const input = parseInput(TeamMemberInput, rawInput);
    if (!isUuid(input.teamId)) throw notFound('Team');
    return this.writer.run(actor, async ({ em, record, audit }) => {
      const team = await readableTeam(em, actor.principal, input.teamId);
      assertCan(actor.principal, 'team.members', teamScope(team));
      if (input.maxBudget !== undefined) assertCan(actor.principal, 'team.update', teamScope(team));
      const user = isUuid(input.userId) ? await em.findOne(User, { id: input.userId, deletedAt: null }) : null;
      const teamOrg = team.organization?.id ?? null;
      // A team in no organization (a proxy admin's) takes users from the caller's organization only, unless the
      // caller is not in one: a team admin of such a team cannot reach into another tenant through it.
      const from = teamOrg ?? actor.principal.orgId;
      if (!user || (from !== null && user.organization?.id !== from)) {
        throw badUserInput({ userId: [teamOrg !== null ? "no such user in the team's organization" : 'no such user in your organization'] });
      }
      const existing = await em.findOne(TeamMembership, { team: team.id, user: user.id });
      const before = existing ? auditView(existing) : null;
      const membership = existing ?? em.create(TeamMembership, { team, user, role: input.role ?? 'member' });
      if (input.role !== null) membership.role = input.role;
      if (input.maxBudget !== undefined) membership.maxBudget = input.maxBudget;
      if (existing === null) {
        // What the new member already spent through the team's keys in the team's period counts against their budget.
        // The team locked first, as usage ingest locks it before it adds to members (see recountMembersSql).
        await em.execute(`select 1 from "team" where "id" = ? for update`, [team.id]);
        await em.flush();
        await recountMembers(em, [team.id], membership.id);
        await em.refresh(membership);
      }
      // The team's config carries its members (their ids, budgets and spend; see teamConfig).
      record('team', team.id, 'upsert');
      audit({ action: 'team.member.set', entityType: 'team', entityId: team.id, orgId: teamOrg, before, after: auditView(membership) });
      if (existing === null || input.maxBudget !== undefined) await recordSubjectAlerts(em, { team_member: [membership.id] });
      return { user, membership };
    });
  }

  /**
   * Removes a user from a team, and with it their use of the team: the keys they own in the team are blocked (each
   * audited), so neither a member who left nor a team admin who removed themselves goes on spending the team's
   * budget, outside the member budgets that held them. An admin may unblock such a key, or move it to its owner's
   * new team.
   */
  async removeMember(actor: Actor, teamId: string, userId: string): Promise<void> {
    if (!isUuid(teamId)) throw notFound('Team');
    await this.writer.run(actor, async ({ em, record, audit }) => {
      const team = await readableTeam(em, actor.principal, teamId);
      assertCan(actor.principal, 'team.members', teamScope(team));
      const membership = isUuid(userId) ? await em.findOne(TeamMembership, { team: teamId, user: userId }) : null;
      if (!membership) throw notFound('Team member');
      const before = auditView(membership);
      em.remove(membership);
      record('team', team.id, 'upsert');
      const orgId = team.organization?.id ?? null;
      audit({ action: 'team.member.remove', entityType: 'team', entityId: team.id, orgId, before });
      for (const key of await em.find(VirtualKey, { team: team.id, owner: userId, deletedAt: null, blocked: false })) {
        const keyBefore = auditView(key);
        key.blocked = true;
        record('key', key.id, 'upsert');
        audit({ action: 'key.update', entityType: 'key', entityId: key.id, orgId: key.organization?.id ?? orgId, before: keyBefore, after: auditView(key) });
      }
    });
  }
}

const MEMBER_BUDGET_FIELDS: readonly string[] = ['memberMaxBudget', 'memberSoftBudget'];
/** Whether a change of a team touches its member budgets, so its members' alerts are to be checked. */
const memberBudgetChanged = (changes: object) => Object.keys(changes).some((field) => MEMBER_BUDGET_FIELDS.includes(field));

/** `assertSoftWithinMax` for a team's member budgets, as a change leaves them. */
function assertMemberSoftWithinMax(team: Team, changed: object): void {
  const problem = softBudgetProblem(team.memberSoftBudget, team.memberMaxBudget);
  if (problem === null) return;
  if (!('memberSoftBudget' in changed) && 'memberMaxBudget' in changed) {
    throw badUserInput({ memberMaxBudget: [`must not be less than memberSoftBudget (${team.memberSoftBudget}); lower or clear memberSoftBudget as well`] });
  }
  throw badUserInput({ memberSoftBudget: [problem.replace('maxBudget', 'memberMaxBudget')] });
}

/** A live team the caller may read; NOT_FOUND otherwise (another tenant's team does not exist for them). */
export async function readableTeam(em: EntityManager, principal: Principal, id: string): Promise<Team> {
  const team = isUuid(id) ? await em.findOne(Team, { id, deletedAt: null }) : null;
  if (!team || !can(principal, 'team.read', teamScope(team))) throw notFound('Team');
  return team;
}

/** Live key counts for the given teams, in one query. */
export async function liveKeyCounts(em: EntityManager, teamIds: string[]): Promise<Map<string, number>> {
  if (teamIds.length === 0) return new Map();
  const rows = await em.execute<{ team_id: string; count: string }[]>(
    `select "team_id", count(*) as "count" from "virtual_key"
      where "deleted_at" is null and "team_id" = any(?::uuid[]) group by "team_id"`,
    [`{${teamIds.join(',')}}`],
  );
  return new Map(rows.map((r) => [r.team_id, Number(r.count)]));
}

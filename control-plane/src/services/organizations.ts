import { Organization, Team, User } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { assertCan, can, GLOBAL, visibility } from '../auth/policy.js';
import { assertApiManaged, conflict, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import { auditView, type Actor, type AdminWriter } from './audit.js';
import { recordSubjectAlerts } from './budget-alerts.js';
import { nextBudgetReset } from './budget-period.js';
import { assignGoverned, budgetChanged } from './governed.js';
import { CreateOrganizationInput, UpdateOrganizationInput } from './inputs.js';
import { onUniqueViolation } from './unique-violation.js';

const duplicateName = () => conflict('An organization with this name already exists.');

/**
 * Organizations: created, changed and deleted by proxy admins, budgets and limits included (an org admin governs
 * the organization's teams, users and keys within them, not the organization's own); read by their members.
 */
export class OrganizationService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
  ) {}

  async list(actor: Actor): Promise<Organization[]> {
    const seen = visibility(actor.principal, 'org');
    if (seen.kind === 'none' || seen.kind === 'own') return [];
    const where = seen.kind === 'all' ? { deletedAt: null } : { id: seen.orgId, deletedAt: null };
    return this.orm.em.fork().find(Organization, where, { orderBy: { name: 'asc' } });
  }

  async get(actor: Actor, id: string): Promise<Organization> {
    const org = isUuid(id) ? await this.orm.em.fork().findOne(Organization, { id, deletedAt: null }) : null;
    if (!org || !can(actor.principal, 'org.read', { orgId: org.id })) throw notFound('Organization');
    return org;
  }

  async create(actor: Actor, rawInput: unknown): Promise<Organization> {
    assertCan(actor.principal, 'org.create', GLOBAL);
    const input = parseInput(CreateOrganizationInput, rawInput);
    return onUniqueViolation(
      () =>
        this.writer.run(actor, async ({ em, record, audit }) => {
          if (await em.count(Organization, { name: input.name, deletedAt: null })) throw duplicateName();
          const org = em.create(Organization, { ...input, budgetResetAt: nextBudgetReset(input.budgetDuration) });
          record('org', org.id, 'upsert');
          audit({ action: 'org.create', entityType: 'organization', entityId: org.id, orgId: org.id, after: auditView(org) });
          await recordSubjectAlerts(em, { org: [org.id] });
          return org;
        }),
      duplicateName,
    );
  }

  async update(actor: Actor, id: string, rawInput: unknown): Promise<Organization> {
    const patch = parseInput(UpdateOrganizationInput, rawInput);
    if (!isUuid(id)) throw notFound('Organization');
    return onUniqueViolation(
      () =>
        this.writer.run(actor, async ({ em, record, audit }) => {
          const org = await em.findOne(Organization, { id, deletedAt: null });
          // Another tenant's organization does not exist for the caller (FORBIDDEN would say it does).
          if (!org || !can(actor.principal, 'org.read', { orgId: org.id })) throw notFound('Organization');
          assertCan(actor.principal, 'org.update', { orgId: org.id, id: org.id });
          assertApiManaged(org, 'organization');
          if (patch.name !== undefined && patch.name !== org.name && (await em.count(Organization, { name: patch.name, deletedAt: null }))) {
            throw duplicateName();
          }
          const before = auditView(org);
          const changes = definedOnly(patch);
          await assignGoverned(em, 'org', org, changes);
          record('org', org.id, 'upsert');
          audit({ action: 'org.update', entityType: 'organization', entityId: org.id, orgId: org.id, before, after: auditView(org) });
          if (budgetChanged(changes)) await recordSubjectAlerts(em, { org: [org.id] });
          return org;
        }),
      duplicateName,
    );
  }

  /** Soft-deletes an organization; refused while it still has live teams or users. */
  async delete(actor: Actor, id: string): Promise<void> {
    if (!isUuid(id)) throw notFound('Organization');
    await this.writer.run(actor, async ({ em, record, audit }) => {
      const org = await em.findOne(Organization, { id, deletedAt: null });
      if (!org || !can(actor.principal, 'org.read', { orgId: org.id })) throw notFound('Organization');
      assertCan(actor.principal, 'org.delete', { orgId: org.id, id: org.id });
      assertApiManaged(org, 'organization');
      if ((await em.count(Team, { organization: id, deletedAt: null })) || (await em.count(User, { organization: id, deletedAt: null }))) {
        throw conflict('The organization still has teams or users; remove them first.');
      }
      const before = auditView(org);
      org.deletedAt = new Date();
      record('org', org.id, 'delete');
      audit({ action: 'org.delete', entityType: 'organization', entityId: org.id, orgId: org.id, before });
    });
  }
}

/** A patch without its absent fields (undefined means "leave as is", null means "clear"). */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import { generateSecret, hashKey } from '@tollgate/schema';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SESSION_TOKEN_PREFIX } from '../auth/authenticate.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../auth/passwords.js';
import { assertCan, grantableRoles, isProxyRole, refused, visibility, type Scope } from '../auth/policy.js';
import type { Principal, UserRole } from '../auth/roles.js';
import { Organization, Session, TeamMembership, User, VirtualKey } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { AppError, badUserInput, conflict, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import { auditView, NO_REQUEST_META, type Actor, type AdminWriter, type RequestMeta } from './audit.js';
import { recordSubjectAlerts } from './budget-alerts.js';
import { nextBudgetReset } from './budget-period.js';
import { assignGoverned, budgetChanged, governedChanged } from './governed.js';
import { CreateUserInput, LoginInput, SetPasswordInput, UpdateUserInput } from './inputs.js';
import { definedOnly } from './organizations.js';
import { onUniqueViolation } from './unique-violation.js';

const duplicateEmail = () => conflict('A user with this email already exists.');
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: User;
}

const userScope = (user: User) => ({ orgId: user.organization?.id ?? null, ownerId: user.id, id: user.id });

/**
 * Users and their dashboard sign-in. The role rules: nobody gives a role above their own (`grantableRoles`), an org
 * admin's users belong to the org admin's organization, and proxy-wide roles belong to no organization. A user's
 * budgets and limits (over all their keys) are governance: set by those who may update the user (`user.update`: proxy
 * admins, and org admins in their organization, themselves included, within the organization's budget the proxy
 * admins set), and like blocking, only on users whose role the caller may grant. Internal users, team admins
 * included, set none, their own least of all.
 */
export class UserService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
    private readonly throttle: LoginThrottle = new LoginThrottle(),
  ) {}

  async list(actor: Actor, organizationId?: string | null): Promise<User[]> {
    const seen = visibility(actor.principal, 'user');
    const em = this.orm.em.fork();
    const byOrg = organizationId != null ? (isUuid(organizationId) ? { organization: organizationId } : null) : {};
    if (byOrg === null) return [];
    const orderBy = { email: 'asc' } as const;
    switch (seen.kind) {
      case 'none':
        return [];
      case 'all':
        return em.find(User, { deletedAt: null, ...byOrg }, { orderBy });
      case 'org':
        // Another organization's users are not this caller's to list, whichever organization it names.
        if (organizationId != null && organizationId !== seen.orgId) return [];
        return em.find(User, { deletedAt: null, organization: seen.orgId }, { orderBy });
      case 'own': {
        const memberIds = seen.teamIds.length === 0 ? [] : (await em.find(TeamMembership, { team: { $in: [...seen.teamIds] } })).map((m) => m.user.id);
        return em.find(User, { deletedAt: null, id: { $in: [seen.userId, ...memberIds] }, ...byOrg }, { orderBy });
      }
    }
  }

  async get(actor: Actor, id: string): Promise<User> {
    const user = isUuid(id) ? await this.orm.em.fork().findOne(User, { id, deletedAt: null }) : null;
    if (!user || !(await this.canRead(actor.principal, user))) throw notFound('User');
    return user;
  }

  async create(actor: Actor, rawInput: unknown): Promise<User> {
    const input = parseInput(CreateUserInput, rawInput);
    const organizationId = isProxyRole(input.role) ? null : (input.organizationId ?? actor.principal.orgId);
    if (isProxyRole(input.role) && input.organizationId !== null) {
      throw badUserInput({ organizationId: ['proxy-wide roles belong to no organization'] });
    }
    if (!isProxyRole(input.role) && organizationId === null) throw badUserInput({ organizationId: ['is required for this role'] });
    assertCan(actor.principal, 'user.create', { orgId: organizationId });
    assertGrantable(actor.principal, input.role, { orgId: organizationId });
    const passwordHash = input.password === null ? null : await hashPassword(input.password);
    return onUniqueViolation(
      () =>
        this.writer.run(actor, async ({ em, record, audit }) => {
          const organization = organizationId === null ? null : await liveOrganization(em, organizationId);
          if (await em.count(User, { email: input.email, deletedAt: null })) throw duplicateEmail();
          const { organizationId: _org, password: _password, ...fields } = input;
          const user = em.create(User, { ...fields, organization, passwordHash, budgetResetAt: nextBudgetReset(input.budgetDuration) });
          record('user', user.id, 'upsert');
          audit({ action: 'user.create', entityType: 'user', entityId: user.id, orgId: organizationId, after: auditView(user) });
          await recordSubjectAlerts(em, { user: [user.id] });
          return user;
        }),
      duplicateEmail,
    );
  }

  /**
   * Changes name, role, blocked state, budgets or limits. A role change is held to the same rule as a grant, both
   * ways; blocking and budgets to the rule for managing the user's role.
   */
  async update(actor: Actor, id: string, rawInput: unknown): Promise<User> {
    const patch = parseInput(UpdateUserInput, rawInput);
    if (!isUuid(id)) throw notFound('User');
    return this.writer.run(actor, async ({ em, record, audit }) => {
      const user = await em.findOne(User, { id, deletedAt: null });
      if (!user || !(await this.canRead(actor.principal, user))) throw notFound('User');
      assertCan(actor.principal, 'user.update', userScope(user));
      if (patch.role !== undefined && patch.role !== user.role) {
        // Neither raise anyone above yourself nor lower someone who is above you.
        assertGrantable(actor.principal, patch.role, userScope(user));
        assertGrantable(actor.principal, user.role, userScope(user));
        if (isProxyRole(patch.role) !== isProxyRole(user.role)) {
          throw badUserInput({ role: ['cannot move a user between proxy-wide and organization roles; create a new user'] });
        }
      }
      const changes = definedOnly(patch);
      if (patch.blocked !== undefined || patch.role !== undefined || governedChanged(changes)) assertGrantable(actor.principal, user.role, userScope(user));
      const before = auditView(user);
      await assignGoverned(em, 'user', user, changes);
      // Data planes follow users: blocking one refuses their keys there too.
      record('user', user.id, 'upsert');
      if (patch.blocked === true) await em.nativeDelete(Session, { user: user.id });
      audit({ action: 'user.update', entityType: 'user', entityId: user.id, orgId: user.organization?.id ?? null, before, after: auditView(user) });
      if (budgetChanged(changes)) await recordSubjectAlerts(em, { user: [user.id] });
      return user;
    });
  }

  /** Soft-deletes a user; refused while they own live keys (delete or hand those over first). */
  async delete(actor: Actor, id: string): Promise<void> {
    if (!isUuid(id)) throw notFound('User');
    await this.writer.run(actor, async ({ em, record, audit }) => {
      const user = await em.findOne(User, { id, deletedAt: null });
      if (!user || !(await this.canRead(actor.principal, user))) throw notFound('User');
      assertCan(actor.principal, 'user.delete', userScope(user));
      assertGrantable(actor.principal, user.role, userScope(user));
      if (await em.count(VirtualKey, { owner: id, deletedAt: null })) throw conflict('The user still owns keys; delete them first.');
      const before = auditView(user);
      user.deletedAt = new Date();
      record('user', user.id, 'delete');
      await em.nativeDelete(Session, { user: user.id });
      await em.nativeDelete(TeamMembership, { user: user.id });
      audit({ action: 'user.delete', entityType: 'user', entityId: user.id, orgId: user.organization?.id ?? null, before });
    });
  }

  /** Sets a password: one's own (with the current one, if any), or another's as someone who may update them. */
  async setPassword(actor: Actor, rawInput: unknown): Promise<void> {
    const input = parseInput(SetPasswordInput, rawInput);
    if (!isUuid(input.userId)) throw notFound('User');
    const passwordHash = await hashPassword(input.password);
    await this.writer.run(actor, async ({ em, audit }) => {
      const user = await em.findOne(User, { id: input.userId, deletedAt: null }, { populate: ['passwordHash'] });
      if (!user || !(await this.canRead(actor.principal, user))) throw notFound('User');
      if (user.id === actor.principal.userId) {
        if (actor.principal.readOnly) throw refused('user.update', userScope(user));
        if (user.passwordHash !== null) {
          if (!input.currentPassword) throw badUserInput({ currentPassword: ['is required to change your own password'] });
          if (!(await verifyPassword(input.currentPassword, user.passwordHash))) throw badUserInput({ currentPassword: ['is not the current password'] });
        }
      } else {
        assertCan(actor.principal, 'user.update', userScope(user));
        assertGrantable(actor.principal, user.role, userScope(user));
      }
      user.passwordHash = passwordHash;
      // Every other sign-in of that user ends; one's own change keeps the session it was made in.
      const kept = user.id === actor.principal.userId ? actor.principal.sessionId : undefined;
      await em.nativeDelete(Session, kept === undefined ? { user: user.id } : { user: user.id, id: { $ne: kept } });
      audit({ action: 'user.set_password', entityType: 'user', entityId: user.id, orgId: user.organization?.id ?? null });
    });
  }

  /**
   * Dashboard sign-in. One answer for an unknown email, a wrong password, a user without a password and a blocked
   * user, in about the same time (a dummy hash is checked when there is no user), so it reveals nothing. After five
   * failures for an email from one client address within 15 minutes, that client is refused for that email until the
   * window ends (`LoginThrottle`); the user, signing in from elsewhere, is not.
   */
  async login(rawInput: unknown, meta: RequestMeta = NO_REQUEST_META): Promise<LoginResult> {
    const input = parseInput(LoginInput, rawInput);
    const wait = this.throttle.attempt(input.email, meta.ip);
    if (wait > 0) {
      throw new AppError('UNAUTHENTICATED', `Too many failed sign-ins from this address; try again in ${Math.ceil(wait / 60_000)} minutes.`);
    }
    const em = this.orm.em.fork();
    const user = await em.findOne(User, { email: input.email, deletedAt: null }, { populate: ['passwordHash'] });
    const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    // (Counted as failed already: `attempt`.)
    if (!user || !ok || user.passwordHash === null || user.blocked) {
      if (user) this.recordFailedLogin(user, meta, !ok || user.passwordHash === null ? 'wrong password' : 'user blocked');
      throw new AppError('UNAUTHENTICATED', 'Wrong email or password.');
    }
    this.throttle.succeeded(input.email, meta.ip);
    const token = generateSecret(SESSION_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    const principal = { role: user.role, credential: 'session', userId: user.id, orgId: user.organization?.id ?? null, teams: new Map(), readOnly: false } as const;
    await this.writer.run({ principal, meta }, async ({ em: tx, audit }) => {
      tx.create(Session, { hash: hashKey(token), user: user.id, expiresAt });
      audit({ action: 'user.login', entityType: 'user', entityId: user.id, orgId: user.organization?.id ?? null });
    });
    return { token, expiresAt, user };
  }

  /**
   * A failed sign-in as an existing user, in the audit log (`user.login_failed`, from which address, why), for whoever
   * audits the user's organization. Not awaited: the answer's timing must not tell existing emails from others. An
   * unknown email is not recorded (anyone could fill the log with them); the throttle caps the rest at five per
   * address and user in 15 minutes.
   */
  private recordFailedLogin(user: User, meta: RequestMeta, reason: 'wrong password' | 'user blocked'): void {
    const orgId = user.organization?.id ?? null;
    const principal = { role: user.role, credential: 'password', userId: user.id, orgId, teams: new Map(), readOnly: false } as const;
    void this.writer
      .run({ principal, meta }, async ({ audit }) => {
        audit({ action: 'user.login_failed', entityType: 'user', entityId: user.id, orgId, after: { reason } });
      })
      .catch(() => undefined); // the sign-in failed either way; a database away now loses only this record
  }

  /** Ends the session whose token is presented; other sessions of the user stay. Recorded in the audit log, as sign-in is. */
  async logout(token: string | null, meta: RequestMeta = NO_REQUEST_META): Promise<boolean> {
    if (token === null || !token.startsWith(SESSION_TOKEN_PREFIX)) return false;
    const session = await this.orm.em.fork().findOne(Session, { hash: hashKey(token) }, { populate: ['user'] });
    if (session === null) return false;
    const user = session.user.getEntity();
    const principal = { role: user.role, credential: 'session', userId: user.id, orgId: user.organization?.id ?? null, teams: new Map(), readOnly: false } as const;
    return this.writer.run({ principal, meta }, async ({ em, audit }) => {
      const ended = (await em.nativeDelete(Session, { id: session.id })) > 0;
      if (ended) audit({ action: 'user.logout', entityType: 'user', entityId: user.id, orgId: user.organization?.id ?? null });
      return ended;
    });
  }

  private async canRead(principal: Principal, user: User): Promise<boolean> {
    const seen = visibility(principal, 'user');
    if (seen.kind === 'all') return true;
    if (seen.kind === 'org') return user.organization?.id === seen.orgId;
    if (seen.kind === 'none') return false;
    if (user.id === seen.userId) return true;
    if (seen.teamIds.length === 0) return false;
    return (await this.orm.em.fork().count(TeamMembership, { user: user.id, team: { $in: [...seen.teamIds] } })) > 0;
  }
}

/** Refuses (audited, `user.grant_role`) giving or managing `role`, on the user in `scope`, beyond the caller's grant. */
function assertGrantable(principal: Principal, role: UserRole, scope: Scope): void {
  if (!grantableRoles(principal).includes(role)) {
    throw refused('user.grant_role', scope, `This credential may not give or manage the role ${role}.`);
  }
}

export async function liveOrganization(em: EntityManager, id: string): Promise<Organization> {
  const org = isUuid(id) ? await em.findOne(Organization, { id, deletedAt: null }) : null;
  if (!org) throw badUserInput({ organizationId: ['no such organization'] });
  return org;
}

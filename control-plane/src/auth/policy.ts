import { AppError, forbidden, unauthenticated } from '../errors.js';
import { Role, type Principal, type TeamRole, type UserRole } from './roles.js';

/**
 * The one authorization layer. Every admin operation names an action and the scope of the object it touches; the
 * rules for every role live here and nowhere else (services ask, resolvers only authenticate). A table-driven test
 * (policy.test.ts, and the API-level matrix in rbac.test.ts) covers every role × action.
 */
export const ACTIONS = [
  'org.read',
  'org.create',
  'org.update',
  'org.delete',
  'team.read',
  'team.create',
  'team.update',
  'team.delete',
  'team.members',
  'user.read',
  'user.create',
  'user.update',
  'user.delete',
  'key.read',
  'key.create',
  'key.update',
  'key.delete',
  /** Change what an admin governs on a key: budgets, limits, models, allow lists, guardrails, expiry. */
  'key.govern',
  /** `model.read` also covers the router settings: whoever sees the models may see how they are routed. */
  'model.read',
  'model.write',
  /** Run active health checks on deployments: real provider calls, paid for, made by the data planes. */
  'model.check',
  /** The gateway-wide router settings: strategies, retries, fallbacks, cooldowns (read with `model.read`). */
  'router.write',
  'spend.read',
  'audit.read',
  /** The declarative config file's status (path, what it applied, its errors and conflicts): proxy-wide. */
  'config.read',
  /** End users (the `user` of requests): proxy-wide. */
  'end_user.read',
  'end_user.write',
  /** Budget tiers, tags, guardrail policies, MCP servers and their tool permissions. */
  'governance.read',
  'governance.write',
] as const;
export type Action = (typeof ACTIONS)[number];

const READS: ReadonlySet<Action> = new Set(ACTIONS.filter((a) => a.endsWith('.read')));

/**
 * Where an object lives. `orgId` is its tenant; `teamId` its team (for keys, spend and memberships); `ownerId` the
 * user it belongs to (a key's owner, or the user record itself). Null means "none" (a team-less key, a proxy
 * admin without an organization); an object with no organization is reachable by proxy admins only.
 */
export interface Scope {
  readonly orgId: string | null;
  readonly teamId?: string | null;
  readonly ownerId?: string | null;
  /** The object itself, where there is one (not for creating one): named in the audit entry of a refusal. */
  readonly id?: string;
}

/** The scope of something global (models, creating an organization). */
export const GLOBAL: Scope = { orgId: null };

type Rule = (p: Principal, s: Scope) => boolean;

const never: Rule = () => false;
const always: Rule = () => true;
const ownOrg: Rule = (p, s) => p.orgId !== null && s.orgId === p.orgId;
const self: Rule = (p, s) => p.userId !== null && s.ownerId === p.userId;
const teamRole = (p: Principal, s: Scope): TeamRole | undefined => (s.teamId ? p.teams.get(s.teamId) : undefined);
const teamAdmin: Rule = (p, s) => teamRole(p, s) === 'admin';
const teamMember: Rule = (p, s) => teamRole(p, s) !== undefined;
const any = (...rules: Rule[]): Rule => (p, s) => rules.some((rule) => rule(p, s));

/**
 * Per role, per action. Proxy admins may do everything and proxy-admin viewers read everything; the others are
 * confined to their tenant: an org admin to their organization (but cannot change the organization itself, whose
 * budget and models the proxy admins set), a team admin (an internal user who is admin of a team) to that team's
 * members and keys, internal users to their own keys and spend, internal viewers to reading those.
 */
const RULES: Record<Exclude<Role, typeof Role.Admin | typeof Role.ProxyAdminViewer | typeof Role.DataPlane>, Record<Action, Rule>> = {
  org_admin: {
    'org.read': ownOrg,
    'org.create': never,
    'org.update': never,
    'org.delete': never,
    'team.read': ownOrg,
    'team.create': ownOrg,
    'team.update': ownOrg,
    'team.delete': ownOrg,
    'team.members': ownOrg,
    'user.read': ownOrg,
    'user.create': ownOrg,
    'user.update': ownOrg,
    'user.delete': ownOrg,
    'key.read': ownOrg,
    'key.create': ownOrg,
    'key.update': ownOrg,
    'key.delete': ownOrg,
    'key.govern': ownOrg,
    'model.read': always,
    'model.write': never,
    'model.check': never,
    'router.write': never,
    'spend.read': ownOrg,
    'audit.read': ownOrg,
    'config.read': never,
    'end_user.read': never,
    'end_user.write': never,
    // Org admins see the catalogue to assign policies and servers to their keys and teams; proxy admins change it.
    'governance.read': always,
    'governance.write': never,
  },
  internal_user: {
    'org.read': ownOrg,
    'org.create': never,
    'org.update': never,
    'org.delete': never,
    'team.read': teamMember,
    'team.create': never,
    // A team admin manages who is in the team and its keys, not the team's own budget or models.
    'team.update': never,
    'team.delete': never,
    'team.members': teamAdmin,
    'user.read': any(self, teamAdmin),
    'user.create': never,
    'user.update': never,
    'user.delete': never,
    'key.read': any(self, teamAdmin),
    // Own keys, personal or in a team the user belongs to; any key of a team they administer.
    'key.create': any((p, s) => self(p, s) && (!s.teamId || teamMember(p, s)), teamAdmin),
    'key.update': any(self, teamAdmin),
    'key.delete': any(self, teamAdmin),
    // Owners rename, annotate or block their keys; the limits on them are set by team, org or proxy admins.
    'key.govern': teamAdmin,
    'model.read': always,
    'model.write': never,
    'model.check': never,
    'router.write': never,
    'spend.read': any(self, teamAdmin),
    'audit.read': never,
    'config.read': never,
    'end_user.read': never,
    'end_user.write': never,
    'governance.read': never,
    'governance.write': never,
  },
  internal_viewer: {
    'org.read': ownOrg,
    'org.create': never,
    'org.update': never,
    'org.delete': never,
    'team.read': teamMember,
    'team.create': never,
    'team.update': never,
    'team.delete': never,
    'team.members': never,
    'user.read': self,
    'user.create': never,
    'user.update': never,
    'user.delete': never,
    'key.read': self,
    'key.create': never,
    'key.update': never,
    'key.delete': never,
    'key.govern': never,
    'model.read': always,
    'model.write': never,
    'model.check': never,
    'router.write': never,
    'spend.read': self,
    'audit.read': never,
    'config.read': never,
    'end_user.read': never,
    'end_user.write': never,
    'governance.read': never,
    'governance.write': never,
  },
};

/** Whether `principal` may do `action` to an object in `scope`. */
export function can(principal: Principal, action: Action, scope: Scope): boolean {
  if (principal.role === Role.DataPlane) return false;
  if (principal.readOnly && !READS.has(action)) return false;
  if (principal.role === Role.Admin) return true;
  if (principal.role === Role.ProxyAdminViewer) return READS.has(action);
  return RULES[principal.role][action](principal, scope);
}

/**
 * What a FORBIDDEN error refused: the action and the scope it was asked for (`refusalOf`). Actions beyond the policy's
 * own name the services' finer rules (`user.grant_role`, `key.act_as`).
 */
export interface Refusal {
  readonly action: string;
  readonly scope: Scope;
}

/** Refusals by their error, for the audit log's record of refused changes (graphql/audit-refusals.ts). */
const refusals = new WeakMap<object, Refusal>();

/** The action and scope a FORBIDDEN error from `assertCan` refused; undefined for any other error. */
export function refusalOf(error: unknown): Refusal | undefined {
  return typeof error === 'object' && error !== null ? refusals.get(error) : undefined;
}

/** Whether `action` only reads (refused reads are not audited: a list shows what its reader may see). */
export function isRead(action: string): boolean {
  return READS.has(action as Action);
}

/**
 * FORBIDDEN for `action` on `scope`, carrying what it refused (`refusalOf`), so the refusal is audited: every refusal
 * of a change goes through here. `message` says more than the generic one where the caller may know why.
 */
export function refused(action: string, scope: Scope, message?: string): AppError {
  const error = message === undefined ? forbidden() : new AppError('FORBIDDEN', message);
  refusals.set(error, { action, scope });
  return error;
}

/** `can`, or FORBIDDEN (carrying what it refused, see `refusalOf`). */
export function assertCan(principal: Principal, action: Action, scope: Scope): void {
  if (!can(principal, action, scope)) throw refused(action, scope);
}

/** An authenticated admin caller (any user role, the master key), or UNAUTHENTICATED/FORBIDDEN. */
export function requireAdminCaller(principal: Principal | null): Principal {
  if (!principal) throw unauthenticated();
  if (principal.role === Role.DataPlane) throw forbidden();
  return principal;
}

/**
 * Roles a caller may give a user (creating one, changing one's role): never above their own. Proxy admins give
 * any; org admins give the roles of their organization (not the proxy-wide ones); nobody else gives roles.
 */
export function grantableRoles(principal: Principal): readonly UserRole[] {
  if (principal.readOnly) return [];
  switch (principal.role) {
    case Role.Admin:
      return ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_viewer'];
    case Role.OrgAdmin:
      return ['org_admin', 'internal_user', 'internal_viewer'];
    default:
      return [];
  }
}

/** Whether the roles are proxy-wide: such users belong to no organization. */
export function isProxyRole(role: UserRole): boolean {
  return role === 'proxy_admin' || role === 'proxy_admin_viewer';
}

/**
 * What part of a list a caller may see, as a filter the services turn into SQL: everything, one organization, or
 * the caller's own objects plus those of the teams they administer (`teamIds`) or belong to.
 */
export type Visibility =
  | { readonly kind: 'all' }
  | { readonly kind: 'org'; readonly orgId: string }
  | { readonly kind: 'own'; readonly userId: string; readonly teamIds: readonly string[] }
  | { readonly kind: 'none' };

/** The rows of a list a caller may read, consistent with `can(…, '<entity>.read', …)` for each row. */
export function visibility(principal: Principal, entity: 'key' | 'team' | 'user' | 'spend' | 'org' | 'audit'): Visibility {
  if (principal.role === Role.Admin || principal.role === Role.ProxyAdminViewer) return { kind: 'all' };
  if (principal.role === Role.DataPlane || principal.userId === null) return { kind: 'none' };
  if (principal.role === Role.OrgAdmin) return principal.orgId ? { kind: 'org', orgId: principal.orgId } : { kind: 'none' };
  if (entity === 'audit') return { kind: 'none' };
  if (entity === 'org') return principal.orgId ? { kind: 'org', orgId: principal.orgId } : { kind: 'none' };
  const teams = [...principal.teams];
  // Teams: the ones they belong to. Keys, users, spend: their own, plus what the teams they administer hold.
  const teamIds =
    entity === 'team'
      ? teams.map(([id]) => id)
      : principal.role === Role.InternalUser
        ? teams.filter(([, role]) => role === 'admin').map(([id]) => id)
        : [];
  return { kind: 'own', userId: principal.userId, teamIds };
}

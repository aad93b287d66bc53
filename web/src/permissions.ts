/**
 * What the signed-in credential may do, for showing and hiding actions. Pure functions, no Vue.
 *
 * This mirrors the control plane's policy (control-plane/src/auth/policy.ts) only as far as the UI needs it: the
 * server decides every request and answers FORBIDDEN / NOT_FOUND, and its lists are already filtered per caller.
 * A gap between the two shows as an action that fails with the server's message, never as a broken page.
 */
import { USER_ROLES, type UserRole, type Viewer } from './api/operations';

export interface Permissions {
  /** A read-only key or a viewer role: no writes at all. */
  readOnly: boolean;
  /** Proxy admins and their viewers: every organization, the gateway-wide spend and its live updates. */
  proxyWide: boolean;
  /** Reads the gateway-wide `spendSummary` and follows it live with `spendUpdated` (for other roles that carries only their part). */
  gatewaySpend: boolean;
  viewOrganizations: boolean;
  manageOrganizations: boolean;
  viewUsers: boolean;
  /** Roles this credential may give (create a user with, change a user to); empty: manages no users. */
  grantableRoles: readonly UserRole[];
  createTeams: boolean;
  /** Proxy admins put a team in an organization of their choice; an org admin's go in their own. */
  chooseTeamOrganization: boolean;
  /** Manage the members of every visible team (org and proxy admins); internal users only of teams they administer. */
  manageAllTeamMembers: boolean;
  /**
   * Edit and block teams (their models, budgets, period and limits), set their budgets per member and each member's
   * own (org and proxy admins, `updateTeam`): a team's own admins may not, or they could raise the limit on their own
   * spending.
   */
  governTeams: boolean;
  createKeys: boolean;
  /** Block, unblock and delete the keys in the list (which holds only keys the caller may read). */
  manageKeys: boolean;
  /** Make keys for other users (and so pick an owner). */
  chooseKeyOwner: boolean;
  /** Create models (deployments) and delete them. */
  createModels: boolean;
  /** Change the gateway-wide router settings; everyone who reads models reads them. */
  manageRouting: boolean;
  /**
   * Have the data planes check deployments now (`checkModelHealth`: real, paid provider calls). Everyone who reads
   * models reads the results.
   */
  checkModelHealth: boolean;
  viewAudit: boolean;
}

const NOTHING: Permissions = {
  readOnly: true,
  proxyWide: false,
  gatewaySpend: false,
  viewOrganizations: false,
  manageOrganizations: false,
  viewUsers: false,
  grantableRoles: [],
  createTeams: false,
  chooseTeamOrganization: false,
  manageAllTeamMembers: false,
  governTeams: false,
  createKeys: false,
  manageKeys: false,
  chooseKeyOwner: false,
  createModels: false,
  manageRouting: false,
  checkModelHealth: false,
  viewAudit: false,
};

export function isUserRole(role: string): role is UserRole {
  return (USER_ROLES as readonly string[]).includes(role);
}

/** Proxy-wide roles belong to no organization; the others to exactly one. */
export function isProxyRole(role: string): boolean {
  return role === 'proxy_admin' || role === 'proxy_admin_viewer';
}

/** The roles a caller may give: never above their own (the server's `grantableRoles`). */
export function grantableRoles(viewer: Viewer): readonly UserRole[] {
  if (viewer.readOnly) return [];
  switch (viewer.role) {
    case 'proxy_admin':
      return USER_ROLES;
    case 'org_admin':
      return ['org_admin', 'internal_user', 'internal_viewer'];
    default:
      return [];
  }
}

export function permissionsFor(viewer: Viewer): Permissions {
  const grantable = grantableRoles(viewer);
  switch (viewer.role) {
    case 'proxy_admin':
    case 'proxy_admin_viewer': {
      const writes = viewer.role === 'proxy_admin' && !viewer.readOnly;
      return {
        readOnly: !writes,
        proxyWide: true,
        gatewaySpend: true,
        viewOrganizations: true,
        manageOrganizations: writes,
        viewUsers: true,
        grantableRoles: grantable,
        createTeams: writes,
        chooseTeamOrganization: writes,
        manageAllTeamMembers: writes,
        governTeams: writes,
        createKeys: writes,
        manageKeys: writes,
        chooseKeyOwner: writes,
        createModels: writes,
        manageRouting: writes,
        checkModelHealth: writes,
        viewAudit: true,
      };
    }
    case 'org_admin': {
      const writes = !viewer.readOnly;
      return {
        ...NOTHING,
        readOnly: !writes,
        viewOrganizations: true,
        viewUsers: true,
        grantableRoles: grantable,
        createTeams: writes,
        manageAllTeamMembers: writes,
        governTeams: writes,
        createKeys: writes,
        manageKeys: writes,
        chooseKeyOwner: writes,
        viewAudit: true,
      };
    }
    case 'internal_user': {
      const writes = !viewer.readOnly;
      return { ...NOTHING, readOnly: !writes, createKeys: writes, manageKeys: writes };
    }
    default:
      // internal_viewer, and any role this dashboard does not know yet: read what the server lists.
      return NOTHING;
  }
}

/**
 * Whether the viewer may manage one team's members: admins of the whole tenant may; an internal user may where
 * their own membership says `admin`.
 */
export function canManageTeamMembers(
  viewer: Viewer,
  permissions: Permissions,
  members: readonly { role: string; user: { id: string } }[],
): boolean {
  if (permissions.manageAllTeamMembers) return true;
  if (viewer.readOnly || viewer.role !== 'internal_user' || viewer.userId === null) return false;
  return members.some((member) => member.user.id === viewer.userId && member.role === 'admin');
}

const ROLE_LABELS: Record<UserRole, string> = {
  proxy_admin: 'Proxy admin',
  proxy_admin_viewer: 'Proxy admin (viewer)',
  org_admin: 'Org admin',
  internal_user: 'Internal user',
  internal_viewer: 'Internal viewer',
};

export function roleLabel(role: string): string {
  return isUserRole(role) ? ROLE_LABELS[role] : role;
}

const CREDENTIAL_LABELS: Record<string, string> = {
  master_key: 'Master key',
  session: 'Password sign-in',
  management_key: 'Management key',
  read_only_key: 'Read-only key',
};

export function credentialLabel(credential: string): string {
  return CREDENTIAL_LABELS[credential] ?? credential;
}

const KEY_TYPE_LABELS: Record<string, string> = {
  llm_api: 'LLM API',
  management: 'Management',
  read_only: 'Read-only',
};

export function keyTypeLabel(keyType: string): string {
  return KEY_TYPE_LABELS[keyType] ?? keyType;
}

/** Declared in the config file: the API shows it but changes it only through the file (CONFLICT otherwise). */
export function isFileManaged(row: { managedBy: string | null }): boolean {
  return row.managedBy === 'file';
}

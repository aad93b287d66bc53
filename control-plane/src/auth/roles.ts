/**
 * Who a caller is to the control plane. Users have one of the `USER_ROLES`; the master key acts as a proxy admin;
 * the data-plane credential is a role of its own that can do nothing but take config and deliver usage (and no
 * admin credential can do those), so a leaked data-plane token cannot administer the gateway.
 */
export const USER_ROLES = ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const TEAM_ROLES = ['admin', 'member'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export const KEY_TYPES = ['llm_api', 'management', 'read_only'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const Role = {
  /** Everything, everywhere: the master key and proxy-admin users. */
  Admin: 'proxy_admin',
  ProxyAdminViewer: 'proxy_admin_viewer',
  OrgAdmin: 'org_admin',
  InternalUser: 'internal_user',
  InternalViewer: 'internal_viewer',
  /** The data-plane credential: config subscription and usage ingest only. */
  DataPlane: 'data_plane',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** How the caller proved who they are. */
/** How a principal proved itself; `password`: a sign-in attempt that failed (recorded in the audit log only). */
export type CredentialKind = 'master_key' | 'data_plane_token' | 'session' | 'management_key' | 'read_only_key' | 'system' | 'password';

export interface Principal {
  readonly role: Role;
  readonly credential: CredentialKind;
  /** The user acting; null for the master key and the data plane. */
  readonly userId: string | null;
  /** The user's organization (the tenant an org admin governs); null for none. */
  readonly orgId: string | null;
  /** The user's teams and their role in each. */
  readonly teams: ReadonlyMap<string, TeamRole>;
  /** Reads only, whatever the role allows (read-only keys). */
  readonly readOnly: boolean;
  /** The dashboard session the request came with (`credential` session), so a user's own change can keep it. */
  readonly sessionId?: string;
}

export const MASTER_PRINCIPAL: Principal = {
  role: Role.Admin,
  credential: 'master_key',
  userId: null,
  orgId: null,
  teams: new Map(),
  readOnly: false,
};

export const DATA_PLANE_PRINCIPAL: Principal = {
  role: Role.DataPlane,
  credential: 'data_plane_token',
  userId: null,
  orgId: null,
  teams: new Map(),
  readOnly: false,
};

/** The control plane itself: seeding, scheduled jobs, the declarative config file. */
export const SYSTEM_PRINCIPAL: Principal = { ...MASTER_PRINCIPAL, credential: 'system' };

/** The id recorded as the actor in the audit log. */
export function actorId(principal: Principal): string {
  if (principal.userId !== null) return principal.userId;
  if (principal.credential === 'system') return 'system';
  return principal.role === Role.DataPlane ? 'data-plane' : 'master';
}

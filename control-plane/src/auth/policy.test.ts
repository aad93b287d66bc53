import { describe, expect, it } from 'vitest';
import { ACTIONS, can, grantableRoles, visibility, type Action, type Scope } from './policy.js';
import { DATA_PLANE_PRINCIPAL, MASTER_PRINCIPAL, type Principal, type TeamRole, type UserRole } from './roles.js';

const ORG = 'org-a';
const OTHER_ORG = 'org-b';
const ME = 'user-me';
const SOMEONE = 'user-other';
const MY_TEAM = 'team-admin-of';
const MEMBER_TEAM = 'team-member-of';
const OTHER_TEAM = 'team-other';

const user = (role: UserRole, teams: Array<[string, TeamRole]> = [], readOnly = false): Principal => ({
  role,
  credential: readOnly ? 'read_only_key' : 'session',
  userId: ME,
  orgId: role === 'proxy_admin' || role === 'proxy_admin_viewer' ? null : ORG,
  teams: new Map(teams),
  readOnly,
});

/** The scopes an object can be in, relative to the caller. */
const SCOPES = {
  ownKey: { orgId: ORG, teamId: null, ownerId: ME },
  ownKeyInMemberTeam: { orgId: ORG, teamId: MEMBER_TEAM, ownerId: ME },
  othersKeyInAdminTeam: { orgId: ORG, teamId: MY_TEAM, ownerId: SOMEONE },
  othersKeyInMemberTeam: { orgId: ORG, teamId: MEMBER_TEAM, ownerId: SOMEONE },
  othersKeyInOrg: { orgId: ORG, teamId: OTHER_TEAM, ownerId: SOMEONE },
  otherTenant: { orgId: OTHER_ORG, teamId: 'team-b', ownerId: 'user-b' },
  global: { orgId: null },
} satisfies Record<string, Scope>;
type ScopeName = keyof typeof SCOPES;

const teamAdmin = user('internal_user', [[MY_TEAM, 'admin'], [MEMBER_TEAM, 'member']]);
const internalUser = user('internal_user', [[MEMBER_TEAM, 'member']]);

/**
 * Expected answers, per caller: for each action, the scopes in which it is allowed (every other scope: refused).
 * Written out in full so a change to a rule shows up here as a deliberate edit.
 */
const ORG_WIDE: ScopeName[] = ['ownKey', 'ownKeyInMemberTeam', 'othersKeyInAdminTeam', 'othersKeyInMemberTeam', 'othersKeyInOrg'];
const ALL: ScopeName[] = [...ORG_WIDE, 'otherTenant', 'global'];
const EXPECTED: Array<[string, Principal, Partial<Record<Action, ScopeName[]>>]> = [
  ['master key', MASTER_PRINCIPAL, Object.fromEntries(ACTIONS.map((a) => [a, ALL]))],
  ['proxy admin', user('proxy_admin'), Object.fromEntries(ACTIONS.map((a) => [a, ALL]))],
  ['proxy admin viewer', user('proxy_admin_viewer'), Object.fromEntries(ACTIONS.filter((a) => a.endsWith('.read')).map((a) => [a, ALL]))],
  [
    'org admin',
    user('org_admin'),
    {
      'org.read': ORG_WIDE,
      ...Object.fromEntries(
        (['team.read', 'team.create', 'team.update', 'team.delete', 'team.members', 'user.read', 'user.create', 'user.update', 'user.delete', 'key.read', 'key.create', 'key.update', 'key.delete', 'key.govern', 'spend.read', 'audit.read'] as const).map((a) => [a, ORG_WIDE]),
      ),
      'model.read': ALL,
      'governance.read': ALL,
    },
  ],
  [
    'team admin',
    teamAdmin,
    {
      'org.read': ORG_WIDE,
      'team.read': ['ownKeyInMemberTeam', 'othersKeyInAdminTeam', 'othersKeyInMemberTeam'],
      'team.members': ['othersKeyInAdminTeam'],
      'user.read': ['ownKey', 'ownKeyInMemberTeam', 'othersKeyInAdminTeam'],
      'key.read': ['ownKey', 'ownKeyInMemberTeam', 'othersKeyInAdminTeam'],
      'key.create': ['ownKey', 'ownKeyInMemberTeam', 'othersKeyInAdminTeam'],
      'key.update': ['ownKey', 'ownKeyInMemberTeam', 'othersKeyInAdminTeam'],
      'key.delete': ['ownKey', 'ownKeyInMemberTeam', 'othersKeyInAdminTeam'],
      'key.govern': ['othersKeyInAdminTeam'],
      'spend.read': ['ownKey', 'ownKeyInMemberTeam', 'othersKeyInAdminTeam'],
      'model.read': ALL,
    },
  ],
  [
    'internal user',
    internalUser,
    {
      'org.read': ORG_WIDE,
      'team.read': ['ownKeyInMemberTeam', 'othersKeyInMemberTeam'],
      'user.read': ['ownKey', 'ownKeyInMemberTeam'],
      'key.read': ['ownKey', 'ownKeyInMemberTeam'],
      'key.create': ['ownKey', 'ownKeyInMemberTeam'],
      'key.update': ['ownKey', 'ownKeyInMemberTeam'],
      'key.delete': ['ownKey', 'ownKeyInMemberTeam'],
      'spend.read': ['ownKey', 'ownKeyInMemberTeam'],
      'model.read': ALL,
    },
  ],
  [
    'internal viewer',
    user('internal_viewer', [[MEMBER_TEAM, 'member']]),
    {
      'org.read': ORG_WIDE,
      'team.read': ['ownKeyInMemberTeam', 'othersKeyInMemberTeam'],
      'user.read': ['ownKey', 'ownKeyInMemberTeam'],
      'key.read': ['ownKey', 'ownKeyInMemberTeam'],
      'spend.read': ['ownKey', 'ownKeyInMemberTeam'],
      'model.read': ALL,
    },
  ],
  [
    'org admin through a read-only key',
    user('org_admin', [], true),
    {
      'org.read': ORG_WIDE,
      ...Object.fromEntries((['team.read', 'user.read', 'key.read', 'spend.read', 'audit.read'] as const).map((a) => [a, ORG_WIDE])),
      'model.read': ALL,
      'governance.read': ALL,
    },
  ],
  ['data plane', DATA_PLANE_PRINCIPAL, {}],
];

describe('the authorization policy', () => {
  for (const [who, principal, allowed] of EXPECTED) {
    it(`${who}: allows exactly what it should, for every action and scope`, () => {
      const actual: Record<string, string[]> = {};
      const expected: Record<string, string[]> = {};
      for (const action of ACTIONS) {
        actual[action] = (Object.keys(SCOPES) as ScopeName[]).filter((scope) => can(principal, action, SCOPES[scope]));
        expected[action] = (Object.keys(SCOPES) as ScopeName[]).filter((scope) => allowed[action]?.includes(scope));
      }
      expect(actual).toEqual(expected);
    });
  }

  it('shows the config file (its errors and conflicts name every declared object) to proxy admins and viewers only', () => {
    const readers = EXPECTED.filter(([, principal]) => Object.values(SCOPES).some((scope) => can(principal, 'config.read', scope))).map(([who]) => who);
    expect(readers).toEqual(['master key', 'proxy admin', 'proxy admin viewer']);
    // Not even an org admin reading about their own organization.
    expect(can(user('org_admin'), 'config.read', { orgId: ORG })).toBe(false);
  });

  it('never lets anyone below proxy admin give a proxy-wide role, nor anyone but admins give roles at all', () => {
    expect(grantableRoles(MASTER_PRINCIPAL)).toContain('proxy_admin');
    expect(grantableRoles(user('org_admin'))).toEqual(['org_admin', 'internal_user', 'internal_viewer']);
    for (const role of ['proxy_admin_viewer', 'internal_user', 'internal_viewer'] as const) expect(grantableRoles(user(role))).toEqual([]);
    expect(grantableRoles(teamAdmin)).toEqual([]);
    expect(grantableRoles(user('proxy_admin', [], true))).toEqual([]);
  });

  it('filters lists to what each caller may read', () => {
    expect(visibility(MASTER_PRINCIPAL, 'key')).toEqual({ kind: 'all' });
    expect(visibility(user('proxy_admin_viewer'), 'audit')).toEqual({ kind: 'all' });
    expect(visibility(user('org_admin'), 'key')).toEqual({ kind: 'org', orgId: ORG });
    expect(visibility(teamAdmin, 'key')).toEqual({ kind: 'own', userId: ME, teamIds: [MY_TEAM] });
    expect(visibility(teamAdmin, 'team')).toEqual({ kind: 'own', userId: ME, teamIds: [MY_TEAM, MEMBER_TEAM] });
    expect(visibility(internalUser, 'key')).toEqual({ kind: 'own', userId: ME, teamIds: [] });
    expect(visibility(internalUser, 'audit')).toEqual({ kind: 'none' });
    expect(visibility(DATA_PLANE_PRINCIPAL, 'key')).toEqual({ kind: 'none' });
  });
});

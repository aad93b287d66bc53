import { describe, expect, it } from 'vitest';
import { orgAdminViewer, USER_ID, viewer } from './testing/fixtures';
import { canManageTeamMembers, grantableRoles, permissionsFor, roleLabel } from './permissions';

describe('permissionsFor', () => {
  it('should let the master key (a proxy admin) do everything', () => {
    const can = permissionsFor(viewer());
    expect(can).toMatchObject({
      readOnly: false,
      proxyWide: true,
      gatewaySpend: true,
      manageOrganizations: true,
      createTeams: true,
      chooseTeamOrganization: true,
      governTeams: true,
      createModels: true,
      manageRouting: true,
      checkModelHealth: true,
      viewAudit: true,
    });
    expect(can.grantableRoles).toEqual(['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_viewer']);
  });

  it('should let a proxy admin viewer read everything and change nothing', () => {
    const can = permissionsFor(viewer({ role: 'proxy_admin_viewer', credential: 'session', userId: USER_ID }));
    expect(can).toMatchObject({ readOnly: true, gatewaySpend: true, viewOrganizations: true, viewUsers: true, viewAudit: true });
    expect(can).toMatchObject({ manageOrganizations: false, createTeams: false, governTeams: false, createKeys: false, manageKeys: false, createModels: false, manageRouting: false, checkModelHealth: false });
    expect(can.grantableRoles).toEqual([]);
  });

  it('should confine an org admin to their organization: no organizations or models to manage', () => {
    const can = permissionsFor(orgAdminViewer());
    expect(can).toMatchObject({
      readOnly: false,
      proxyWide: false,
      gatewaySpend: false,
      viewOrganizations: true,
      manageOrganizations: false,
      createTeams: true,
      chooseTeamOrganization: false,
      manageAllTeamMembers: true,
      governTeams: true,
      createKeys: true,
      createModels: false,
      manageRouting: false,
      checkModelHealth: false,
      viewAudit: true,
    });
    expect(can.grantableRoles).toEqual(['org_admin', 'internal_user', 'internal_viewer']);
  });

  it('should let an internal user manage only keys', () => {
    const can = permissionsFor(orgAdminViewer({ role: 'internal_user' }));
    expect(can).toMatchObject({ createKeys: true, manageKeys: true, createTeams: false, governTeams: false, viewUsers: false, viewAudit: false });
    expect(can.grantableRoles).toEqual([]);
  });

  it('should give an internal viewer, an unknown role and any read-only key no writes', () => {
    for (const who of [
      orgAdminViewer({ role: 'internal_viewer' }),
      orgAdminViewer({ role: 'some_future_role' }),
      viewer({ readOnly: true, credential: 'read_only_key' }),
      orgAdminViewer({ readOnly: true, credential: 'read_only_key' }),
    ]) {
      const can = permissionsFor(who);
      expect(can.readOnly, who.role).toBe(true);
      expect([can.createTeams, can.createKeys, can.manageKeys, can.createModels, can.manageRouting, can.checkModelHealth, can.manageOrganizations]).toEqual([
        false,
        false,
        false,
        false,
        false,
        false,
        false,
      ]);
      expect(grantableRoles(who)).toEqual([]);
    }
  });

  it('should keep what a read-only admin key may read', () => {
    expect(permissionsFor(viewer({ readOnly: true })).viewAudit).toBe(true);
    expect(permissionsFor(orgAdminViewer({ readOnly: true })).viewUsers).toBe(true);
  });
});

describe('canManageTeamMembers', () => {
  const member = (id: string, role: string) => ({ role, user: { id } });

  it('should let tenant admins manage any team they see', () => {
    const who = orgAdminViewer();
    expect(canManageTeamMembers(who, permissionsFor(who), [])).toBe(true);
  });

  it('should let an internal user manage a team only where they are its admin', () => {
    const who = orgAdminViewer({ role: 'internal_user' });
    const can = permissionsFor(who);
    expect(canManageTeamMembers(who, can, [member(USER_ID, 'admin')])).toBe(true);
    expect(canManageTeamMembers(who, can, [member(USER_ID, 'member'), member('other', 'admin')])).toBe(false);
    expect(canManageTeamMembers({ ...who, readOnly: true }, can, [member(USER_ID, 'admin')])).toBe(false);
  });
});

describe('roleLabel', () => {
  it('should name known roles and pass unknown ones through', () => {
    expect(roleLabel('org_admin')).toBe('Org admin');
    expect(roleLabel('something_new')).toBe('something_new');
  });
});

import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, graphQLError, installFakeFetch, type FakeAnswer } from '../testing/fakeApi';
import { ORG_ID, team, teamMember, user } from '../testing/fixtures';
import { useTeamMembers } from './useTeamMembers';

const acmeTeam = team({ id: 'team-1', organizationId: ORG_ID });
const bob = user({ id: 'u-bob', email: 'bob@acme.test', role: 'internal_user' });
const cy = user({ id: 'u-cy', email: 'cy@acme.test', role: 'internal_user' });

afterEach(() => vi.unstubAllGlobals());

describe('useTeamMembers', () => {
  it("should load the opened team's members and the users of its organization", async () => {
    const api = installFakeFetch({
      TeamMembers: () => ({ data: { teamMembers: [teamMember({ user: bob })] } }),
      Users: () => ({ data: { users: [bob, cy] } }),
    });
    const members = useTeamMembers();

    members.toggle(acmeTeam);
    await flushPromises();

    expect(members.team.value?.id).toBe('team-1');
    expect(members.members.value.map((m) => m.user.email)).toEqual(['bob@acme.test']);
    expect(members.candidates.value.map((u) => u.email)).toEqual(['bob@acme.test', 'cy@acme.test']);
    expect(api.requests.find((r) => r.operationName === 'Users')?.variables).toEqual({ organizationId: ORG_ID });

    members.toggle(acmeTeam);
    expect(members.team.value).toBeNull();
  });

  it('should still list members when the caller may not list users', async () => {
    installFakeFetch({
      TeamMembers: () => ({ data: { teamMembers: [teamMember({ user: bob })] } }),
      Users: () => graphQLError('FORBIDDEN', 'Not allowed'),
    });
    const members = useTeamMembers();

    members.toggle(acmeTeam);
    await flushPromises();

    expect(members.members.value).toHaveLength(1);
    expect(members.candidates.value).toEqual([]);
    expect(members.loadError.value).toBeNull();
  });

  it('should add a member and keep the list in email order', async () => {
    const onChange = vi.fn();
    const api = installFakeFetch({
      TeamMembers: () => ({ data: { teamMembers: [teamMember({ user: cy })] } }),
      Users: () => ({ data: { users: [bob, cy] } }),
      SetTeamMember: () => ({ data: { setTeamMember: teamMember({ user: bob, role: 'admin' }) } }),
    });
    const members = useTeamMembers({ onChange });
    members.toggle(acmeTeam);
    await flushPromises();

    await expect(members.add({ userId: 'u-bob', role: 'admin' })).resolves.toBe(true);

    expect(members.members.value.map((m) => [m.user.email, m.role])).toEqual([
      ['bob@acme.test', 'admin'],
      ['cy@acme.test', 'member'],
    ]);
    expect(api.requests.at(-1)?.variables).toEqual({ input: { teamId: 'team-1', userId: 'u-bob', role: 'admin' } });
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('should ask for a user before adding, and show what the server refuses', async () => {
    installFakeFetch({
      TeamMembers: () => ({ data: { teamMembers: [] } }),
      Users: () => ({ data: { users: [] } }),
      SetTeamMember: () => graphQLError('BAD_USER_INPUT', 'Invalid input', { userId: ["no such user in the team's organization"] }),
    });
    const members = useTeamMembers();
    members.toggle(acmeTeam);
    await flushPromises();

    await members.add({ userId: '', role: 'member' });
    expect(members.addError.value?.fieldErrors.userId).toEqual(['Choose a user.']);

    await members.add({ userId: 'elsewhere', role: 'member' });
    expect(members.addError.value?.fieldErrors.userId).toEqual(["no such user in the team's organization"]);
  });

  it('should put a removed member back when the server refuses', async () => {
    installFakeFetch({
      TeamMembers: () => ({ data: { teamMembers: [teamMember({ user: bob }), teamMember({ user: cy })] } }),
      Users: () => ({ data: { users: [] } }),
      RemoveTeamMember: () => graphQLError('FORBIDDEN', 'Not allowed'),
      SetTeamMember: () => graphQLError('FORBIDDEN', 'Not allowed'),
    });
    const members = useTeamMembers();
    members.toggle(acmeTeam);
    await flushPromises();

    const pending = members.remove('u-bob');
    expect(members.members.value.map((m) => m.user.id)).toEqual(['u-cy']);
    await expect(pending).resolves.toBe(false);
    expect(members.members.value.map((m) => m.user.id)).toEqual(['u-bob', 'u-cy']);
    expect(members.actionError.value).toBe('Could not remove bob@acme.test: Not allowed');

    await members.setRole('u-cy', 'admin');
    expect(members.members.value.find((m) => m.user.id === 'u-cy')?.role).toBe('member');
  });

  it('should drop the answer for a team that was closed before it came', async () => {
    const slow = deferred<FakeAnswer>();
    installFakeFetch({
      TeamMembers: (vars) => (vars.teamId === 'team-1' ? slow.promise : { data: { teamMembers: [teamMember({ teamId: 'team-2', user: cy })] } }),
      Users: () => ({ data: { users: [] } }),
    });
    const members = useTeamMembers();

    members.toggle(acmeTeam);
    members.toggle(team({ id: 'team-2' }));
    await flushPromises();
    slow.resolve({ data: { teamMembers: [teamMember({ user: bob })] } });
    await flushPromises();

    expect(members.team.value?.id).toBe('team-2');
    expect(members.members.value.map((m) => m.user.id)).toEqual(['u-cy']);
  });

  it("should set a member's own budget with their team role, and clear it with null", async () => {
    const onChange = vi.fn();
    const api = installFakeFetch({
      TeamMembers: () => ({ data: { teamMembers: [teamMember({ user: bob, role: 'admin', spend: 0.36 })] } }),
      Users: () => ({ data: { users: [] } }),
      SetTeamMember: (vars) => {
        const input = vars.input as { role: string; maxBudget: number | null };
        return { data: { setTeamMember: teamMember({ user: bob, role: input.role, maxBudget: input.maxBudget, spend: 0.36 }) } };
      },
    });
    const members = useTeamMembers({ onChange });
    members.toggle(acmeTeam);
    await flushPromises();

    await expect(members.setBudget('u-bob', 2.5)).resolves.toBe(true);
    // Without the role, setTeamMember would make the team admin a plain member.
    expect(api.requests.at(-1)?.variables).toEqual({ input: { teamId: 'team-1', userId: 'u-bob', role: 'admin', maxBudget: 2.5 } });
    expect(members.members.value[0]).toMatchObject({ role: 'admin', maxBudget: 2.5, spend: 0.36 });
    expect(members.budgetSaving.value).toBeNull();
    expect(onChange).toHaveBeenCalledTimes(1);

    await members.setBudget('u-bob', ' ');
    expect(api.requests.at(-1)?.variables).toEqual({ input: { teamId: 'team-1', userId: 'u-bob', role: 'admin', maxBudget: null } });
    expect(members.members.value[0]?.maxBudget).toBeNull();
  });

  it("should keep a refused budget's error for that member, and send nothing that is not an amount", async () => {
    const api = installFakeFetch({
      TeamMembers: () => ({ data: { teamMembers: [teamMember({ user: bob, maxBudget: 1 })] } }),
      Users: () => ({ data: { users: [] } }),
      SetTeamMember: () => graphQLError('FORBIDDEN', 'You may not do this.'),
    });
    const members = useTeamMembers();
    members.toggle(acmeTeam);
    await flushPromises();

    await expect(members.setBudget('u-bob', 'lots')).resolves.toBe(false);
    expect(members.budgetError.value).toEqual({ userId: 'u-bob', error: expect.objectContaining({ fieldErrors: { maxBudget: ['Enter an amount in US dollars.'] } }) });
    expect(api.requests.map((r) => r.operationName)).not.toContain('SetTeamMember');

    await expect(members.setBudget('u-bob', 3)).resolves.toBe(false);
    expect(members.budgetError.value).toEqual({ userId: 'u-bob', error: { message: 'You may not do this.', fieldErrors: {} } });
    expect(members.members.value[0]?.maxBudget).toBe(1);

    // Another team opened: the error is gone.
    members.toggle(team({ id: 'team-2' }));
    expect(members.budgetError.value).toBeNull();
  });

  it("should read the members' spend again, keeping the users to add", async () => {
    let spend = 0.1;
    const api = installFakeFetch({
      TeamMembers: () => ({ data: { teamMembers: [teamMember({ user: bob, spend })] } }),
      Users: () => ({ data: { users: [bob, cy] } }),
    });
    const members = useTeamMembers();
    await members.refreshSpend();
    expect(api.requests).toHaveLength(0);

    members.toggle(acmeTeam);
    await flushPromises();
    spend = 0.4;
    await members.refreshSpend();

    expect(members.members.value[0]?.spend).toBe(0.4);
    expect(members.candidates.value).toHaveLength(2);
    expect(api.requests.map((r) => r.operationName)).toEqual(['TeamMembers', 'Users', 'TeamMembers']);
  });
});

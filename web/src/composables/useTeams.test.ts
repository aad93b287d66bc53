import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { team } from '../testing/fixtures';
import { deferred, graphQLError, installFakeFetch, type FakeAnswer } from '../testing/fakeApi';
import { toTeamFormValues } from '../teamForm';
import { useTeams } from './useTeams';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('useTeams', () => {
  it('should add a created team to the list', async () => {
    const api = installFakeFetch({
      Teams: () => ({ data: { teams: [team()] } }),
      CreateTeam: (vars) => ({
        data: { createTeam: team({ id: 'team-2', name: (vars.input as { name: string }).name, maxBudget: 10 }) },
      }),
    });
    const teams = useTeams();
    await flushPromises();

    const created = await teams.create({ name: 'ml', models: '', budget: 10 });

    expect(created?.id).toBe('team-2');
    expect(api.requests.at(-1)?.variables).toEqual({ input: { name: 'ml', maxBudget: 10 } });
    expect(teams.teams.value.map((t) => t.name)).toEqual(['research', 'ml']);
    expect(teams.createError.value).toBeNull();
  });

  it('should show a CONFLICT on a duplicate name, with its field errors', async () => {
    installFakeFetch({
      Teams: () => ({ data: { teams: [team()] } }),
      CreateTeam: () => graphQLError('CONFLICT', 'Team "research" already exists', { name: ['already exists'] }),
    });
    const teams = useTeams();
    await flushPromises();

    expect(await teams.create({ name: 'research', models: '', budget: '' })).toBeNull();

    expect(teams.createError.value).toEqual({
      message: 'Team "research" already exists',
      fieldErrors: { name: ['already exists'] },
    });
    expect(teams.teams.value).toHaveLength(1);
  });

  it('should not send a request for a form that cannot be valid', async () => {
    const api = installFakeFetch({ Teams: () => ({ data: { teams: [] } }) });
    const teams = useTeams();
    await flushPromises();

    await teams.create({ name: '', models: '', budget: '' });

    expect(teams.createError.value?.fieldErrors.name).toHaveLength(1);
    expect(api.requests.map((r) => r.operationName)).toEqual(['Teams']);
  });

  it("should save only the edited fields and show the server's answer in the list", async () => {
    const before = team({ maxBudget: 100, budgetDuration: '1mo', memberSoftBudget: 5 });
    const onChange = vi.fn();
    const api = installFakeFetch({
      Teams: () => ({ data: { teams: [before, team({ id: 'team-2', name: 'ml' })] } }),
      UpdateTeam: () => ({ data: { updateTeam: { ...before, maxBudget: 250, memberSoftBudget: null } } }),
    });
    const teams = useTeams({ onChange });
    await flushPromises();

    const saved = await teams.update(before, { ...toTeamFormValues(before), budget: '250', memberSoftBudget: '' });

    expect(api.requests.at(-1)).toMatchObject({
      operationName: 'UpdateTeam',
      variables: { id: 'team-1', input: { maxBudget: 250, memberSoftBudget: null } },
    });
    expect(saved?.maxBudget).toBe(250);
    expect(teams.teams.value.map((t) => [t.name, t.maxBudget])).toEqual([['research', 250], ['ml', null]]);
    expect(teams.updateError.value).toBeNull();
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('should send nothing when nothing was changed', async () => {
    const api = installFakeFetch({ Teams: () => ({ data: { teams: [team()] } }) });
    const teams = useTeams();
    await flushPromises();

    expect(await teams.update(team(), toTeamFormValues(team()))).toMatchObject({ id: 'team-1' });
    expect(api.requests.map((r) => r.operationName)).toEqual(['Teams']);
  });

  it("should keep a refused save's field errors for that team, and the list as it was", async () => {
    installFakeFetch({
      Teams: () => ({ data: { teams: [team({ memberMaxBudget: 10 })] } }),
      UpdateTeam: () =>
        graphQLError('BAD_USER_INPUT', 'Invalid input', { memberSoftBudget: ['must not be more than memberMaxBudget (10)'] }),
    });
    const teams = useTeams();
    await flushPromises();
    const before = teams.teams.value[0]!;

    const pending = teams.update(before, { ...toTeamFormValues(before), memberSoftBudget: 20 });
    expect(teams.updating.value).toBe('team-1');
    expect(await pending).toBeNull();

    expect(teams.updating.value).toBeNull();
    expect(teams.updateError.value).toEqual({
      teamId: 'team-1',
      error: { message: 'Invalid input', fieldErrors: { memberSoftBudget: ['must not be more than memberMaxBudget (10)'] } },
    });
    expect(teams.teams.value[0]).toBe(before);
  });

  it('should block at once and put the team back when the server refuses', async () => {
    const answer = deferred<FakeAnswer>();
    const api = installFakeFetch({ Teams: () => ({ data: { teams: [team()] } }), UpdateTeam: () => answer.promise });
    const teams = useTeams();
    await flushPromises();

    const pending = teams.setBlocked('team-1', true);
    expect(teams.teams.value[0]?.blocked).toBe(true);
    answer.resolve(graphQLError('CONFLICT', 'Team "research" is declared in the config file'));

    expect(await pending).toBe(false);
    expect(api.requests.at(-1)?.variables).toEqual({ id: 'team-1', input: { blocked: true } });
    expect(teams.teams.value[0]?.blocked).toBe(false);
    expect(teams.actionError.value).toBe('Could not block research: Team "research" is declared in the config file');
  });

  it('should expose a load error', async () => {
    installFakeFetch({ Teams: () => graphQLError('FORBIDDEN', 'Admins only') });
    const teams = useTeams();
    await flushPromises();
    expect(teams.loadError.value).toBe('Admins only');
  });
});

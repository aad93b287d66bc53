import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { team } from '../testing/fixtures';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { toCreateTeamInput, useTeams } from './useTeams';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('toCreateTeamInput', () => {
  it('should require a name and parse models and budget', () => {
    expect(toCreateTeamInput({ name: '  ', models: '', budget: '' })).toMatchObject({
      error: { fieldErrors: { name: [expect.any(String)] } },
    });
    expect(toCreateTeamInput({ name: ' ml ', models: 'mock-gpt, gpt-4o', budget: '12.5' })).toEqual({
      input: { name: 'ml', models: ['mock-gpt', 'gpt-4o'], maxBudget: 12.5 },
    });
    expect(toCreateTeamInput({ name: 'ml', models: ' ', budget: '' })).toEqual({ input: { name: 'ml' } });
  });

  it("should parse the budget period and each member's budgets and limits, leaving blank ones out", () => {
    const values = { name: 'ml', models: '', budget: 500, budgetDuration: '1mo' };
    expect(
      toCreateTeamInput({ ...values, memberBudget: 50, memberSoftBudget: '40', memberRpmLimit: 60, memberTpmLimit: '100000' }),
    ).toEqual({
      input: {
        name: 'ml',
        maxBudget: 500,
        budgetDuration: '1mo',
        memberMaxBudget: 50,
        memberSoftBudget: 40,
        memberRpmLimit: 60,
        memberTpmLimit: 100000,
      },
    });
    expect(toCreateTeamInput({ ...values, budgetDuration: '', memberBudget: 0, memberSoftBudget: '', memberRpmLimit: '' })).toEqual({
      input: { name: 'ml', maxBudget: 500, memberMaxBudget: 0 },
    });
    expect(toCreateTeamInput({ ...values, memberRpmLimit: 1.5 })).toMatchObject({
      error: { fieldErrors: { memberRpmLimit: ['Enter a whole number.'] } },
    });
    expect(toCreateTeamInput({ ...values, memberSoftBudget: 'x' })).toMatchObject({
      error: { fieldErrors: { memberSoftBudget: ['Enter an amount in US dollars.'] } },
    });
    expect(toCreateTeamInput({ ...values, budgetDuration: '2w' })).toMatchObject({
      error: { fieldErrors: { budgetDuration: ['Choose a budget period.'] } },
    });
  });
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

  it('should expose a load error', async () => {
    installFakeFetch({ Teams: () => graphQLError('FORBIDDEN', 'Admins only') });
    const teams = useTeams();
    await flushPromises();
    expect(teams.loadError.value).toBe('Admins only');
  });
});

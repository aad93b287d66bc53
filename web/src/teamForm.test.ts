import { describe, expect, it } from 'vitest';
import { team } from './testing/fixtures';
import { parseTeamForm, toCreateTeamInput, toTeamFormValues, toUpdateTeamInput } from './teamForm';

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

  it('should send tags, each once, and none when blank', () => {
    expect(toCreateTeamInput({ name: 'ml', models: '', tags: ' cost-center-7, research ,research,', budget: '' })).toEqual({ input: { name: 'ml', tags: ['cost-center-7', 'research'] } });
    expect(toCreateTeamInput({ name: 'ml', models: '', tags: ' , ', budget: '' })).toEqual({ input: { name: 'ml' } });
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

  it("should send the team's own soft budget and limits, and report every wrong field at once", () => {
    expect(toCreateTeamInput({ name: 'ml', models: '', budget: 100, softBudget: '80', rpmLimit: 600, tpmLimit: '', maxParallelRequests: 4 })).toEqual({
      input: { name: 'ml', maxBudget: 100, softBudget: 80, rpmLimit: 600, maxParallelRequests: 4 },
    });
    expect(toCreateTeamInput({ name: '', models: '', budget: 'x', maxParallelRequests: 2.5 })).toEqual({
      error: {
        message: 'Please correct the highlighted fields.',
        fieldErrors: {
          name: ['Enter a team name.'],
          maxBudget: ['Enter an amount in US dollars.'],
          maxParallelRequests: ['Enter a whole number.'],
        },
      },
    });
  });
});

/** A team with every setting, as the API lists it. */
const governed = team({
  models: ['mock-gpt', 'gpt-4o'],
  tags: ['cost-center-7'],
  maxBudget: 100,
  softBudget: 80,
  budgetDuration: '1mo',
  budgetResetAt: '2025-02-01T00:00:00.000Z',
  rpmLimit: 600,
  memberMaxBudget: 10,
  memberRpmLimit: 60,
});

describe('toTeamFormValues', () => {
  it("should fill the form with the team's settings, blank where there is none", () => {
    expect(toTeamFormValues(governed)).toEqual({
      name: 'research',
      models: 'mock-gpt, gpt-4o',
      tags: 'cost-center-7',
      budget: 100,
      softBudget: 80,
      budgetDuration: '1mo',
      rpmLimit: 600,
      tpmLimit: '',
      maxParallelRequests: '',
      memberBudget: 10,
      memberSoftBudget: '',
      memberRpmLimit: 60,
      memberTpmLimit: '',
    });
  });

  it('should read back as the same settings', () => {
    expect(parseTeamForm(toTeamFormValues(governed))).toMatchObject({
      settings: { name: 'research', models: ['mock-gpt', 'gpt-4o'], maxBudget: 100, budgetDuration: '1mo', tpmLimit: null },
    });
  });
});

describe('toUpdateTeamInput', () => {
  it('should send nothing for a form left as it was opened', () => {
    expect(toUpdateTeamInput(toTeamFormValues(governed), governed)).toEqual({ input: {} });
    // Typed differently, the same settings: still nothing (an unchanged period would start a new one).
    const retyped = { ...toTeamFormValues(governed), name: ' research ', models: 'mock-gpt,gpt-4o', budget: '100.0', memberBudget: '10' };
    expect(toUpdateTeamInput(retyped, governed)).toEqual({ input: {} });
  });

  it('should send only the changed fields, a cleared one as null', () => {
    const values = { ...toTeamFormValues(governed), budget: 250, softBudget: '', memberTpmLimit: '100000', models: '' };
    expect(toUpdateTeamInput(values, governed)).toEqual({
      input: { maxBudget: 250, softBudget: null, memberTpmLimit: 100000, models: [] },
    });
    expect(toUpdateTeamInput({ ...toTeamFormValues(governed), tags: 'cost-center-7, eu' }, governed)).toEqual({ input: { tags: ['cost-center-7', 'eu'] } });
    expect(toUpdateTeamInput({ ...toTeamFormValues(governed), tags: '' }, governed)).toEqual({ input: { tags: [] } });
  });

  it('should send a changed period, and null for budgets that no longer reset', () => {
    expect(toUpdateTeamInput({ ...toTeamFormValues(governed), budgetDuration: '7d' }, governed)).toEqual({ input: { budgetDuration: '7d' } });
    expect(toUpdateTeamInput({ ...toTeamFormValues(governed), budgetDuration: '' }, governed)).toEqual({ input: { budgetDuration: null } });
  });

  it('should leave alone a period this dashboard does not know, unless it is changed', () => {
    const unknown = team({ budgetDuration: '2w' });
    expect(toUpdateTeamInput({ ...toTeamFormValues(unknown), name: 'ml' }, unknown)).toEqual({ input: { name: 'ml' } });
  });

  it('should refuse what cannot be valid, at its field', () => {
    expect(toUpdateTeamInput({ ...toTeamFormValues(governed), name: ' ', memberRpmLimit: 1.5 }, governed)).toEqual({
      error: {
        message: 'Please correct the highlighted fields.',
        fieldErrors: { name: ['Enter a team name.'], memberRpmLimit: ['Enter a whole number.'] },
      },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { virtualKey } from './testing/fixtures';
import { toKeyEditValues, toLocalDateTime, toUpdateKeyInput } from './keyForm';

describe('toUpdateKeyInput', () => {
  const limited = virtualKey({
    alias: 'ci',
    models: ['gpt-4o', 'claude'],
    maxBudget: 10,
    softBudget: 8,
    budgetDuration: '30d',
    rpmLimit: 60,
    tpmLimit: 100_000,
    maxParallelRequests: 4,
    tags: ['team-a'],
    expiresAt: '2031-05-06T07:08:00.000Z',
    modelLimits: { 'gpt-4o': { rpm: 10, maxBudget: 2 } },
  });

  it('should send nothing for a form left as it opened, whatever the key holds', () => {
    expect(toUpdateKeyInput(toKeyEditValues(limited), limited)).toEqual({ input: {} });
    expect(toUpdateKeyInput(toKeyEditValues(virtualKey()), virtualKey())).toEqual({ input: {} });
  });

  it('should send only what changed, a cleared field as null and cleared lists as empty', () => {
    const values = { ...toKeyEditValues(limited), alias: ' ', budget: '25.5', rpmLimit: '', tags: '', models: 'gpt-4o,  claude ,' };
    expect(toUpdateKeyInput(values, limited)).toEqual({ input: { alias: null, maxBudget: 25.5, rpmLimit: null, tags: [] } });
  });

  it('should send a changed period (which starts a new one) and never an unchanged one', () => {
    expect(toUpdateKeyInput({ ...toKeyEditValues(limited), budgetDuration: '1mo' }, limited)).toEqual({ input: { budgetDuration: '1mo' } });
    expect(toUpdateKeyInput({ ...toKeyEditValues(limited), budgetDuration: '' }, limited)).toEqual({ input: { budgetDuration: null } });
  });

  it('should send an expiry typed in local time as an instant, and a cleared one as null', () => {
    const typed = toLocalDateTime('2032-01-02T03:04:00.000Z');
    expect(toUpdateKeyInput({ ...toKeyEditValues(limited), expiresAt: typed }, limited)).toEqual({ input: { expiresAt: '2032-01-02T03:04:00.000Z' } });
    expect(toUpdateKeyInput({ ...toKeyEditValues(limited), expiresAt: '' }, limited)).toEqual({ input: { expiresAt: null } });
  });

  it('should compare per-model limits as JSON (key order aside) and send a cleared one as {}', () => {
    const reordered = { ...toKeyEditValues(limited), modelLimits: '{"gpt-4o": {"maxBudget": 2, "rpm": 10}}' };
    expect(toUpdateKeyInput(reordered, limited)).toEqual({ input: {} });
    const changed = { ...toKeyEditValues(limited), modelLimits: '{"gpt-4o": {"rpm": 20}}' };
    expect(toUpdateKeyInput(changed, limited)).toEqual({ input: { modelLimits: { 'gpt-4o': { rpm: 20 } } } });
    expect(toUpdateKeyInput({ ...toKeyEditValues(limited), modelLimits: '  ' }, limited)).toEqual({ input: { modelLimits: {} } });
  });

  it('should name every field that is wrong and send nothing', () => {
    const values = { ...toKeyEditValues(limited), budget: '10e', rpmLimit: '2.5', modelLimits: '[1]', expiresAt: 'soon', budgetDuration: '2x' };
    const parsed = toUpdateKeyInput(values, limited);
    expect(parsed).toMatchObject({ error: { message: 'Please correct the highlighted fields.' } });
    if (!('error' in parsed)) throw new Error('expected an error');
    expect(Object.keys(parsed.error.fieldErrors).sort()).toEqual(['budgetDuration', 'expiresAt', 'maxBudget', 'modelLimits', 'rpmLimit']);
    expect(parsed.error.fieldErrors.modelLimits?.[0]).toContain('this is an array');
  });
});

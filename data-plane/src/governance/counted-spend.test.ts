import { describe, expect, it } from 'vitest';
import { CountedSpend } from './counted-spend.js';
import { SubjectList } from './subjects.js';

const NOW = Date.UTC(2026, 10, 27, 12);
const RESET = '2026-11-28T00:00:00.000Z';
const RESET_MS = Date.parse(RESET);
const message = (...spend: Array<[string, string, number, number | null]>) => ({ kind: 'subjectSpend', spend });

describe('spend the control plane counted', () => {
  it('keeps the highest figure per subject and period, whatever order the messages come in', () => {
    const counted = new CountedSpend();
    expect(counted.apply(message(['key', 'k1', 3, RESET_MS], ['end_user', 'alice', 1, RESET_MS]))).toBe(true);
    expect(counted.apply(message(['key', 'k1', 2, RESET_MS]))).toBe(true);
    expect(counted.spentIn('key', 'k1', RESET_MS)).toBe(3);
    expect(counted.spentIn('end_user', 'alice', RESET_MS)).toBe(1);
    // Another period's figure is not this one's, either way round.
    expect(counted.spentIn('key', 'k1', RESET_MS + 86_400_000)).toBeUndefined();
    counted.apply(message(['key', 'k1', 0.5, RESET_MS + 86_400_000]));
    expect(counted.spentIn('key', 'k1', RESET_MS + 86_400_000)).toBe(0.5);
    expect(counted.spentIn('key', 'k1', RESET_MS)).toBeUndefined();
    // A budget that never resets.
    counted.apply(message(['tag', 't1', 4, null]));
    expect(counted.spentIn('tag', 't1', null)).toBe(4);
  });

  it('skips a message it cannot read, and forgets the least recently updated subjects beyond its capacity', () => {
    const counted = new CountedSpend(2);
    expect(counted.apply({ kind: 'subjectSpend', spend: 'lots' })).toBe(false);
    // An entry of a kind this version does not know (a newer control plane's) is skipped alone.
    expect(counted.apply({ kind: 'subjectSpend', spend: [['galaxy', 'x', 1, null], ['key', 'z', 1, null]] })).toBe(true);
    expect(counted.spentIn('key', 'z', null)).toBe(1);
    counted.apply(message(['key', 'z', 0, RESET_MS]));
    counted.apply(message(['key', 'a', 1, null], ['key', 'b', 1, null]));
    counted.apply(message(['key', 'a', 2, null], ['key', 'c', 1, null]));
    expect(counted.size).toBe(2);
    expect(counted.spentIn('key', 'b', null)).toBeUndefined();
    expect(counted.spentIn('key', 'a', null)).toBe(2);
    expect(counted.spentIn('key', 'c', null)).toBe(1);
  });

  it("seeds a budget counter from the counted figure when it is ahead of the config's, in the config's period only", () => {
    const counted = new CountedSpend();
    counted.apply(message(['key', 'k1', 7.5, RESET_MS], ['team', 't1', 1, RESET_MS], ['end_user', 'bob', 0.25, RESET_MS], ['org', 'o1', 9, RESET_MS + 1]));
    const list = new SubjectList(NOW, counted);
    const settings = { maxBudget: 10, budgetDuration: '1d', budgetResetAt: RESET };
    list.add('key', 'k1', { ...settings, spend: 2 }, 'key');
    // Behind the config's figure: the config's.
    list.add('team', 't1', { ...settings, spend: 3 }, 'team', 'T');
    // End users go by external id.
    list.add('end_user', 'end-user-config-id', { ...settings, spend: 0 }, 'end user', 'bob');
    // Another period: not used.
    list.add('org', 'o1', { ...settings, spend: 1 }, 'organization', 'O');
    expect(list.subjects.map((s) => s.budget!.seedNanos)).toEqual([7_500_000_000n, 3_000_000_000n, 250_000_000n, 1_000_000_000n]);
  });

  it("seeds a key's per-model budget from the spend counted for the key's model, in the key's period", () => {
    const counted = new CountedSpend();
    counted.apply(message(['key_model', 'k1/gpt-4o', 4, RESET_MS], ['key_model', 'k1/claude', 9, RESET_MS - 86_400_000]));
    const list = new SubjectList(NOW, counted);
    const key = { budgetDuration: '1d', budgetResetAt: RESET };
    list.addKeyModel('k1', 'gpt-4o', { maxBudget: 5, spend: 1 }, key);
    list.addKeyModel('k1', 'claude', { maxBudget: 5, spend: 2 }, key);
    expect(list.subjects.map((s) => [s.id, s.budget!.seedNanos])).toEqual([
      ['k1/gpt-4o', 4_000_000_000n],
      // The figure of the key's last period is not this one's.
      ['k1/claude', 2_000_000_000n],
    ]);
  });
});

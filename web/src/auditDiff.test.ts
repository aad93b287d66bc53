import { describe, expect, it } from 'vitest';
import { auditChanges, auditEntityLabel, formatAuditValue, sameJson, shortId } from './auditDiff';

const ID = '3f2a9c1e-1111-4222-8333-444455556666';

describe('auditChanges', () => {
  it('should list only the fields an update changed, ignoring bookkeeping', () => {
    const before = { id: ID, name: 'ci', blocked: false, models: ['a'], updatedAt: '1', spend: 1 };
    const after = { id: ID, name: 'ci', blocked: true, models: ['a', 'b'], updatedAt: '2', spend: 2 };
    expect(auditChanges(before, after)).toEqual([
      { field: 'blocked', kind: 'changed', before: false, after: true },
      { field: 'models', kind: 'changed', before: ['a'], after: ['a', 'b'] },
    ]);
  });

  it('should list the set fields of a create, and of a delete', () => {
    const snapshot = { id: ID, name: 'acme', models: [], maxBudget: null, blocked: false, metadata: {}, weight: 0, createdAt: 'x' };
    expect(auditChanges(null, snapshot)).toEqual([
      { field: 'name', kind: 'added', after: 'acme' },
      { field: 'weight', kind: 'added', after: 0 },
    ]);
    expect(auditChanges(snapshot, null).map((c) => [c.field, c.kind])).toEqual([
      ['name', 'removed'],
      ['weight', 'removed'],
    ]);
  });

  it('should have nothing to show without snapshots (a login, a password change)', () => {
    expect(auditChanges(null, null)).toEqual([]);
  });
});

describe('sameJson', () => {
  it('should compare structurally, ignoring key order', () => {
    expect(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: null }, {})).toBe(false);
    expect(sameJson([], {})).toBe(false);
  });
});

describe('formatAuditValue', () => {
  it('should keep values short and name ids it knows', () => {
    expect(formatAuditValue(null)).toBe('—');
    expect(formatAuditValue(['a', 'b'])).toBe('[a, b]');
    expect(formatAuditValue(5)).toBe('5');
    expect(formatAuditValue(ID)).toBe('3f2a9c1e…');
    expect(formatAuditValue(ID, new Map([[ID, 'acme']]))).toBe('acme');
    expect(formatAuditValue('x'.repeat(100))).toHaveLength(48);
    expect(formatAuditValue({ a: 1 })).toBe('{"a":1}');
    // A whole entity where older entries kept a reference: by name, not as JSON.
    expect(formatAuditValue({ id: ID, name: 'Research', spend: 1.5, metadata: {} })).toBe('Research');
    expect(formatAuditValue({ id: ID, email: 'ann@example.com' }, new Map([[ID, 'Ann']]))).toBe('Ann');
    expect(formatAuditValue({ id: ID, spend: 0 })).toBe('3f2a9c1e…');
  });
});

describe('auditEntityLabel', () => {
  it("should name the entity from its snapshot, else from the lookup, else by a short id", () => {
    expect(auditEntityLabel(ID, null, { email: 'ada@acme.test', name: 'Ada' })).toBe('ada@acme.test');
    expect(auditEntityLabel(ID, { prefix: 'sk-tg-AbCd' }, null)).toBe('sk-tg-AbCd…');
    expect(auditEntityLabel(ID, { role: 'admin' }, { role: 'member' }, new Map([[ID, 'research']]))).toBe('research');
    expect(auditEntityLabel(ID, null, null)).toBe('3f2a9c1e…');
    expect(shortId('master')).toBe('master');
  });
});

/**
 * An audit entry's before/after snapshots as a compact list of changed fields. Pure functions, no Vue.
 *
 * A create has only `after`, a delete only `before`: then the fields with a value are listed. An update lists the
 * fields whose value differs. Bookkeeping fields (ids, timestamps the server sets) are left out; secrets are never
 * in a snapshot (the server redacts them).
 */
import type { AuditSnapshot } from './api/operations';

export interface FieldChange {
  field: string;
  /** `added`: only after (a create); `removed`: only before (a delete); `changed`: both, different. */
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** Set by the server, not by the change: ids, timestamps, running spend and budget-period bookkeeping. */
const BOOKKEEPING = new Set(['id', 'createdAt', 'updatedAt', 'deletedAt', 'spend', 'budgetResetAt']);

/** Nothing worth listing for a create or a delete: no value, an empty list or map, or an unset flag. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** Structural equality for JSON values (object key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => sameJson(left[key], right[key]));
}

export function auditChanges(before: AuditSnapshot | null, after: AuditSnapshot | null): FieldChange[] {
  const fields = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].filter(
    (field) => !BOOKKEEPING.has(field),
  );
  if (before && after) {
    return fields
      .filter((field) => !sameJson(before[field], after[field]))
      .map((field) => ({ field, kind: 'changed' as const, before: before[field], after: after[field] }));
  }
  if (after) {
    return fields.filter((field) => !isEmpty(after[field])).map((field) => ({ field, kind: 'added' as const, after: after[field] }));
  }
  if (before) {
    return fields
      .filter((field) => !isEmpty(before[field]))
      .map((field) => ({ field, kind: 'removed' as const, before: before[field] }));
  }
  return [];
}

const MAX_VALUE_LENGTH = 48;

/** Id → name (teams, users' emails, organizations) for the ids a snapshot refers to. */
export type NameLookup = ReadonlyMap<string, string>;

/**
 * A snapshot value in a few characters: `—` for none, lists comma-separated, ids (references to other entities)
 * by name when known and shortened otherwise, long text cut with `…`.
 */
export function formatAuditValue(value: unknown, names?: NameLookup): string {
  let text: string;
  if (value === null || value === undefined) text = '—';
  else if (typeof value === 'string') text = value === '' ? '""' : (names?.get(value) ?? shortId(value));
  else if (Array.isArray(value)) text = value.length === 0 ? '[]' : `[${value.map((v) => formatAuditValue(v, names)).join(', ')}]`;
  else if (typeof value === 'object') text = entityReference(value as Record<string, unknown>, names) ?? JSON.stringify(value);
  else text = String(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

/**
 * A whole entity where a reference stood (entries written before references were kept as ids: a membership's team
 * and user): its name as the lookup knows it, or as it carries it (name, email), else its short id. Undefined for an
 * object without an id (a JSON setting), shown as JSON.
 */
function entityReference(value: Record<string, unknown>, names?: NameLookup): string | undefined {
  const id = value.id;
  if (typeof id !== 'string') return undefined;
  const own = [value.name, value.email, value.alias].find((v): v is string => typeof v === 'string' && v !== '');
  return names?.get(id) ?? own ?? shortId(id);
}

/**
 * What an entry is about, in words: the email, name, alias or prefix its snapshots carry, else the name the
 * lookup knows for its id, else a short id.
 */
export function auditEntityLabel(
  entityId: string,
  before: AuditSnapshot | null,
  after: AuditSnapshot | null,
  names?: NameLookup,
): string {
  for (const snapshot of [after, before]) {
    if (!snapshot) continue;
    for (const field of ['email', 'name', 'alias', 'prefix']) {
      const value = snapshot[field];
      if (typeof value === 'string' && value !== '') return field === 'prefix' ? `${value}…` : value;
    }
  }
  return names?.get(entityId) ?? shortId(entityId);
}

/** The first block of a UUID (`3f2a9c1e…`); anything else as is. */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? `${id.slice(0, 8)}…` : id;
}

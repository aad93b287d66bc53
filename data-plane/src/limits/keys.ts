import { createHash } from 'node:crypto';
import type { LimitSubject } from './types.js';

/** Past this length an id is hashed: end-user ids come from clients, and a key name should not carry a novel. */
const MAX_ID_CHARS = 128;
const NEEDS_ESCAPE = /[%:#]/;
const ESCAPED = /[%:#]/g;

/**
 * `<kind>:<id>`, the stem of a subject's counter names. Ids may hold any character, so `%`, `:` and `#` are
 * percent-encoded (an id can then never reach into the next name segment, and a raw id never starts with `#`), and
 * long ids become `#` + their SHA-256.
 */
export function subjectKey(subject: LimitSubject): string {
  const id = subject.id;
  if (id.length > MAX_ID_CHARS) return `${subject.kind}:#${createHash('sha256').update(id).digest('base64url')}`;
  return `${subject.kind}:${NEEDS_ESCAPE.test(id) ? id.replace(ESCAPED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : id}`;
}

/** Subjects whose counter names are kept, per kind; past it the longest kept is dropped. */
const MAX_CACHED_SUBJECTS = 10_000;

/** A subject's counter names, built once (only the budget's changes, with its period). */
export interface SubjectKeys {
  readonly rpm: string;
  readonly tpm: string;
  readonly parallel: string;
  readonly stem: string;
  budgetPeriod: string | null;
  budget: string;
}

/**
 * Counter names by subject, kept across requests: the same subjects come back request after request, and a name
 * built anew per request (`${stem}:rpm`) costs its concatenation and, as a map key, hashing the new string each time.
 * Looked up by kind and by the subject's id (the config's own string, whose hash V8 keeps), and bounded per kind
 * (end-user ids come from clients).
 */
export class SubjectKeyCache {
  private readonly byKind = new Map<string, Map<string, SubjectKeys>>();

  constructor(private readonly prefix = '') {}

  of(subject: LimitSubject): SubjectKeys {
    let byId = this.byKind.get(subject.kind);
    if (byId === undefined) this.byKind.set(subject.kind, (byId = new Map()));
    let names = byId.get(subject.id);
    if (names === undefined) {
      if (byId.size >= MAX_CACHED_SUBJECTS) byId.delete(byId.keys().next().value!);
      const stem = this.prefix + subjectKey(subject);
      names = { rpm: `${stem}:rpm`, tpm: `${stem}:tpm`, parallel: `${stem}:parallel`, stem, budgetPeriod: null, budget: '' };
      byId.set(subject.id, names);
    }
    return names;
  }

  /** The subject's budget counter for `periodId`, `<stem>:budget:<period>`. */
  budget(names: SubjectKeys, periodId: string): string {
    if (names.budgetPeriod !== periodId) {
      names.budgetPeriod = periodId;
      names.budget = `${names.stem}:budget:${periodId}`;
    }
    return names.budget;
  }
}

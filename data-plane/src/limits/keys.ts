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

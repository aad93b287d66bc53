import { z } from 'zod';
import { badUserInput, type FieldErrors } from './errors.js';

/**
 * Parses API input with a zod schema; on failure throws BAD_USER_INPUT whose `fieldErrors` name each offending
 * field (by its top-level name, `models` for `models[2]`) so a form can show the message beside the field.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  // PostgreSQL's text and jsonb refuse a NUL, and jsonb an unpaired UTF-16 surrogate (`"\ud800"`): caught here it is
  // the caller's mistake, not a 500 (with the failing statement, values and all, in the log).
  const unstorable = fieldWithUnstorableText(input);
  if (unstorable !== null) throw badUserInput({ [unstorable.field]: [unstorable.message] });
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw badUserInput(fieldErrorsOf(result.error));
}

const NUL_MESSAGE = 'must not contain a NUL character (\\u0000)';
const SURROGATE_MESSAGE = 'must not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff): not valid Unicode text';
/** A lone surrogate: with the `u` flag a pair is one code point, so only an unpaired half is of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  return LONE_SURROGATE.test(text) ? SURROGATE_MESSAGE : null;
}

/**
 * The top-level field of `input` that holds text PostgreSQL cannot store (a NUL, or an unpaired surrogate) anywhere
 * (in a string or a key, at any depth), and why; null if none.
 */
function fieldWithUnstorableText(input: unknown): { field: string; message: string } | null {
  if (typeof input !== 'object' || input === null) {
    const message = typeof input === 'string' ? unstorableText(input) : null;
    return message === null ? null : { field: '_', message };
  }
  const find = (value: unknown, depth: number): string | null => {
    if (typeof value === 'string') return unstorableText(value);
    if (typeof value !== 'object' || value === null || depth > 32) return null;
    for (const [key, inner] of Object.entries(value)) {
      const message = unstorableText(key) ?? find(inner, depth + 1);
      if (message !== null) return message;
    }
    return null;
  };
  for (const [field, value] of Object.entries(input)) {
    const message = unstorableText(field) ?? find(value, 0);
    if (message !== null) return { field, message };
  }
  return null;
}

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fieldErrors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '_';
    // Inside an object keyed by name (a key's `modelLimits`), the message names the entry: `oa.rpm: must be positive`.
    const within = issue.path.slice(1);
    const named = within.some((segment) => typeof segment === 'string');
    (fieldErrors[field] ??= []).push(named ? `${within.map(String).join('.')}: ${issue.message}` : issue.message);
  }
  return fieldErrors;
}

/** A one-line description of a zod failure, for rejection reasons. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a record, so services answer NOT_FOUND without asking PostgreSQL. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The same check in SQL, for statements that must skip ids that cannot be cast to uuid. */
export const SQL_UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

import { z } from 'zod';
import { badUserInput, type FieldErrors } from './errors.js';

/**
 * Parses API input with a zod schema; on failure throws BAD_USER_INPUT whose `fieldErrors` name each offending
 * field (by its top-level name, `models` for `models[2]`) so a form can show the message beside the field.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const nul = fieldWithNul(input);
  // PostgreSQL's text and jsonb refuse a NUL: caught here it is the caller's mistake, not a 500 (with the failing
  // statement, values and all, in the log).
  if (nul !== null) throw badUserInput({ [nul]: ['must not contain a NUL character (\\u0000)'] });
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw badUserInput(fieldErrorsOf(result.error));
}

/** The top-level field of `input` that holds a NUL character anywhere (in a string or a key, at any depth); null if none. */
function fieldWithNul(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return typeof input === 'string' && input.includes('\u0000') ? '_' : null;
  const holds = (value: unknown, depth: number): boolean => {
    if (typeof value === 'string') return value.includes('\u0000');
    if (typeof value !== 'object' || value === null || depth > 32) return false;
    return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || holds(inner, depth + 1));
  };
  for (const [field, value] of Object.entries(input)) if (field.includes('\u0000') || holds(value, 0)) return field;
  return null;
}

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fieldErrors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '_';
    (fieldErrors[field] ??= []).push(issue.message);
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

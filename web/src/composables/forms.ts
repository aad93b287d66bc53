/** Helpers shared by the create forms: parsing what the user typed and turning API errors into form errors. */
import { ApiError, type FieldErrors } from '../api/client';
import { BUDGET_DURATIONS, type BudgetDuration } from '../api/operations';

/** What a form shows after a failed submit: one message plus messages per input field. */
export interface FormError {
  message: string;
  fieldErrors: FieldErrors;
}

/**
 * The value of a number field bound with v-model: its text, or a number. Number fields are text inputs with a decimal
 * keyboard (`type="text" inputmode="decimal"`): a mistyped number (`10e`, `2,5`) stays text, which the parsers refuse
 * with a field error. A `type="number"` input gave '' for it, read as blank: a budget silently removed.
 */
export type NumberInputValue = number | string;

/** "gpt-4o, claude-3 ,," → ['gpt-4o', 'claude-3']; blank → undefined (the field is left out of the input). */
export function parseModelList(text: string): string[] | undefined {
  return parseTextList(text);
}

/** "eu, fast ,," → ['eu', 'fast'] (each once); blank → undefined. */
export function parseTextList(text: string): string[] | undefined {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items.length > 0 ? [...new Set(items)] : undefined;
}

/** "metadata, user  tools.*.strict" → ['metadata', 'user', 'tools.*.strict']: split at commas and whitespace, each once; blank → undefined. */
export function parseWordList(text: string): string[] | undefined {
  const items = text.split(/[\s,]+/).filter((item) => item.length > 0);
  return items.length > 0 ? [...new Set(items)] : undefined;
}

/** What a parsed JSON value is, to finish a sentence "this is …": "null", "an array", "an object", "a number". */
function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Blank → `{ value: undefined }`; a JSON object → `{ value }`; anything else → `{ problem }`, what the text is instead
 * ("not valid JSON (…)", "an array", "a number"), to finish a sentence "this is …". `quoteParserError: false` leaves
 * out the parser's message, which repeats part of the text (that may hold a credential).
 */
export function parseJsonObject(
  text: string,
  options: { quoteParserError?: boolean } = {},
): { value: Record<string, unknown> | undefined } | { problem: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (caught) {
    return { problem: options.quoteParserError === false ? 'not valid JSON' : `not valid JSON (${errorMessage(caught)})` };
  }
  if (value === null || Array.isArray(value) || typeof value !== 'object') return { problem: jsonKind(value) };
  return { value: value as Record<string, unknown> };
}

/**
 * Blank → `{ value: undefined }`; a JSON object of strings → `{ value }`; anything else → `{ problem }`, a clause such
 * as "this is an array" or "the value of X-Retries is a number". The problem never quotes the text, since its values
 * may be credentials: only the names of the fields.
 */
export function parseStringRecord(text: string): { value: Record<string, string> | undefined } | { problem: string } {
  const parsed = parseJsonObject(text, { quoteParserError: false });
  if ('problem' in parsed) return { problem: `this is ${parsed.problem}` };
  if (parsed.value === undefined) return { value: undefined };
  const notText = Object.entries(parsed.value).filter(([, value]) => typeof value !== 'string');
  if (notText.length > 0) {
    const [name, value] = notText[0]!;
    return { problem: `the value of ${name} is ${jsonKind(value)}, not a string in quotes` };
  }
  return { value: parsed.value as Record<string, string> };
}

/** Blank → undefined; otherwise a whole number, or `null` when the text is not one. */
export function parseInteger(value: NumberInputValue): number | undefined | null {
  const amount = parseBudget(value);
  if (amount === undefined || amount === null) return amount;
  return Number.isSafeInteger(amount) ? amount : null;
}

/** Blank → undefined; otherwise a finite number, or `null` when the text is not one. */
export function parseBudget(value: NumberInputValue): number | undefined | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const text = value.trim();
  if (text === '') return undefined;
  const amount = Number(text);
  return Number.isFinite(amount) ? amount : null;
}

/** Blank → undefined, otherwise trimmed. */
export function optionalText(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function invalidField(field: string, message: string): FormError {
  return { message: 'Please correct the highlighted field.', fieldErrors: { [field]: [message] } };
}

/** Any thrown value → what a form shows. BAD_USER_INPUT and CONFLICT keep the server's field errors. */
export function toFormError(error: unknown): FormError {
  if (error instanceof ApiError) {
    return { message: error.message, fieldErrors: error.fieldErrors };
  }
  return { message: error instanceof Error ? error.message : String(error), fieldErrors: {} };
}

/** Message for a failed load or delete. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether a form error names this field (for `aria-invalid` and the field's red outline). */
export function hasFieldError(error: FormError | null, field: string): boolean {
  return (error?.fieldErrors[field]?.length ?? 0) > 0;
}

/**
 * What a form's alert shows: the message, and the errors about no field the form has an input for (or about the
 * input as a whole, `_`); the errors of `placed` fields show beside their inputs instead.
 */
export function unplacedErrors(error: FormError | null, placed: readonly string[]): FormError | null {
  if (!error) return null;
  const fieldErrors = Object.entries(error.fieldErrors).filter(([field]) => !placed.includes(field));
  return { message: error.message, fieldErrors: Object.fromEntries(fieldErrors) };
}

/** Whether a typed period is one the API takes. */
export const isBudgetDuration = (value: string): value is BudgetDuration => (BUDGET_DURATIONS as readonly string[]).includes(value);

/** Two lists with the same items in the same order (an edit form's "changed?"). */
export const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item, index) => item === b[index]);

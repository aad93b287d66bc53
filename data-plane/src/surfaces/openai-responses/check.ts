import type { z } from 'zod';
import { errors } from '../../http/errors.js';

/**
 * Validates one value found at `path` in the request (`input[2]`, `tools[0]`) with a zod schema, turning the first
 * issue into a 400 that names the exact parameter (`input[2].content[0].text`), the way OpenAI names it.
 */
export function check<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw errors.invalidParameter(joinPath(path, issue.path), issue.message);
}

/** `input[2]` + `['content', 0, 'text']` → `input[2].content[0].text`. */
export function joinPath(base: string, rest: readonly PropertyKey[]): string {
  let out = base;
  for (const key of rest) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

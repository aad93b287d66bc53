import type { z } from 'zod';
import { errors } from '../../http/errors.js';
import { invalidRequest } from './errors.js';

/** Parses the body as a JSON object or throws the 400 the client deserves. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw errors.invalidJson();
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalidRequest('', 'The request body must be a JSON object.');
  return json as Record<string, unknown>;
}

/** Anthropic's wording for an absent required field (its API validates with pydantic). */
const requiredMessage = (issue: { code: string; input?: unknown }) => (issue.code === 'invalid_type' && issue.input === undefined ? 'Field required' : undefined);

/**
 * Validates `value` with `schema`; the first issue becomes a 400 whose message starts with the dotted path of the
 * field, prefixed with `at` (`messages.2.content.0.source.data: Field required`).
 */
export function check<T>(schema: z.ZodType<T>, value: unknown, at = ''): T {
  const parsed = schema.safeParse(value, { error: requiredMessage });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = [at, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  return fail(path, issue.message, issue.message === 'Field required');
}

function fail(path: string, message: string, missing: boolean): never {
  throw invalidRequest(path, message, missing ? 'missing_required_parameter' : 'invalid_value');
}

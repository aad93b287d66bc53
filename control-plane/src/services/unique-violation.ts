import { UniqueConstraintViolationException } from '@mikro-orm/core';

/**
 * Runs a write and turns a unique-index violation into the caller's domain error. The services check for
 * duplicates first for a friendly message; this catches the race the check cannot see.
 */
export async function onUniqueViolation<T>(write: () => Promise<T>, toError: () => Error): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw toError();
    throw err;
  }
}

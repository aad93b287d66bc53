import { DecimalType } from '@mikro-orm/core';

/**
 * Money is stored as `numeric` so sums in PostgreSQL are exact; it crosses into JavaScript as a number because
 * the API speaks GraphQL Float and costs are far below the magnitude where doubles lose cents.
 * A function, not a constant: MikroORM keeps per-property state on type instances, so each column gets its own.
 */
export function money() {
  return { type: new DecimalType('number'), precision: 24, scale: 12 } as const;
}

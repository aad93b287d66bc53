import { DecimalType } from '@mikro-orm/core';

/**
 * Money is stored as `numeric` so sums in PostgreSQL are exact; it crosses into JavaScript as a number because
 * the API speaks GraphQL Float and costs are far below the magnitude where doubles lose cents.
 * A function, not a constant: MikroORM keeps per-property state on type instances, so each column gets its own.
 */
export function money() {
  return { type: new DecimalType('number'), precision: 24, scale: 12 } as const;
}

let lastCreation = 0;

/**
 * Now, but always after the time this process handed out last: rows made in one go (the deployments of a config
 * file, applied in a loop within the same millisecond) get distinct creation times in the order they were made, so
 * ordering by `createdAt` (a model group's deployments) does not fall through to a random id.
 */
export function creationTime(): Date {
  lastCreation = Math.max(Date.now(), lastCreation + 1);
  return new Date(lastCreation);
}

import { z } from 'zod';

/**
 * Model groups in a config file: entries sharing a `name` are the deployments of one group. A file edit must find
 * the row of each deployment again (to change it in place, keeping its id, which usage records carry), so each
 * entry has an identity among the entries of its name:
 *
 * - its own, when it gives one: `deployment` in tollgate.yaml, `model_info.id` in LiteLLM's config.yaml. Stable
 *   across reordering and across inserting or removing other entries;
 * - else its place among the entries of its name, `#1` for the first, `#2` for the second, counting every entry of
 *   the name (with or without an identity of its own). Inserting an entry before it shifts it: the deployment that
 *   now has its place is changed in place to the entry's settings, which is harmless for interchangeable
 *   deployments but moves their ids; give `deployment` where that matters.
 *
 * A name with a single entry is `#1`, so a plain one-entry-per-name file needs no identities at all.
 */

/** `#n`: reserved for places, so an entry's own identity never collides with another entry's place. */
const PLACE = /^#/;

export const DEPLOYMENT_ERROR = 'must not start with # (#n stands for the n-th entry of a name)';

/** An entry's own identity among the deployments of its name. */
export const deploymentName = z
  .string('must be a string')
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((v) => !PLACE.test(v), DEPLOYMENT_ERROR);

export interface DeploymentEntry {
  readonly name: string;
  /** The entry's own identity, if it has one. */
  readonly deployment?: string | null;
}

/** Each entry's identity among the deployments of its name, in entry order (see above). */
export function deploymentKeys(entries: ReadonlyArray<DeploymentEntry>): string[] {
  const seen = new Map<string, number>();
  return entries.map((entry) => {
    const place = (seen.get(entry.name) ?? 0) + 1;
    seen.set(entry.name, place);
    return entry.deployment ?? `#${place}`;
  });
}

/**
 * Entries whose own identity repeats that of an earlier entry of the same name: `[index, index of the earlier one]`.
 * Such entries would be the same deployment twice.
 */
export function duplicateDeployments(entries: ReadonlyArray<DeploymentEntry>): Array<[number, number]> {
  const first = new Map<string, number>();
  const duplicates: Array<[number, number]> = [];
  entries.forEach((entry, index) => {
    if (entry.deployment == null) return;
    const id = JSON.stringify([entry.name, entry.deployment]);
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, index);
    else duplicates.push([index, earlier]);
  });
  return duplicates;
}

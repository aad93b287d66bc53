import type { z } from 'zod';

/** Something wrong with (or worth knowing about) one place in the config file, e.g. `models[2].provider`. */
export interface ConfigProblem {
  /** Where in the file: `models[2].provider`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

/** `['models', 2, 'provider']` → `models[2].provider`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Joins a base path and a relative one: (`models[2]`, `provider`) → `models[2].provider`. */
export function joinPath(base: string, rest: string): string {
  if (base === '') return rest;
  if (rest === '') return base;
  return rest.startsWith('[') ? `${base}${rest}` : `${base}.${rest}`;
}

/**
 * Every issue of a zod failure as a problem at its path under `base`. An unknown field is reported at the field
 * itself (`models[0].apiKey: unknown field`), so a typo points at the line to fix.
 */
export function zodProblems(error: z.ZodError, base: ReadonlyArray<PropertyKey> = [], rename?: (path: PropertyKey[]) => PropertyKey[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (path: PropertyKey[]) => formatPath([...base, ...(rename ? rename(path) : path)]);
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: at([...issue.path, key]), message: 'unknown field' });
    } else {
      problems.push({ path: at([...issue.path]), message: issue.message });
    }
  }
  return problems;
}

/** One problem per line, `path: message`, for logs and error texts. */
export function describeProblems(problems: ReadonlyArray<ConfigProblem>): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n');
}

import type { ProviderTarget } from './types.js';

/**
 * A request body as it goes to a deployment: JSON, without the fields the deployment's `dropParams` names (servers
 * that refuse fields they do not know, such as Mistral's API with its 422 `extra_forbidden`), then with its
 * `defaultParams` where the body does not set them. A `dropParams` entry is a path of names joined by dots, `*`
 * standing for every element of an array (or every value of an object): `metadata`, `generationConfig.seed`,
 * `tools.*.function.strict`. A field both dropped and defaulted is thereby enforced. The body is not changed: what
 * a path reaches into is copied, the rest shared. A deployment without either setting costs two checks.
 */
export function upstreamJson(target: ProviderTarget, body: object): string {
  let result = target.dropParams.length === 0 ? body : withoutDropped(body, target.dropParams);
  if (hasFields(target.defaultParams)) result = withDefaults(result, target.defaultParams);
  return JSON.stringify(result);
}

export function withoutDropped<T extends object>(body: T, paths: readonly string[]): T {
  let result: unknown = body;
  for (const path of paths) result = drop(result, path.split('.'), 0);
  return result as T;
}

/** `value` without what `path` (from `at` on) reaches; the same object when it reaches nothing. */
function drop(value: unknown, path: readonly string[], at: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const name = path[at]!;
  const last = at === path.length - 1;
  if (name === '*') {
    if (last) return value; // Never everything: an empty array is not what "drop" meant.
    if (Array.isArray(value)) {
      const items = value.map((item: unknown) => drop(item, path, at + 1));
      return items.some((item, i) => item !== value[i]) ? items : value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const [key, inner] of Object.entries(value)) {
      const dropped = drop(inner, path, at + 1);
      if (dropped !== inner) (copy ??= { ...value })[key] = dropped;
    }
    return copy ?? value;
  }
  if (Array.isArray(value) || !Object.hasOwn(value, name)) return value;
  const inner = (value as Record<string, unknown>)[name];
  if (last) {
    const { [name]: _, ...rest } = value as Record<string, unknown>;
    return rest;
  }
  const dropped = drop(inner, path, at + 1);
  return dropped === inner ? value : { ...value, [name]: dropped };
}

/** Whether the deployment drops `stream_options` (or its `include_usage`), so its streams go without them. */
export function dropsStreamOptions(target: ProviderTarget): boolean {
  return target.dropParams.length > 0 && target.dropParams.some((p) => p === 'stream_options' || p === 'stream_options.include_usage');
}

/** `body` with each of `defaults` where it has no such field; where both are objects, their fields the same way. */
export function withDefaults<T extends object>(body: T, defaults: Readonly<Record<string, unknown>>): T {
  let copy: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(defaults)) {
    const own = (body as Record<string, unknown>)[name];
    const merged = own === undefined || own === null ? value : isPlainObject(own) && isPlainObject(value) ? withDefaults(own, value) : own;
    if (merged !== own) (copy ??= { ...(body as Record<string, unknown>) })[name] = merged;
  }
  return (copy ?? body) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasFields(value: Readonly<Record<string, unknown>>): boolean {
  for (const _ in value) return true;
  return false;
}

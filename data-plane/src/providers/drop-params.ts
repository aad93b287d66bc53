import type { ProviderTarget } from './types.js';

/**
 * A request body as it goes to a deployment: JSON, without the fields the deployment's `dropParams` names (servers
 * that refuse fields they do not know, such as Mistral's API with its 422 `extra_forbidden`). Each entry is a path
 * of names joined by dots, `*` standing for every element of an array (or every value of an object):
 * `metadata`, `generationConfig.seed`, `tools.*.function.strict`. The body is not changed: what a path reaches into
 * is copied, the rest shared. A deployment without the setting costs one length check.
 */
export function upstreamJson(target: ProviderTarget, body: object): string {
  return JSON.stringify(target.dropParams.length === 0 ? body : withoutDropped(body, target.dropParams));
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

import type { RuntimeModel } from '../config/runtime.js';

/**
 * Model allow lists as admins write them, on keys, teams and organizations: exact model names, access groups (a
 * model is in every group its `accessGroups` names) and wildcards (`anthropic/*`, `gpt-4o*`; `*` alone is every
 * model). An empty list restricts nothing. A request may use a model only if every level's list allows it (key ∩
 * team ∩ org), which is evaluated per level rather than by intersecting sets: `openai/*` on the team and `gpt-4o`
 * on the key intersect to `gpt-4o` without either list knowing the other.
 */
export class ModelList {
  private static readonly compiled = new WeakMap<ReadonlySet<string>, ModelList>();

  /** Null: the list is empty and allows everything. */
  static compile(entries: readonly string[]): ModelList | null {
    return entries.length === 0 ? null : new ModelList(entries);
  }

  /** The compiled form of a config's list, made once per list (config lists are frozen and shared by requests). */
  static of(list: ReadonlySet<string>): ModelList {
    let compiled = ModelList.compiled.get(list);
    if (compiled === undefined) {
      compiled = new ModelList([...list]);
      ModelList.compiled.set(list, compiled);
    }
    return compiled;
  }

  private readonly names: ReadonlySet<string>;
  private readonly patterns: readonly RegExp[];
  private readonly everything: boolean;

  private constructor(entries: readonly string[]) {
    const names = new Set<string>();
    const patterns: RegExp[] = [];
    for (const entry of entries) {
      if (entry.includes('*')) patterns.push(globPattern(entry));
      else names.add(entry);
    }
    this.names = names;
    this.patterns = patterns;
    this.everything = entries.includes('*');
  }

  /** Whether `name` (the public model name asked for) of deployment `model` is on the list. */
  allows(name: string, model: RuntimeModel | undefined): boolean {
    if (this.everything || this.names.has(name)) return true;
    if (model !== undefined) {
      if (model.name !== name && this.names.has(model.name)) return true;
      for (const group of model.accessGroups) if (this.names.has(group)) return true;
    }
    for (const pattern of this.patterns) if (pattern.test(name)) return true;
    return false;
  }
}

function globPattern(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/**
 * Wildcard deployments: a model named `anthropic/*` (or `*`) serves every requested name it matches that no
 * deployment has exactly. Its `providerModel` may contain `*`, replaced by what the name's `*` matched, so
 * `anthropic/*` → `*` sends `anthropic/claude-sonnet-4-5` upstream as `claude-sonnet-4-5`; without `*` every match
 * goes to the one upstream model. The longest prefix wins (`openai/gpt-4o*` before `openai/*` before `*`).
 */
export class WildcardModels {
  private static readonly cache = new WeakMap<ReadonlyMap<string, RuntimeModel>, WildcardModels>();

  /** The wildcard deployments of a config's models, computed once per models map. */
  static of(models: ReadonlyMap<string, RuntimeModel>): WildcardModels {
    let found = WildcardModels.cache.get(models);
    if (found === undefined) {
      found = new WildcardModels([...models.values()].filter((m) => m.name.endsWith('*')));
      WildcardModels.cache.set(models, found);
    }
    return found;
  }

  private readonly byPrefix: ReadonlyArray<{ prefix: string; model: RuntimeModel }>;

  private constructor(models: readonly RuntimeModel[]) {
    this.byPrefix = models
      .map((model) => ({ prefix: model.name.slice(0, -1), model }))
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  get size(): number {
    return this.byPrefix.length;
  }

  /** The deployment serving `name`, with its upstream model id filled in; undefined when no wildcard matches. */
  resolve(name: string): RuntimeModel | undefined {
    for (const { prefix, model } of this.byPrefix) {
      if (!name.startsWith(prefix) || name.length === prefix.length) continue;
      const rest = name.slice(prefix.length);
      const providerModel = model.providerModel.includes('*') ? model.providerModel.replace('*', rest) : model.providerModel;
      return Object.freeze({ ...model, providerModel });
    }
    return undefined;
  }
}

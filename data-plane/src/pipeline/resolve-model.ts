import { mayUseModel, type ModelGroup, type RuntimeConfig, type RuntimeKey, type RuntimeModel } from '../config/runtime.js';
import { WildcardModels } from '../governance/model-access.js';
import { errors } from '../http/errors.js';

/**
 * Public model name → deployment: the key's alias for it first (`modelAliases`), then a deployment of that exact
 * name, then a wildcard deployment matching it (`anthropic/*`). Unknown model: 404 `model_not_found`; known but not
 * allowed by the key's, its team's or its organization's model lists: 403 `model_not_allowed`.
 */
export function resolveModel(config: RuntimeConfig, key: RuntimeKey, name: string): RuntimeModel {
  const target = key.settings.modelAliases?.[name] ?? name;
  const models = config.modelsByName;
  const model = models.get(target) ?? WildcardModels.of(models).resolve(target);
  if (model === undefined) throw errors.modelNotFound(name);
  if (!mayUseModel(key, target, model)) throw errors.modelNotAllowed(name);
  return model;
}

/**
 * Public model name → its group of deployments, as `resolveModel` decides (alias, exact name, wildcard; 404, 403). A
 * wildcard match is a group of the one deployment it resolves to.
 */
export function resolveGroup(config: RuntimeConfig, key: RuntimeKey, name: string): ModelGroup {
  const target = key.settings.modelAliases?.[name] ?? name;
  const group = config.groupsByName.get(target);
  if (group === undefined) {
    const model = resolveModel(config, key, name);
    return { name: target, deployments: [model], tagged: model.tags.length > 0, windowed: model.maxInputTokens !== null };
  }
  // A group's access groups are all of its deployments'.
  if (!group.deployments.some((d) => mayUseModel(key, target, d))) throw errors.modelNotAllowed(name);
  return group;
}

/** The models a key may use, in snapshot order, then its aliases of them (named as the alias). */
export function modelsForKey(config: RuntimeConfig, key: RuntimeKey): RuntimeModel[] {
  const allowed = [...config.modelsByName.values()].filter((m) => mayUseModel(key, m.name, m));
  const aliases = key.settings.modelAliases;
  if (aliases === undefined) return allowed;
  for (const [alias, target] of Object.entries(aliases)) {
    if (config.modelsByName.has(alias)) continue;
    const model = config.modelsByName.get(target) ?? WildcardModels.of(config.modelsByName).resolve(target);
    if (model !== undefined && mayUseModel(key, target, model)) allowed.push(Object.freeze({ ...model, name: alias }));
  }
  return allowed;
}

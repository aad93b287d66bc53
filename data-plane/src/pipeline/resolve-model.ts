import { mayUseModel, type RuntimeConfig, type RuntimeKey, type RuntimeModel } from '../config/runtime.js';
import { errors } from '../http/errors.js';

/** Public model name → deployment. Unknown model: 404 `model_not_found`; known but not allowed: 403 `model_not_allowed`. */
export function resolveModel(config: RuntimeConfig, key: RuntimeKey, name: string): RuntimeModel {
  const model = config.modelsByName.get(name);
  if (model === undefined) throw errors.modelNotFound(name);
  if (!mayUseModel(key, name)) throw errors.modelNotAllowed(name);
  return model;
}

/** The models a key may use, in snapshot order. */
export function modelsForKey(config: RuntimeConfig, key: RuntimeKey): RuntimeModel[] {
  return [...config.modelsByName.values()].filter((m) => mayUseModel(key, m.name));
}

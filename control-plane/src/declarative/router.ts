import { RouterConfig } from '@tollgate/schema';
import { routerRuleErrors, type RouterField, type RouterOverrides, type RouterSettingsPatch } from '../services/router-settings.js';
import type { ConfigProblem } from './problems.js';

/** A file's router settings as the settings it sets: a null (as in the API, "the default") sets nothing. */
export function routerOverrides(section: RouterSettingsPatch): RouterOverrides {
  return Object.fromEntries(Object.entries(section).filter(([, value]) => value !== null)) as RouterOverrides;
}

/**
 * The rules between router settings (no model falling back to itself, …) as problems at the paths the settings are
 * declared at; whether the models they name exist is known only when the file is applied.
 */
export function routerRuleProblems(settings: RouterOverrides, pathOf: (field: RouterField) => string): ConfigProblem[] {
  const errors = routerRuleErrors(RouterConfig.parse(settings));
  return Object.entries(errors).flatMap(([field, messages]) => messages.map((message) => ({ path: pathOf(field as RouterField), message })));
}

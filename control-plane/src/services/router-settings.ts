import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RouterConfig } from '@tollgate/schema';
import { z } from 'zod';
import { assertCan, GLOBAL } from '../auth/policy.js';
import { Model, ROUTER_SETTINGS_ID, RouterSettings } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { badUserInput, conflict, type FieldErrors } from '../errors.js';
import { parseInput } from '../validation.js';
import type { Actor, AdminWriter } from './audit.js';

/** The router settings that were set; every other field takes its default. */
export type RouterOverrides = Partial<RouterConfig>;
export type RouterField = keyof RouterConfig;

/** What the API shows: the settings in force, and who owns them. */
export interface RouterSettingsView {
  config: RouterConfig;
  /** `file` while the config file declares them. */
  managedBy: string | null;
  /** When they were last changed; null while they never were (all defaults). */
  updatedAt: Date | null;
}

const S = RouterConfig.shape;
/** A `RouterConfig` field as a patch: absent keeps the current value, null returns it to its default. */
const patch = <T extends z.ZodType>(field: z.ZodDefault<T>) => field.removeDefault().nullish();

/**
 * A change to some router settings, checked field by field with the shared contract's own rules (`RouterConfig`),
 * so the API refuses exactly what a data plane would. Rules between fields and model names are `routerRuleErrors`
 * and `routerNameErrors`.
 */
export const RouterSettingsPatch = z
  .object({
    strategy: patch(S.strategy),
    groupStrategies: patch(S.groupStrategies),
    numRetries: patch(S.numRetries),
    retryPolicy: patch(S.retryPolicy),
    backoffMs: patch(S.backoffMs),
    maxBackoffMs: patch(S.maxBackoffMs),
    maxRetryAfterMs: patch(S.maxRetryAfterMs),
    fallbacks: patch(S.fallbacks),
    contextWindowFallbacks: patch(S.contextWindowFallbacks),
    contentPolicyFallbacks: patch(S.contentPolicyFallbacks),
    allowedFails: patch(S.allowedFails),
    allowedFailsPolicy: patch(S.allowedFailsPolicy),
    failureWindowMs: patch(S.failureWindowMs),
    cooldownMs: patch(S.cooldownMs),
  } satisfies Record<RouterField, z.ZodType>)
  .strict()
  .transform((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as { [K in RouterField]?: RouterConfig[K] | null });
export type RouterSettingsPatch = z.output<typeof RouterSettingsPatch>;

/** `overrides` with `change` applied: null removes a setting (back to its default), a value sets it. */
export function applyRouterPatch(overrides: RouterOverrides, change: RouterSettingsPatch): RouterOverrides {
  const next: Record<string, unknown> = { ...overrides };
  for (const [field, value] of Object.entries(change)) {
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as RouterOverrides;
}

const FALLBACK_FIELDS = ['fallbacks', 'contextWindowFallbacks', 'contentPolicyFallbacks'] as const;

/**
 * Rules between the settings themselves, the same wherever they come from: no model falls back to itself or lists
 * a fallback twice, and the longest backoff is not shorter than the first.
 */
export function routerRuleErrors(config: RouterConfig): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: RouterField, message: string) => (errors[field] ??= []).push(message);
  for (const field of FALLBACK_FIELDS) {
    for (const [model, targets] of Object.entries(config[field])) {
      if (targets.includes(model)) add(field, `${JSON.stringify(model)} falls back to itself`);
      const seen = new Set<string>();
      for (const target of targets) {
        if (seen.has(target)) add(field, `${JSON.stringify(model)} lists ${JSON.stringify(target)} more than once`);
        seen.add(target);
      }
    }
  }
  if (config.maxBackoffMs < config.backoffMs) add('maxBackoffMs', `must be at least backoffMs (${config.backoffMs})`);
  return errors;
}

/** Every model name the settings refer to must name a model group (at least one live deployment). */
export function routerNameErrors(config: RouterConfig, modelNames: ReadonlySet<string>): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: RouterField, message: string) => (errors[field] ??= []).push(message);
  for (const model of Object.keys(config.groupStrategies)) {
    if (!modelNames.has(model)) add('groupStrategies', `${JSON.stringify(model)} is not a model name`);
  }
  for (const field of FALLBACK_FIELDS) {
    for (const [model, targets] of Object.entries(config[field])) {
      if (!modelNames.has(model)) add(field, `${JSON.stringify(model)} is not a model name`);
      for (const target of new Set(targets)) {
        if (!modelNames.has(target)) add(field, `${JSON.stringify(target)} (a fallback of ${JSON.stringify(model)}) is not a model name`);
      }
    }
  }
  return errors;
}

/** Where the settings name `model` (`fallbacks of "claude"`, `groupStrategies`), for messages; empty: nowhere. */
export function routerReferences(config: RouterConfig, model: string): string[] {
  const places: string[] = [];
  if (Object.hasOwn(config.groupStrategies, model)) places.push('groupStrategies');
  for (const field of FALLBACK_FIELDS) {
    for (const [source, targets] of Object.entries(config[field])) {
      if (source === model) places.push(`${field} of ${JSON.stringify(model)}`);
      else if (targets.includes(model)) places.push(`${field} of ${JSON.stringify(source)}`);
    }
  }
  return places;
}

const hasErrors = (errors: FieldErrors) => Object.keys(errors).length > 0;

/** The settings row (none until the first change). */
export function findRouterSettings(em: EntityManager): Promise<RouterSettings | null> {
  return em.findOne(RouterSettings, { id: ROUTER_SETTINGS_ID });
}

/** The settings in force: the row's, each missing one at its default. Throws when the row fails the schema. */
export function routerConfigOf(row: RouterSettings | null): RouterConfig {
  return RouterConfig.parse(row?.settings ?? {});
}

/** The names of the live model groups. */
export async function liveModelNames(em: EntityManager): Promise<Set<string>> {
  const rows = await em.execute<Array<{ name: string }>>('select distinct "name" from "model" where "deleted_at" is null');
  return new Set(rows.map((r) => r.name));
}

/**
 * CONFLICT when removing the last live deployment of `name` (deleting it, or renaming it away) would leave the
 * router settings naming a model that no longer exists. Data planes would skip such a name, but a fallback that
 * silently stopped working is worse than a refusal that says where the name is used.
 */
export async function assertNotRoutedTo(em: EntityManager, name: string, leaving: string): Promise<void> {
  const others = await em.count(Model, { name, deletedAt: null, id: { $ne: leaving } });
  if (others > 0) return;
  const places = routerReferences(routerConfigOf(await findRouterSettings(em)), name);
  if (places.length === 0) return;
  throw conflict(`The router settings name ${JSON.stringify(name)} (${places.join(', ')}) and this is its last deployment; change the router settings first.`);
}

const FILE_MESSAGE = 'The router settings are declared in the config file and can only be changed there.';

/**
 * The gateway-wide router settings (the schema's `RouterConfig`): whoever may read models reads them; proxy admins
 * change them (`router.write`). Every change is audited and recorded as a config change, which data planes that
 * listed the `routing` feature receive as `setRouter`.
 */
export class RouterSettingsService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
  ) {}

  async get(actor: Actor): Promise<RouterSettingsView> {
    assertCan(actor.principal, 'model.read', GLOBAL);
    return viewOf(await findRouterSettings(this.orm.em.fork()));
  }

  /**
   * Changes the settings `rawInput` names (null: back to the default). The result must pass the contract and the
   * rules between settings, and every model it names must exist. Recorded, and so published, only when a setting
   * actually changed.
   */
  async update(actor: Actor, rawInput: unknown): Promise<RouterSettingsView> {
    assertCan(actor.principal, 'router.write', GLOBAL);
    const change = parseInput(RouterSettingsPatch, rawInput);
    return this.writer.run(actor, async ({ em, record, audit }) => {
      const existing = await findRouterSettings(em);
      if (existing?.managedBy === 'file') throw conflict(FILE_MESSAGE);
      const current = (existing?.settings ?? {}) as RouterOverrides;
      const next = applyRouterPatch(current, change);
      const config = parseInput(RouterConfig, next);
      const ruleErrors = routerRuleErrors(config);
      if (hasErrors(ruleErrors)) throw badUserInput(ruleErrors);
      const nameErrors = routerNameErrors(config, await liveModelNames(em));
      if (hasErrors(nameErrors)) throw badUserInput(nameErrors);
      if (existing && isDeepStrictEqual(next, current)) return viewOf(existing);
      if (!existing && Object.keys(next).length === 0) return viewOf(null);

      const before = routerConfigOf(existing);
      const row = existing ?? em.create(RouterSettings, {});
      row.settings = next;
      // Set here rather than left to `onUpdate`, so the answer carries the time of this change.
      row.updatedAt = new Date();
      record('router', ROUTER_SETTINGS_ID, 'upsert');
      audit({ action: 'router.update', entityType: 'router_settings', entityId: ROUTER_SETTINGS_ID, orgId: null, before: { ...before }, after: { ...config } });
      return viewOf(row);
    });
  }
}

export function viewOf(row: RouterSettings | null): RouterSettingsView {
  return { config: routerConfigOf(row), managedBy: row?.managedBy ?? null, updatedAt: row?.updatedAt ?? null };
}

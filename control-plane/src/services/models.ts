import type { EntityManager } from '@mikro-orm/postgresql';
import { Model } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { assertApiManaged, conflict, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import { assertCan, GLOBAL } from '../auth/policy.js';
import { auditView, SYSTEM_ACTOR, type Actor, type AdminWriter } from './audit.js';
import { modelSettings } from './config-mappers.js';
import { CreateModelInput, UpdateModelInput } from './inputs.js';
import { assertNotRoutedTo } from './router-settings.js';

/**
 * A model group (the live models sharing a name) has one owner: the config file declares all its deployments, or
 * none of them. The file's reconciler refuses a name the API already uses (a conflict, see declarative/apply.ts);
 * this is the other direction, so a group is never half the file's, half the API's.
 */
async function assertGroupApiManaged(em: EntityManager, name: string): Promise<void> {
  if (await em.count(Model, { name, deletedAt: null, managedBy: 'file' })) {
    throw conflict(`The model group ${JSON.stringify(name)} is declared in the config file; add or move deployments there.`);
  }
}

/** The model every fresh install starts with, so the gateway answers before any provider is configured. */
export const DEFAULT_MODEL: CreateModelInput = {
  name: 'mock-gpt',
  provider: 'mock',
  providerModel: 'mock-gpt',
  apiBase: null,
  apiKeyRef: null,
  apiVersion: null,
  region: null,
  awsAccessKeyIdRef: null,
  awsSecretAccessKeyRef: null,
  awsSessionTokenRef: null,
  azureAdTenantId: null,
  azureAdClientId: null,
  azureAdClientSecretRef: null,
  azureAdClientAssertionRef: null,
  azureAdTokenRef: null,
  azureAdAuthorityHost: null,
  azureAdManagedIdentity: false,
  timeoutMs: null,
  inputCostPerMillion: 1,
  outputCostPerMillion: 2,
  cachedInputCostPerMillion: null,
  cacheWriteCostPerMillion: null,
  reasoningCostPerMillion: null,
  costPerRequest: null,
  costPerImage: null,
  rpmLimit: null,
  tpmLimit: null,
  weight: 1,
  maxInputTokens: null,
  streamIdleTimeoutMs: null,
  responsesApi: false,
  dropParams: [],
  defaultParams: {},
  extraHeaders: {},
  accessGroups: [],
  tags: [],
};

export class ModelService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
  ) {}

  /** Live deployments, by name then age (a group's deployments in the order they were made); `name`: one group. */
  list(actor: Actor, name: string | null = null): Promise<Model[]> {
    assertCan(actor.principal, 'model.read', GLOBAL);
    const where = name === null ? { deletedAt: null } : { name, deletedAt: null };
    return this.orm.em.fork().find(Model, where, { orderBy: { name: 'asc', createdAt: 'asc', id: 'asc' } });
  }

  /** A new deployment: of a new model name, or one more of an existing name's group. */
  async create(actor: Actor, rawInput: unknown): Promise<Model> {
    assertCan(actor.principal, 'model.write', GLOBAL);
    const input = parseInput(CreateModelInput, rawInput);
    return this.writer.run(actor, async ({ em, record, audit }) => {
      await assertGroupApiManaged(em, input.name);
      const model = em.create(Model, input);
      record('model', model.id, 'upsert');
      audit({ action: 'model.create', entityType: 'model', entityId: model.id, orgId: null, after: auditView(model) });
      return model;
    });
  }

  /**
   * Changes the fields `rawInput` names (null clears a nullable one) and validates the resulting model as a create
   * would. A change is recorded, and so published to data planes, only when some value actually changed.
   */
  async update(actor: Actor, id: string, rawInput: unknown): Promise<Model> {
    assertCan(actor.principal, 'model.write', GLOBAL);
    const patch = parseInput(UpdateModelInput, rawInput);
    if (!isUuid(id)) throw notFound('Model');
    return this.writer.run(actor, async ({ em, record, audit }) => {
      const model = await em.findOne(Model, { id, deletedAt: null });
      if (!model) throw notFound('Model');
      assertApiManaged(model, 'model');
      const current: CreateModelInput = modelSettings(model);
      const next = parseInput(CreateModelInput, { ...current, ...patch });
      // A rename moves the deployment to another group (joining it if the name is taken).
      if (next.name !== model.name) {
        await assertGroupApiManaged(em, next.name);
        await assertNotRoutedTo(em, model.name, model.id);
      }
      const fields = Object.keys(next) as Array<keyof CreateModelInput>;
      // Lists compare by content: a patch that repeats them changes nothing.
      if (fields.every((field) => JSON.stringify(next[field]) === JSON.stringify(current[field]))) return model;
      const before = auditView(model);
      em.assign(model, next);
      record('model', model.id, 'upsert');
      audit({ action: 'model.update', entityType: 'model', entityId: model.id, orgId: null, before, after: auditView(model) });
      return model;
    });
  }

  /** Deletes one deployment; the others of its name stay. */
  async delete(actor: Actor, id: string): Promise<void> {
    assertCan(actor.principal, 'model.write', GLOBAL);
    if (!isUuid(id)) throw notFound('Model');
    await this.writer.run(actor, async ({ em, record, audit }) => {
      const model = await em.findOne(Model, { id, deletedAt: null });
      if (!model) throw notFound('Model');
      assertApiManaged(model, 'model');
      // The group's other deployments stay; the last one goes only if the router settings do not need its name.
      await assertNotRoutedTo(em, model.name, model.id);
      const before = auditView(model);
      model.deletedAt = new Date();
      record('model', model.id, 'delete');
      audit({ action: 'model.delete', entityType: 'model', entityId: model.id, orgId: null, before });
    });
  }

  /**
   * Seeds `mock-gpt` into a database that has never had a model (deleted ones count, so an admin who removed
   * it does not get it back on restart). Runs under the config lock, so replicas starting together seed once.
   */
  async seedDefault(): Promise<boolean> {
    return this.writer.run(SYSTEM_ACTOR, async ({ em, record, audit }) => {
      if (await em.count(Model, {})) return false;
      const model = em.create(Model, DEFAULT_MODEL);
      record('model', model.id, 'upsert');
      audit({ action: 'model.create', entityType: 'model', entityId: model.id, orgId: null, after: auditView(model) });
      return true;
    });
  }
}

import { Model } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { assertApiManaged, conflict, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import { assertCan, GLOBAL } from '../auth/policy.js';
import { auditView, SYSTEM_ACTOR, type Actor, type AdminWriter } from './audit.js';
import { modelSettings } from './config-mappers.js';
import { CreateModelInput, UpdateModelInput } from './inputs.js';
import { onUniqueViolation } from './unique-violation.js';

const duplicateName = () => conflict('A model with this name already exists.');

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
  accessGroups: [],
  tags: [],
};

export class ModelService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
  ) {}

  list(actor: Actor): Promise<Model[]> {
    assertCan(actor.principal, 'model.read', GLOBAL);
    return this.orm.em.fork().find(Model, { deletedAt: null }, { orderBy: { name: 'asc' } });
  }

  async create(actor: Actor, rawInput: unknown): Promise<Model> {
    assertCan(actor.principal, 'model.write', GLOBAL);
    const input = parseInput(CreateModelInput, rawInput);
    return onUniqueViolation(
      () =>
        this.writer.run(actor, async ({ em, record, audit }) => {
          if (await em.count(Model, { name: input.name, deletedAt: null })) throw duplicateName();
          const model = em.create(Model, input);
          record('model', model.id, 'upsert');
          audit({ action: 'model.create', entityType: 'model', entityId: model.id, orgId: null, after: auditView(model) });
          return model;
        }),
      duplicateName,
    );
  }

  /**
   * Changes the fields `rawInput` names (null clears a nullable one) and validates the resulting model as a create
   * would. A change is recorded, and so published to data planes, only when some value actually changed.
   */
  async update(actor: Actor, id: string, rawInput: unknown): Promise<Model> {
    assertCan(actor.principal, 'model.write', GLOBAL);
    const patch = parseInput(UpdateModelInput, rawInput);
    if (!isUuid(id)) throw notFound('Model');
    return onUniqueViolation(
      () =>
        this.writer.run(actor, async ({ em, record, audit }) => {
          const model = await em.findOne(Model, { id, deletedAt: null });
          if (!model) throw notFound('Model');
          assertApiManaged(model, 'model');
          const current: CreateModelInput = modelSettings(model);
          const next = parseInput(CreateModelInput, { ...current, ...patch });
          if (next.name !== model.name && (await em.count(Model, { name: next.name, deletedAt: null }))) {
            throw duplicateName();
          }
          const fields = Object.keys(next) as Array<keyof CreateModelInput>;
          // Lists compare by content: a patch that repeats them changes nothing.
          if (fields.every((field) => JSON.stringify(next[field]) === JSON.stringify(current[field]))) return model;
          const before = auditView(model);
          em.assign(model, next);
          record('model', model.id, 'upsert');
          audit({ action: 'model.update', entityType: 'model', entityId: model.id, orgId: null, before, after: auditView(model) });
          return model;
        }),
      duplicateName,
    );
  }

  async delete(actor: Actor, id: string): Promise<void> {
    assertCan(actor.principal, 'model.write', GLOBAL);
    if (!isUuid(id)) throw notFound('Model');
    await this.writer.run(actor, async ({ em, record, audit }) => {
      const model = await em.findOne(Model, { id, deletedAt: null });
      if (!model) throw notFound('Model');
      assertApiManaged(model, 'model');
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

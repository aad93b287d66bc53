import { Model } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { conflict, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import type { ConfigLog } from './config-log.js';
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
};

export class ModelService {
  constructor(
    private readonly orm: Orm,
    private readonly configLog: ConfigLog,
  ) {}

  list(): Promise<Model[]> {
    return this.orm.em.fork().find(Model, { deletedAt: null }, { orderBy: { name: 'asc' } });
  }

  async create(rawInput: unknown): Promise<Model> {
    const input = parseInput(CreateModelInput, rawInput);
    return onUniqueViolation(
      () =>
        this.configLog.change(async (em, record) => {
          if (await em.count(Model, { name: input.name, deletedAt: null })) throw duplicateName();
          const model = em.create(Model, input);
          record('model', model.id, 'upsert');
          return model;
        }),
      duplicateName,
    );
  }

  /**
   * Changes the fields `rawInput` names (null clears a nullable one) and validates the resulting model as a create
   * would. A change is recorded, and so published to data planes, only when some value actually changed.
   */
  async update(id: string, rawInput: unknown): Promise<Model> {
    const patch = parseInput(UpdateModelInput, rawInput);
    if (!isUuid(id)) throw notFound('Model');
    return onUniqueViolation(
      () =>
        this.configLog.change(async (em, record) => {
          const model = await em.findOne(Model, { id, deletedAt: null });
          if (!model) throw notFound('Model');
          const current: CreateModelInput = modelSettings(model);
          const next = parseInput(CreateModelInput, { ...current, ...patch });
          if (next.name !== model.name && (await em.count(Model, { name: next.name, deletedAt: null }))) {
            throw duplicateName();
          }
          const fields = Object.keys(next) as Array<keyof CreateModelInput>;
          if (fields.every((field) => next[field] === current[field])) return model;
          em.assign(model, next);
          record('model', model.id, 'upsert');
          return model;
        }),
      duplicateName,
    );
  }

  async delete(id: string): Promise<void> {
    if (!isUuid(id)) throw notFound('Model');
    await this.configLog.change(async (em, record) => {
      const model = await em.findOne(Model, { id, deletedAt: null });
      if (!model) throw notFound('Model');
      model.deletedAt = new Date();
      record('model', model.id, 'delete');
    });
  }

  /**
   * Seeds `mock-gpt` into a database that has never had a model (deleted ones count, so an admin who removed
   * it does not get it back on restart). Runs under the config lock, so replicas starting together seed once.
   */
  async seedDefault(): Promise<boolean> {
    return this.configLog.change(async (em, record) => {
      if (await em.count(Model, {})) return false;
      const model = em.create(Model, DEFAULT_MODEL);
      record('model', model.id, 'upsert');
      return true;
    });
  }
}

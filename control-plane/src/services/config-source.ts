import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { compactKeyConfig, type ConfigChangeInput, type ConfigSnapshotInput, type KeyConfigInput } from '@tollgate/schema';
import { ConfigChange, Model, Team, VirtualKey, type ConfigEntity } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { errorMessage, type Logger } from '../logger.js';
import type { ConfigLog } from './config-log.js';
import { forEachKeyRow, KeyRowMapper } from './config-key-rows.js';
import { keyConfig, modelConfig, teamConfig } from './config-mappers.js';

/** A config change paired with the version of the last change row it reflects. */
export interface VersionedChange {
  version: number;
  change: ConfigChangeInput;
}

export interface ChangeBatch {
  /** The highest change row read (the batch brings a data plane up to this version). */
  head: number;
  /** At most one change per entity, in version order. */
  changes: VersionedChange[];
  /** How many change rows were read; `rowLimit` rows means there may be more. */
  rows: number;
  /** Change rows up to this version may have been deleted by the retention job (0 or absent: none were). */
  purgedThrough?: number;
}

/** What the publisher needs to read; an interface so its delivery rules can be tested without a database. */
export interface ConfigReader {
  currentVersion(): Promise<number>;
  /** Keys come without their default fields (the wire form); models and teams in full. */
  snapshot(): Promise<ConfigSnapshotInput>;
  changesAfter(afterVersion: number, rowLimit: number): Promise<ChangeBatch>;
}

/**
 * Reads config from PostgreSQL for the publisher. Each read runs in one REPEATABLE READ transaction, so the
 * version and the entity state it returns belong to the same moment.
 */
export class ConfigSource implements ConfigReader {
  constructor(
    private readonly orm: Orm,
    private readonly log: ConfigLog,
    private readonly logger: Logger,
  ) {}

  currentVersion(): Promise<number> {
    return this.log.currentVersion();
  }

  /** Everything live (not deleted) at one version. */
  snapshot(): Promise<ConfigSnapshotInput> {
    return this.consistentRead(async (em) => {
      const version = await this.log.currentVersion(em);
      // Sequential on purpose: one transaction is one connection, and an EntityManager is not for concurrent use.
      const models = await em.find(Model, { deletedAt: null }, { orderBy: { name: 'asc' } });
      const teams = await em.find(Team, { deletedAt: null }, { orderBy: { name: 'asc' } });
      // Keys are the bulk of a snapshot (hundreds of thousands): plain rows, not entities (see config-key-rows.ts).
      const keys: KeyConfigInput[] = [];
      const mapper = new KeyRowMapper(em);
      await forEachKeyRow(em, (row) => {
        const key = this.convert('key', row, (r) => mapper.map(r));
        if (key) keys.push(key);
      });
      return {
        version,
        generatedAt: new Date().toISOString(),
        models: this.convertAll('model', models, modelConfig),
        teams: this.convertAll('team', teams, teamConfig),
        keys,
      };
    });
  }

  /**
   * The changes after `afterVersion`, reading at most `rowLimit` change rows. Several rows for one entity collapse
   * into one change carrying the entity's current state and the last row's version: a data plane at any version
   * in the range needs exactly that final state. An entity deleted since (or never live) becomes a delete.
   */
  changesAfter(afterVersion: number, rowLimit: number): Promise<ChangeBatch> {
    return this.consistentRead(async (em) => {
      const rows = await em.find(
        ConfigChange,
        { version: { $gt: afterVersion } },
        { orderBy: { version: 'asc' }, limit: rowLimit },
      );
      const last = new Map<string, ConfigChange>();
      for (const row of rows) {
        const id = `${row.entity}:${row.entityId}`;
        last.delete(id); // re-insert so the map iterates in order of each entity's last change
        last.set(id, row);
      }
      const idsOf = (entity: ConfigEntity) => [...last.values()].filter((r) => r.entity === entity).map((r) => r.entityId);
      const models = await em.find(Model, { id: { $in: idsOf('model') }, deletedAt: null });
      const teams = await em.find(Team, { id: { $in: idsOf('team') }, deletedAt: null });
      const keys = await em.find(VirtualKey, { id: { $in: idsOf('key') }, deletedAt: null, keyType: 'llm_api' }, { populate: ['hash', 'previousHash'] });
      const live = {
        model: new Map(models.map((m) => [m.id, m])),
        team: new Map(teams.map((t) => [t.id, t])),
        key: new Map(keys.map((k) => [k.id, k])),
      };
      const changes = [...last.values()].map((row) => ({
        version: row.version,
        change: this.changeFor(row.entity, row.entityId, live),
      }));
      const purgedThrough = await this.log.purgedThrough(em);
      return { head: rows.at(-1)?.version ?? afterVersion, changes, rows: rows.length, purgedThrough };
    });
  }

  private changeFor(
    entity: ConfigEntity,
    id: string,
    live: { model: Map<string, Model>; team: Map<string, Team>; key: Map<string, VirtualKey> },
  ): ConfigChangeInput {
    // An entity that fails the schema is sent as deleted: the data plane must not keep serving an older,
    // now-wrong version of it, and it cannot use the invalid one.
    switch (entity) {
      case 'model': {
        const model = live.model.get(id);
        const value = model && this.convert('model', model, modelConfig);
        return value ? { op: 'upsertModel', value } : { op: 'deleteModel', id };
      }
      case 'team': {
        const team = live.team.get(id);
        const value = team && this.convert('team', team, teamConfig);
        return value ? { op: 'upsertTeam', value } : { op: 'deleteTeam', id };
      }
      case 'key': {
        const key = live.key.get(id);
        const value = key && this.convert('key', key, keyConfig);
        // Sent without default fields, like snapshot keys: the receiving parse fills them in.
        return value ? { op: 'upsertKey', value: compactKeyConfig(value) } : { op: 'deleteKey', id };
      }
    }
  }

  private convert<E extends { id: string }, C>(kind: ConfigEntity, entity: E, map: (e: E) => C): C | undefined {
    try {
      return map(entity);
    } catch (err) {
      this.logger.error('config entity fails the schema and is left out of the config', {
        kind,
        id: entity.id,
        error: errorMessage(err),
      });
      return undefined;
    }
  }

  private convertAll<E extends { id: string }, C>(kind: ConfigEntity, entities: E[], map: (e: E) => C): C[] {
    return entities.flatMap((entity) => {
      const value = this.convert(kind, entity, map);
      return value === undefined ? [] : [value];
    });
  }

  private consistentRead<T>(read: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.orm.em.fork().transactional(read, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
  }
}

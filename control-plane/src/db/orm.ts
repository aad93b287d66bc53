import 'reflect-metadata';
import { ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { migrations } from '../migrations/index.js';
import { entities } from './entities/index.js';

export type Orm = MikroORM;

export function ormConfig(databaseUrl: string, logger?: Logger): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    // Types come from the decorators, never from emitted metadata, because vitest's transformer emits none.
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    migrations: {
      migrationsList: migrations,
      // The initial schema and every later change apply completely or not at all.
      transactional: true,
      allOrNothing: true,
      // Diffs are made against a real database (see cli/create-migration.ts), not a snapshot file.
      snapshot: false,
      silent: true,
    },
    // Every unit of work forks its own EntityManager; touching the global one is a bug.
    allowGlobalContext: false,
    debug: false,
    logger: (message) => logger?.info(message),
    pool: { min: 0, max: 10 },
  });
}

/** Connects and applies pending migrations. */
export async function openDatabase(databaseUrl: string, logger?: Logger): Promise<Orm> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, logger));
  try {
    await orm.getMigrator().up();
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}

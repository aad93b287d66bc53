import 'reflect-metadata';
import { ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';
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

/**
 * Connects and applies pending migrations. Replicas starting together would each try to apply the same
 * migrations (and all but one fail on "already exists"), so they take turns on a session advisory lock: the
 * first applies them, the others then find nothing pending.
 */
export async function openDatabase(databaseUrl: string, logger?: Logger, waitMs = DATABASE_WAIT_MS): Promise<Orm> {
  await databaseReachable(databaseUrl, logger, waitMs);
  const orm = await MikroORM.init(ormConfig(databaseUrl, logger));
  try {
    const applied = await underSessionLock(databaseUrl, 'tollgate.migrate', () => orm.getMigrator().up());
    if (applied.length > 0) logger?.info(`database schema upgraded: ${applied.length} migration(s) applied`, { migrations: applied.map((m) => m.name) });
    const unknown = unknownMigrations((await orm.getMigrator().getExecutedMigrations()).map((m) => m.name));
    if (unknown.length > 0) {
      logger?.error(
        'this database was upgraded by a newer Tollgate: this control plane does not know its latest migrations and may miscount spend or fail; run the newer release (going back to an older one is not supported)',
        { unknownMigrations: unknown },
      );
    }
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}

/** Of the migrations a database records as applied, those this release does not have (a newer release applied them). */
export function unknownMigrations(executed: readonly string[]): string[] {
  const known = new Set(migrations.map((m) => m.name));
  return executed.filter((name) => !known.has(name));
}

/** How long a control plane starting waits for PostgreSQL to answer before it gives up. */
export const DATABASE_WAIT_MS = 60_000;

/** Connection failures that end once PostgreSQL is up: not yet listening, starting up, or restarting. */
const NOT_UP_YET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', '57P03']);

/**
 * Waits until PostgreSQL accepts a connection, for up to `waitMs`: a control plane started beside its database
 * (docker compose, a pod restarted with it) comes up once the database does, instead of exiting for its supervisor
 * to retry. Refusals that waiting cannot fix (a wrong password, no such database) fail at once.
 */
async function databaseReachable(databaseUrl: string, logger: Logger | undefined, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'tollgate-wait', connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end().catch(() => undefined);
      if (attempt > 0) logger?.info('PostgreSQL is up');
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !NOT_UP_YET.has(code) || Date.now() >= deadline) throw err;
      if (attempt === 0) logger?.warn(`PostgreSQL is not answering yet (${code}); waiting up to ${Math.round(waitMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }
}

/**
 * Runs `work` while holding a PostgreSQL session advisory lock on a connection of its own (the migrator runs its
 * transaction on pooled connections, which cannot hold a lock across it). A process that dies drops its
 * connection, and with it the lock.
 */
async function underSessionLock<T>(databaseUrl: string, name: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'tollgate-migrate' });
  client.on('error', () => undefined); // surfaces as the failure of the query in progress
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [name]);
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** How long `/readyz` waits for the database's answer. */
const READY_CHECK_MS = 2_000;

/** Whether the database answers a trivial query within `READY_CHECK_MS` (readiness). */
export async function databaseAnswers(orm: Orm): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      orm.em.fork().getConnection().execute('select 1').then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_CHECK_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

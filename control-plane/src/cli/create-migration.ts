/**
 * Developer tool: writes a new migration to src/migrations for whatever the entities changed.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch node control-plane/dist/cli/create-migration.js [--initial]
 *
 * Point it at a scratch database: it first applies the committed migrations there, then diffs the entities
 * against the resulting schema. Add the new class to src/migrations/index.ts afterwards.
 */
import { fileURLToPath } from 'node:url';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../db/orm.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('create-migration: set DATABASE_URL to a scratch database');
  process.exit(1);
}
// Resolve to the TS sources even when this runs from dist/.
const path = fileURLToPath(new URL('../../src/migrations', import.meta.url));
const config = ormConfig(databaseUrl);
const orm = await MikroORM.init({ ...config, migrations: { ...config.migrations, path, emit: 'ts' } });
try {
  const migrator = orm.getMigrator();
  await migrator.up();
  const initial = process.argv.includes('--initial');
  const result = await migrator.createMigration(path, false, initial);
  console.log(result.fileName ? `wrote ${path}/${result.fileName}` : 'no changes');
} finally {
  await orm.close(true);
}

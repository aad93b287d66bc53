import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { KeyConfig, ModelConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { keyConfig, modelConfig } from '../services/config-mappers.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { Model, VirtualKey } from './entities/index.js';
import { openDatabase, ormConfig } from './orm.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const NEW_COLUMNS = [
  'api_version',
  'region',
  'aws_access_key_id_ref',
  'aws_secret_access_key_ref',
  'aws_session_token_ref',
  'timeout_ms',
];

/** An ORM that knows only the first `count` migrations, as a control plane of that release would. */
function ormAtRelease(count: number) {
  const config = ormConfig(db.url);
  return MikroORM.init({ ...config, migrations: { ...config.migrations, migrationsList: migrations.slice(0, count) } });
}

/** A model row as the previous release wrote it: only the columns it knew. */
const insertOldStyleModel = (orm: MikroORM, name: string) =>
  orm.em.fork().getConnection().execute(
    `insert into "model" ("id", "name", "provider", "provider_model", "api_base", "api_key_ref", "input_cost_per_million", "output_cost_per_million")
     values (?, ?, 'openai', 'gpt-4o-mini', 'https://api.openai.com/v1', 'env:OPENAI_API_KEY', 0.15, 0.6)`,
    [randomUUID(), name],
  );

async function modelColumns(orm: MikroORM) {
  return orm.em.fork().getConnection().execute<Array<{ column_name: string; data_type: string; is_nullable: string }>>(
    `select "column_name", "data_type", "is_nullable" from information_schema.columns
     where table_schema = 'public' and table_name = 'model' and column_name in (${NEW_COLUMNS.map(() => '?').join(', ')})
     order by "column_name"`,
    NEW_COLUMNS,
  );
}

const tableExists = async (orm: MikroORM, table: string) =>
  (await orm.em.fork().getConnection().execute<Array<{ t: string | null }>>('select to_regclass(?)::text as t', [table]))[0]?.t != null;

/** A team and a key as a release before organizations wrote them: only the columns it knew. */
async function insertOldStyleTeamAndKey(orm: MikroORM, name: string): Promise<string> {
  const connection = orm.em.fork().getConnection();
  const teamId = randomUUID();
  await connection.execute('insert into "team" ("id", "name") values (?, ?)', [teamId, name]);
  await connection.execute('insert into "virtual_key" ("id", "hash", "prefix", "team_id") values (?, ?, ?, ?)', [
    randomUUID(),
    randomUUID().replaceAll('-', '').padEnd(64, '0'),
    'sk-tg-old',
    teamId,
  ]);
  return teamId;
}

describe('migrations', () => {
  it('should be listed in order', () => {
    const names = migrations.map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names.slice(0, 3)).toEqual(['Migration20261125082825', 'Migration20261125085636', 'Migration20261125104838']);
  });

  it('provider settings: apply to a database of the previous release, as nullable columns only (expand)', async () => {
    const old = await ormAtRelease(1);
    try {
      await old.getMigrator().up();
      await insertOldStyleModel(old, 'before-upgrade');
      expect(await modelColumns(old)).toEqual([]);
    } finally {
      await old.close(true);
    }

    const orm = await ormAtRelease(2);
    try {
      await orm.getMigrator().up();
      const columns = await modelColumns(orm);
      expect(columns.map((c) => c.column_name).sort()).toEqual([...NEW_COLUMNS].sort());
      expect(columns.every((c) => c.is_nullable === 'YES')).toBe(true);
      expect(columns.find((c) => c.column_name === 'timeout_ms')?.data_type).toBe('integer');

      // The row written before the upgrade reads back with the new fields empty, and is valid config.
      const model = await orm.em.fork().findOneOrFail(Model, { name: 'before-upgrade' });
      expect(model).toMatchObject({ apiVersion: null, region: null, awsAccessKeyIdRef: null, timeoutMs: null });
      expect(ModelConfig.parse(modelConfig(model))).toMatchObject({ provider: 'openai', apiKeyRef: 'env:OPENAI_API_KEY' });

      // A control plane still on the previous release (rolling upgrade) can keep writing models.
      await insertOldStyleModel(orm, 'written-by-old-release');
      expect(await orm.em.fork().count(Model, { timeoutMs: null })).toBe(2);
      await insertOldStyleTeamAndKey(orm, 'team-before-organizations');
    } finally {
      await orm.close(true);
    }
  });

  it('organizations, users and audit: keys and teams of the previous release stay valid, and it can keep writing them', async () => {
    const orm = await openDatabase(db.url);
    try {
      expect((await orm.getMigrator().getExecutedMigrations()).map((m) => m.name)).toEqual(migrations.map((m) => m.name));
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
      // The key written before: an API key of nobody in particular, in no organization, still in the config.
      const [key] = await orm.em.fork().find(VirtualKey, { prefix: 'sk-tg-old' }, { populate: ['hash'] });
      expect(key).toMatchObject({ keyType: 'llm_api', owner: null, organization: null });
      expect(KeyConfig.parse(keyConfig(key!))).toMatchObject({ userId: null, orgId: null });
      // A control plane on the previous release writes keys without the new columns.
      await insertOldStyleTeamAndKey(orm, 'team-written-by-old-release');
      expect(await orm.em.fork().count(VirtualKey, { keyType: 'llm_api' })).toBe(2);

      // And the entities match the migrated schema exactly: nothing left for a new migration to do.
      const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });

  it('should revert the latest migration without touching older data, and reapply', async () => {
    const orm = await openDatabase(db.url);
    try {
      const latest = migrations.at(-1)!.name;
      await orm.getMigrator().down();
      expect((await orm.getMigrator().getExecutedMigrations()).map((m) => m.name)).not.toContain(latest);
      const [row] = await orm.em.fork().getConnection().execute<Array<{ count: string }>>('select count(*) from "virtual_key"');
      expect(Number(row?.count)).toBe(2);
      await orm.getMigrator().up();
      expect(await tableExists(orm, 'audit_entry')).toBe(true);
      expect(await modelColumns(orm)).toHaveLength(NEW_COLUMNS.length);
    } finally {
      await orm.close(true);
    }
  });
});

describe('what a control plane says of the schema it finds', () => {
  it('names the migrations it applied, and says loudly that a database a newer release upgraded is ahead of it', async () => {
    const fresh = await createTestDatabase();
    const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
    const logger = {
      info: (message: string, fields?: Record<string, unknown>) => void lines.push({ level: 'info', message, fields }),
      warn: (message: string, fields?: Record<string, unknown>) => void lines.push({ level: 'warn', message, fields }),
      error: (message: string, fields?: Record<string, unknown>) => void lines.push({ level: 'error', message, fields }),
    };
    try {
      const orm = await openDatabase(fresh.url, logger);
      expect(lines.find((l) => l.message.startsWith('database schema upgraded'))?.fields).toEqual({ migrations: migrations.map((m) => m.name) });
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      // A newer release's migration, recorded as applied.
      await orm.em.fork().getConnection().execute(`insert into "mikro_orm_migrations" ("name", "executed_at") values ('Migration29991231000000', now())`);
      await orm.close(true);
      lines.length = 0;
      const again = await openDatabase(fresh.url, logger);
      await again.close(true);
      expect(lines.some((l) => l.message.startsWith('database schema upgraded'))).toBe(false);
      expect(lines.filter((l) => l.level === 'error')).toEqual([
        { level: 'error', message: expect.stringContaining('upgraded by a newer Tollgate'), fields: { unknownMigrations: ['Migration29991231000000'] } },
      ]);
    } finally {
      await fresh.drop();
    }
  });
});

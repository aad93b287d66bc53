import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';

export const ADMIN_DATABASE_URL = process.env.TOLLGATE_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, cutting off any connection still open. */
  drop(): Promise<void>;
}

/** Runs statements on the admin database (creating and dropping databases cannot happen inside them). */
async function onAdminDatabase(statements: string[]): Promise<void> {
  const admin = await MikroORM.init({
    clientUrl: ADMIN_DATABASE_URL,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    pool: { min: 0, max: 1 },
  });
  try {
    for (const sql of statements) await admin.em.getConnection().execute(sql);
  } finally {
    await admin.close(true);
  }
}

/** A fresh, empty database for one test file, on the PostgreSQL named by TOLLGATE_TEST_PG_URL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tollgate_cp_test_${randomBytes(6).toString('hex')}`;
  await onAdminDatabase([`create database "${name}"`]);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onAdminDatabase([`drop database if exists "${name}" with (force)`]),
  };
}

import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { ormConfig } from './orm.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const THIS = migrations.findIndex((m) => m.name === 'Migration20261127050000');
const ormUpTo = (count: number) => {
  const config = ormConfig(db.url);
  return MikroORM.init({ ...config, migrations: { ...config.migrations, migrationsList: migrations.slice(0, count) } });
};

/** A ledger row and the roll-up rows the release before wrote for it (without the failed and aborted counts). */
async function writeAsPreviousRelease(orm: MikroORM, requestId: string, status: string, model: string, tag: string) {
  const sql = orm.em.fork().getConnection();
  await sql.execute(
    `insert into "spend_log" ("request_id", "key_id", "team_id", "model", "route", "stream", "status", "http_status", "prompt_tokens",
       "completion_tokens", "total_tokens", "cost", "started_at", "duration_ms", "org_id", "tags", "data_plane_id")
     values (?, 'key-1', null, ?, '/v1/chat/completions', false, ?, 200, 1, 1, 2, 0.01, '2026-07-01T10:00:00Z', 5, 'org-1', ?, 'dp-1')`,
    [requestId, model, status, `{${tag}}`],
  );
  for (const [dimension, value] of [['model', model], ['key', 'key-1'], ['tag', tag]]) {
    await sql.execute(
      `insert into "spend_rollup" ("day", "dimension", "value", "org_id", "requests", "cost") values ('2026-07-01', ?, ?, 'org-1', 1, 0.01)
       on conflict ("day", "dimension", "value", "org_id") do update set "requests" = "spend_rollup"."requests" + 1`,
      [dimension, value],
    );
  }
  await sql.execute(
    `insert into "spend_daily" ("day", "key_id", "team_id", "model", "requests", "cost") values ('2026-07-01', 'key-1', null, ?, 1, 0.01)
     on conflict ("day", "key_id", (coalesce("team_id", '')), "model") do update set "requests" = "spend_daily"."requests" + 1`,
    [model],
  );
}

describe('the failed and aborted request counts of the roll-ups (Migration20261127050000)', () => {
  it('counts them back from the ledger for the days already rolled up', async () => {
    expect(THIS).toBeGreaterThan(0);
    const old = await ormUpTo(THIS);
    try {
      await old.getMigrator().up();
      await writeAsPreviousRelease(old, 'r1', 'success', 'gpt-4o', 'prod');
      await writeAsPreviousRelease(old, 'r2', 'error', 'gpt-4o', 'prod');
      await writeAsPreviousRelease(old, 'r3', 'error', 'gpt-4o', 'batch');
      await writeAsPreviousRelease(old, 'r4', 'aborted', 'claude', 'prod');
    } finally {
      await old.close(true);
    }
    const orm = await ormUpTo(THIS + 1);
    try {
      await orm.getMigrator().up();
      const sql = orm.em.fork().getConnection();
      const rollups = await sql.execute<Array<{ dimension: string; value: string; requests: string; failed: string; aborted: string }>>(
        `select "dimension", "value", "requests"::text as "requests", "failed_requests"::text as "failed", "aborted_requests"::text as "aborted"
           from "spend_rollup" order by 1, 2`,
      );
      expect(rollups.map((r) => [r.dimension, r.value, Number(r.requests), Number(r.failed), Number(r.aborted)])).toEqual([
        ['key', 'key-1', 4, 2, 1],
        ['model', 'claude', 1, 0, 1],
        ['model', 'gpt-4o', 3, 2, 0],
        ['tag', 'batch', 1, 1, 0],
        ['tag', 'prod', 3, 1, 1],
      ]);
      const daily = await sql.execute<Array<{ model: string; failed: string; aborted: string }>>(
        `select "model", "failed_requests"::text as "failed", "aborted_requests"::text as "aborted" from "spend_daily" order by 1`,
      );
      expect(daily.map((r) => [r.model, Number(r.failed), Number(r.aborted)])).toEqual([['claude', 0, 1], ['gpt-4o', 2, 0]]);
    } finally {
      await orm.close(true);
    }
  });
});

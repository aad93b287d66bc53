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

const THIS = migrations.findIndex((m) => m.name === 'Migration20261127220000');
const ormUpTo = (count: number) => {
  const config = ormConfig(db.url);
  return MikroORM.init({ ...config, migrations: { ...config.migrations, migrationsList: migrations.slice(0, count) } });
};

const DEPLOYMENT_A = '0f4c1a4e-5c1e-4d57-9d1c-6a1f0c2b7a11';
const DEPLOYMENT_B = '7d9e2b3c-1a2b-4c3d-8e4f-5a6b7c8d9e0f';

async function ledgerRow(orm: MikroORM, requestId: string, day: string, deployment: string, status: string, cost: number) {
  await orm.em.fork().getConnection().execute(
    `insert into "spend_log" ("request_id", "key_id", "team_id", "model", "model_id", "route", "stream", "status", "http_status", "prompt_tokens",
       "completion_tokens", "total_tokens", "cost", "started_at", "duration_ms", "org_id", "tags", "data_plane_id")
     values (?, 'key-1', null, 'gpt-4o', ?, '/v1/chat/completions', false, ?, 200, 3, 2, 5, ?, ?, 5, 'org-1', '{}', 'dp-1')`,
    [requestId, deployment, status, cost, `${day}T10:00:00Z`],
  );
}

describe("the roll-ups' deployment dimension (Migration20261127220000)", () => {
  it('is counted from the ledger for every day, the days before the upgrade and the partial upgrade day included', async () => {
    expect(THIS).toBeGreaterThan(0);
    const old = await ormUpTo(THIS);
    try {
      await old.getMigrator().up();
      // Days an earlier release rolled up without deployments, and on the upgrade day one row a newer ingest wrote.
      await ledgerRow(old, 'r1', '2026-11-20', DEPLOYMENT_A, 'success', 0.5);
      await ledgerRow(old, 'r2', '2026-11-20', DEPLOYMENT_A, 'error', 0);
      await ledgerRow(old, 'r3', '2026-11-27', DEPLOYMENT_A, 'success', 0.25);
      await ledgerRow(old, 'r4', '2026-11-27', DEPLOYMENT_B, 'aborted', 0.125);
      await old.em.fork().getConnection().execute(
        `insert into "spend_rollup" ("day", "dimension", "value", "org_id", "requests", "cost") values ('2026-11-27', 'deployment', ?, 'org-1', 1, 0.125)`,
        [DEPLOYMENT_B],
      );
    } finally {
      await old.close(true);
    }
    const orm = await ormUpTo(THIS + 1);
    try {
      await orm.getMigrator().up();
      const rows = await orm.em.fork().getConnection().execute<Array<{ day: string; value: string; requests: string; failed: string; aborted: string; tokens: string; cost: string }>>(
        `select to_char("day", 'YYYY-MM-DD') as "day", "value", "requests"::text as "requests", "failed_requests"::text as "failed",
                "aborted_requests"::text as "aborted", "total_tokens"::text as "tokens", "cost"::text as "cost"
           from "spend_rollup" where "dimension" = 'deployment' order by 1, 2`,
      );
      expect(rows.map((r) => [r.day, r.value, Number(r.requests), Number(r.failed), Number(r.aborted), Number(r.tokens), Number(r.cost)])).toEqual([
        ['2026-11-20', DEPLOYMENT_A, 2, 1, 0, 10, 0.5],
        ['2026-11-27', DEPLOYMENT_A, 1, 0, 0, 5, 0.25],
        ['2026-11-27', DEPLOYMENT_B, 1, 0, 1, 5, 0.125],
      ]);
    } finally {
      await orm.close(true);
    }
  });
});

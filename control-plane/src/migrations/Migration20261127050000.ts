import { Migration } from '@mikro-orm/migrations';

/** The roll-ups' dimensions, as usage ingest adds to them (ADD_ROLLUPS). */
const DIMENSION_VALUES = `
  select 'key', l."key_id" union all select 'user', l."user_id" union all select 'team', l."team_id"
  union all select 'org', l."org_id" union all select 'end_user', l."end_user" union all select 'model', l."model"
  union all select 'deployment', l."model_id" union all select 'provider', l."provider"
  union all select 'tag', x from unnest(l."tags") as x`;

/**
 * SpendTotals.failedRequests and abortedRequests: of each roll-up row's requests, those that failed and those the
 * client abandoned, so reports show error rates per model, deployment, key, … Expand only (defaults of 0: a control
 * plane still on the previous migration inserts without them), and counted back from the ledger for the days
 * already rolled up, from its rows that did not succeed (the partial status index holds only those).
 */
export class Migration20261127050000 extends Migration {

  override async up(): Promise<void> {
    for (const table of ['spend_rollup', 'spend_daily']) {
      this.addSql(`alter table "${table}" add column "failed_requests" bigint not null default 0, add column "aborted_requests" bigint not null default 0;`);
    }
    this.addSql(`
update "spend_daily" d set "failed_requests" = s."failed", "aborted_requests" = s."aborted"
  from (select (l."started_at" at time zone 'UTC')::date as "day", l."key_id", coalesce(l."team_id", '') as "team", l."model",
               count(*) filter (where l."status" = 'error') as "failed", count(*) filter (where l."status" = 'aborted') as "aborted"
          from "spend_log" l where l."status" <> 'success'
         group by 1, 2, 3, 4) s
 where d."day" = s."day" and d."key_id" = s."key_id" and coalesce(d."team_id", '') = s."team" and d."model" = s."model";`);
    this.addSql(`
update "spend_rollup" r set "failed_requests" = s."failed", "aborted_requests" = s."aborted"
  from (select (l."started_at" at time zone 'UTC')::date as "day", v."dimension", v."value", coalesce(l."org_id", '') as "org_id",
               count(*) filter (where l."status" = 'error') as "failed", count(*) filter (where l."status" = 'aborted') as "aborted"
          from "spend_log" l cross join lateral (${DIMENSION_VALUES}) as v("dimension", "value")
         where l."status" <> 'success' and v."value" is not null
         group by 1, 2, 3, 4) s
 where r."day" = s."day" and r."dimension" = s."dimension" and r."value" = s."value" and r."org_id" = s."org_id";`);
  }

  override async down(): Promise<void> {
    for (const table of ['spend_rollup', 'spend_daily']) {
      this.addSql(`alter table "${table}" drop column "failed_requests", drop column "aborted_requests";`);
    }
  }

}

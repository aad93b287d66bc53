import { Migration } from '@mikro-orm/migrations';

/**
 * The `deployment` dimension of the roll-ups, counted again from the ledger. Usage ingest began adding it in a release
 * after the ledger had rows, and no migration counted the days before: a report by deployment left out every request
 * before the upgrade (on the upgrade day too). The ledger (`spend_log.model_id`) holds every request's deployment,
 * so the dimension is dropped and rebuilt whole, in this migration's transaction. Nothing to undo: the rows are what
 * the ledger says.
 */
export class Migration20261127220000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`delete from "spend_rollup" where "dimension" = 'deployment';`);
    this.addSql(`
insert into "spend_rollup" ("day", "dimension", "value", "org_id", "requests", "failed_requests", "aborted_requests",
       "prompt_tokens", "completion_tokens", "total_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost")
select (l."started_at" at time zone 'UTC')::date, 'deployment', l."model_id"::text, coalesce(l."org_id", ''),
       count(*), count(*) filter (where l."status" = 'error'), count(*) filter (where l."status" = 'aborted'),
       sum(l."prompt_tokens"), sum(l."completion_tokens"), sum(l."total_tokens"), sum(l."cache_read_tokens"),
       sum(l."cache_write_tokens"), sum(l."reasoning_tokens"), sum(l."cost")
  from "spend_log" l
 where l."model_id" is not null
 group by 1, 3, 4;`);
  }

  override async down(): Promise<void> {
    // The rows stay: they are the ledger's, and the release before adds to them as it did.
  }

}

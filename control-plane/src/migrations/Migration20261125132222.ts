import { Migration } from '@mikro-orm/migrations';

export class Migration20261125132222 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "spend_daily" add column "cache_read_tokens" bigint not null default 0, add column "cache_write_tokens" bigint not null default 0, add column "reasoning_tokens" bigint not null default 0;`);

    this.addSql(`alter table "spend_log" add column "cache_read_tokens" int not null default 0, add column "cache_write_tokens" int not null default 0, add column "reasoning_tokens" int not null default 0, add column "estimated" boolean not null default false;`);
    // Building these holds off ingest (inserts wait for the build's lock) for minutes on a large ledger, about five at
    // 10 million rows (docs/performance.md): an operator may build them beforehand with CREATE INDEX CONCURRENTLY
    // under these names, and the migration leaves them be.
    this.addSql(`create index if not exists "spend_log_status_page_index" on "spend_log" ("status", "started_at", "request_id") where "status" <> 'success';`);
    this.addSql(`create index if not exists "spend_log_end_user_page_index" on "spend_log" ("end_user", "started_at", "request_id") where "end_user" is not null;`);
    this.addSql(`create index if not exists "spend_log_model_page_index" on "spend_log" ("model", "started_at", "request_id");`);
    this.addSql(`create index if not exists "spend_log_org_page_index" on "spend_log" ("org_id", "started_at", "request_id");`);
    this.addSql(`create index if not exists "spend_log_user_page_index" on "spend_log" ("user_id", "started_at", "request_id");`);
    this.addSql(`create index if not exists "spend_log_team_page_index" on "spend_log" ("team_id", "started_at", "request_id");`);
    this.addSql(`create index if not exists "spend_log_key_page_index" on "spend_log" ("key_id", "started_at", "request_id");`);
    this.addSql(`create index if not exists "spend_log_page_index" on "spend_log" ("started_at", "request_id");`);
    this.addSql(`drop index "spend_log_key_started_at_idx";`);
    this.addSql(`drop index "spend_log_started_at_idx";`);

    this.addSql(`alter table "spend_rollup" add column "cache_read_tokens" bigint not null default 0, add column "cache_write_tokens" bigint not null default 0, add column "reasoning_tokens" bigint not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "spend_daily" drop column "cache_read_tokens", drop column "cache_write_tokens", drop column "reasoning_tokens";`);

    this.addSql(`create index "spend_log_key_started_at_idx" on "spend_log" ("key_id", "started_at");`);
    this.addSql(`create index "spend_log_started_at_idx" on "spend_log" ("started_at");`);
    this.addSql(`drop index "spend_log_status_page_index";`);
    this.addSql(`drop index "spend_log_end_user_page_index";`);
    this.addSql(`drop index "spend_log_model_page_index";`);
    this.addSql(`drop index "spend_log_org_page_index";`);
    this.addSql(`drop index "spend_log_user_page_index";`);
    this.addSql(`drop index "spend_log_team_page_index";`);
    this.addSql(`drop index "spend_log_key_page_index";`);
    this.addSql(`drop index "spend_log_page_index";`);
    this.addSql(`alter table "spend_log" drop column "cache_read_tokens", drop column "cache_write_tokens", drop column "reasoning_tokens", drop column "estimated";`);

    this.addSql(`alter table "spend_rollup" drop column "cache_read_tokens", drop column "cache_write_tokens", drop column "reasoning_tokens";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261125111333 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "spend_rollup" ("id" bigserial primary key, "day" date not null, "dimension" text not null, "value" text not null, "org_id" text not null default '', "requests" bigint not null default 0, "prompt_tokens" bigint not null default 0, "completion_tokens" bigint not null default 0, "total_tokens" bigint not null default 0, "cost" numeric(24,12) not null default 0);`);
    this.addSql(`create index "spend_rollup_org_report_index" on "spend_rollup" ("org_id", "dimension", "day");`);
    this.addSql(`create index "spend_rollup_report_index" on "spend_rollup" ("dimension", "day");`);
    this.addSql(`alter table "spend_rollup" add constraint "spend_rollup_bucket_unique" unique ("day", "dimension", "value", "org_id");`);

    this.addSql(`alter table "spend_log" add column "user_id" text null, add column "org_id" text null, add column "tags" text[] not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "spend_rollup" cascade;`);

    this.addSql(`alter table "spend_log" drop column "user_id", drop column "org_id", drop column "tags";`);
  }

}

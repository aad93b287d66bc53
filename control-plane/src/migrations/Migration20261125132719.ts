import { Migration } from '@mikro-orm/migrations';

export class Migration20261125132719 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "budget_alert" ("id" bigserial primary key, "threshold" text check ("threshold" in ('soft_budget', 'max_budget')) not null, "subject_kind" text check ("subject_kind" in ('org', 'team', 'user', 'key', 'end_user', 'tag')) not null, "subject_id" uuid not null, "subject_name" text null, "org_id" uuid null, "team_id" uuid null, "owner_id" uuid null, "period" text not null, "budget" numeric(24,12) not null, "spend" numeric(24,12) not null, "created_at" timestamptz not null default now(), "webhook_delivered_at" timestamptz null, "webhook_attempts" int not null default 0, "webhook_last_error" text null, "webhook_next_attempt_at" timestamptz null);`);
    this.addSql(`create index "budget_alert_outbox_index" on "budget_alert" ("created_at") where "webhook_delivered_at" is null;`);
    this.addSql(`create index "budget_alert_org_index" on "budget_alert" ("org_id", "id");`);
    this.addSql(`alter table "budget_alert" add constraint "budget_alert_once_per_period" unique ("threshold", "subject_kind", "subject_id", "period", "budget");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "budget_alert" cascade;`);
  }

}

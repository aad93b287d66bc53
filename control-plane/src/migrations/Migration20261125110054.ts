import { Migration } from '@mikro-orm/migrations';

export class Migration20261125110054 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "model" add column "cached_input_cost_per_million" numeric(24,12) null, add column "cache_write_cost_per_million" numeric(24,12) null, add column "rpm_limit" int null, add column "tpm_limit" bigint null, add column "weight" int not null default 1, add column "max_input_tokens" int null, add column "stream_idle_timeout_ms" int null, add column "access_groups" text[] not null default '{}', add column "tags" text[] not null default '{}', add column "managed_by" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "model" drop column "cached_input_cost_per_million", drop column "cache_write_cost_per_million", drop column "rpm_limit", drop column "tpm_limit", drop column "weight", drop column "max_input_tokens", drop column "stream_idle_timeout_ms", drop column "access_groups", drop column "tags", drop column "managed_by";`);
  }

}

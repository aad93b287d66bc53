import { Migration } from '@mikro-orm/migrations';

export class Migration20261125105410 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "budget_tier" ("id" uuid not null, "max_budget" numeric(24,12) null, "soft_budget" numeric(24,12) null, "spend" numeric(24,12) not null default 0, "budget_duration" text null, "budget_reset_at" timestamptz null, "rpm_limit" int null, "tpm_limit" bigint null, "max_parallel_requests" int null, "name" text not null, "created_at" timestamptz not null default now(), constraint "budget_tier_pkey" primary key ("id"));`);
    this.addSql(`alter table "budget_tier" add constraint "budget_tier_name_unique" unique ("name");`);

    this.addSql(`create table "end_user" ("id" uuid not null, "max_budget" numeric(24,12) null, "soft_budget" numeric(24,12) null, "spend" numeric(24,12) not null default 0, "budget_duration" text null, "budget_reset_at" timestamptz null, "rpm_limit" int null, "tpm_limit" bigint null, "max_parallel_requests" int null, "external_id" text not null, "alias" text null, "budget_tier_id" uuid null, "blocked" boolean not null default false, "created_at" timestamptz not null default now(), constraint "end_user_pkey" primary key ("id"));`);
    this.addSql(`alter table "end_user" add constraint "end_user_external_id_unique" unique ("external_id");`);
    this.addSql(`create index "end_user_budget_tier_id_index" on "end_user" ("budget_tier_id");`);

    this.addSql(`create table "guardrail_policy" ("id" uuid not null, "name" text not null, "kind" text not null, "mode" text check ("mode" in ('pre_call', 'during_call', 'post_call')) not null, "action" text not null default 'block', "settings" jsonb not null default '{}', "default_on" boolean not null default false, "managed_by" text null, "created_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "guardrail_policy_pkey" primary key ("id"));`);
    this.addSql(`create unique index "guardrail_policy_name_live_unique" on "guardrail_policy" ("name") where "deleted_at" is null;`);

    this.addSql(`create table "mcp_server" ("id" uuid not null, "name" text not null, "url" text not null, "transport" text check ("transport" in ('streamable_http', 'sse')) not null default 'streamable_http', "auth_ref" text null, "description" text null, "managed_by" text null, "created_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "mcp_server_pkey" primary key ("id"));`);
    this.addSql(`create unique index "mcp_server_name_live_unique" on "mcp_server" ("name") where "deleted_at" is null;`);

    this.addSql(`create table "mcp_tool_permission" ("id" uuid not null, "server_id" uuid not null, "subject_type" text check ("subject_type" in ('org', 'team', 'key')) not null, "subject_id" uuid not null, "tools" text[] not null default '{}', constraint "mcp_tool_permission_pkey" primary key ("id"));`);
    this.addSql(`create index "mcp_tool_permission_server_id_index" on "mcp_tool_permission" ("server_id");`);
    this.addSql(`alter table "mcp_tool_permission" add constraint "mcp_tool_permission_server_id_subject_type_subject_id_unique" unique ("server_id", "subject_type", "subject_id");`);

    this.addSql(`create table "tag" ("id" uuid not null, "max_budget" numeric(24,12) null, "soft_budget" numeric(24,12) null, "spend" numeric(24,12) not null default 0, "budget_duration" text null, "budget_reset_at" timestamptz null, "rpm_limit" int null, "tpm_limit" bigint null, "max_parallel_requests" int null, "name" text not null, "description" text null, "created_at" timestamptz not null default now(), constraint "tag_pkey" primary key ("id"));`);
    this.addSql(`alter table "tag" add constraint "tag_name_unique" unique ("name");`);

    this.addSql(`alter table "end_user" add constraint "end_user_budget_tier_id_foreign" foreign key ("budget_tier_id") references "budget_tier" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "mcp_tool_permission" add constraint "mcp_tool_permission_server_id_foreign" foreign key ("server_id") references "mcp_server" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "organization" add column "soft_budget" numeric(24,12) null, add column "budget_duration" text null, add column "budget_reset_at" timestamptz null, add column "rpm_limit" int null, add column "tpm_limit" bigint null, add column "max_parallel_requests" int null, add column "metadata" jsonb not null default '{}', add column "tags" text[] not null default '{}', add column "guardrails" text[] not null default '{}', add column "managed_by" text null;`);

    this.addSql(`alter table "team" add column "soft_budget" numeric(24,12) null, add column "budget_duration" text null, add column "budget_reset_at" timestamptz null, add column "rpm_limit" int null, add column "tpm_limit" bigint null, add column "max_parallel_requests" int null, add column "metadata" jsonb not null default '{}', add column "tags" text[] not null default '{}', add column "guardrails" text[] not null default '{}', add column "managed_by" text null;`);

    this.addSql(`alter table "app_user" add column "max_budget" numeric(24,12) null, add column "soft_budget" numeric(24,12) null, add column "spend" numeric(24,12) not null default 0, add column "budget_duration" text null, add column "budget_reset_at" timestamptz null, add column "rpm_limit" int null, add column "tpm_limit" bigint null, add column "max_parallel_requests" int null;`);

    this.addSql(`alter table "virtual_key" add column "soft_budget" numeric(24,12) null, add column "budget_duration" text null, add column "budget_reset_at" timestamptz null, add column "rpm_limit" int null, add column "tpm_limit" bigint null, add column "max_parallel_requests" int null, add column "model_limits" jsonb not null default '{}', add column "model_aliases" jsonb not null default '{}', add column "metadata" jsonb not null default '{}', add column "tags" text[] not null default '{}', add column "guardrails" text[] not null default '{}', add column "enforced_params" text[] not null default '{}', add column "allowed_ips" text[] not null default '{}', add column "allowed_routes" text[] not null default '{}', add column "temp_budget_increase" numeric(24,12) null, add column "temp_budget_expires_at" timestamptz null, add column "auto_rotate_days" int null, add column "rotated_at" timestamptz null, add column "previous_hash" text null, add column "previous_hash_expires_at" timestamptz null, add column "managed_by" text null;`);
    this.addSql(`create index "virtual_key_previous_hash_index" on "virtual_key" ("previous_hash");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "virtual_key_previous_hash_index";`);
    this.addSql(`alter table "end_user" drop constraint "end_user_budget_tier_id_foreign";`);

    this.addSql(`alter table "mcp_tool_permission" drop constraint "mcp_tool_permission_server_id_foreign";`);

    this.addSql(`drop table if exists "budget_tier" cascade;`);

    this.addSql(`drop table if exists "end_user" cascade;`);

    this.addSql(`drop table if exists "guardrail_policy" cascade;`);

    this.addSql(`drop table if exists "mcp_server" cascade;`);

    this.addSql(`drop table if exists "mcp_tool_permission" cascade;`);

    this.addSql(`drop table if exists "tag" cascade;`);

    this.addSql(`alter table "app_user" drop column "max_budget", drop column "soft_budget", drop column "spend", drop column "budget_duration", drop column "budget_reset_at", drop column "rpm_limit", drop column "tpm_limit", drop column "max_parallel_requests";`);

    this.addSql(`alter table "organization" drop column "soft_budget", drop column "budget_duration", drop column "budget_reset_at", drop column "rpm_limit", drop column "tpm_limit", drop column "max_parallel_requests", drop column "metadata", drop column "tags", drop column "guardrails", drop column "managed_by";`);

    this.addSql(`alter table "team" drop column "soft_budget", drop column "budget_duration", drop column "budget_reset_at", drop column "rpm_limit", drop column "tpm_limit", drop column "max_parallel_requests", drop column "metadata", drop column "tags", drop column "guardrails", drop column "managed_by";`);

    this.addSql(`alter table "virtual_key" drop column "soft_budget", drop column "budget_duration", drop column "budget_reset_at", drop column "rpm_limit", drop column "tpm_limit", drop column "max_parallel_requests", drop column "model_limits", drop column "model_aliases", drop column "metadata", drop column "tags", drop column "guardrails", drop column "enforced_params", drop column "allowed_ips", drop column "allowed_routes", drop column "temp_budget_increase", drop column "temp_budget_expires_at", drop column "auto_rotate_days", drop column "rotated_at", drop column "previous_hash", drop column "previous_hash_expires_at", drop column "managed_by";`);
  }

}

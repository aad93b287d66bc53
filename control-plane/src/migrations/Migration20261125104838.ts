import { Migration } from '@mikro-orm/migrations';

export class Migration20261125104838 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_entry" ("id" bigserial primary key, "at" timestamptz not null default now(), "actor_id" text not null, "actor_role" text not null, "credential" text not null, "action" text not null, "entity_type" text not null, "entity_id" text not null, "org_id" uuid null, "before" jsonb null, "after" jsonb null, "ip" text null, "user_agent" text null, "request_id" text null);`);
    this.addSql(`create index "audit_entry_org_id_index" on "audit_entry" ("org_id");`);
    this.addSql(`create index "audit_entry_entity_type_entity_id_at_index" on "audit_entry" ("entity_type", "entity_id", "at");`);
    this.addSql(`create index "audit_entry_actor_id_at_index" on "audit_entry" ("actor_id", "at");`);
    this.addSql(`create index "audit_entry_at_index" on "audit_entry" ("at");`);

    this.addSql(`create table "organization" ("id" uuid not null, "name" text not null, "models" text[] not null default '{}', "max_budget" numeric(24,12) null, "spend" numeric(24,12) not null default 0, "blocked" boolean not null default false, "created_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "organization_pkey" primary key ("id"));`);
    this.addSql(`create unique index "organization_name_live_unique" on "organization" ("name") where "deleted_at" is null;`);

    this.addSql(`create table "app_user" ("id" uuid not null, "email" text not null, "name" text null, "role" text check ("role" in ('proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_viewer')) not null, "organization_id" uuid null, "password_hash" text null, "sso_subject" text null, "blocked" boolean not null default false, "created_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "app_user_pkey" primary key ("id"));`);
    this.addSql(`create index "app_user_organization_id_index" on "app_user" ("organization_id");`);
    this.addSql(`create unique index "app_user_email_live_unique" on "app_user" (lower("email")) where "deleted_at" is null;`);

    this.addSql(`create table "team_membership" ("team_id" uuid not null, "user_id" uuid not null, "role" text check ("role" in ('admin', 'member')) not null, "created_at" timestamptz not null default now(), constraint "team_membership_pkey" primary key ("team_id", "user_id"));`);
    this.addSql(`create index "team_membership_user_id_index" on "team_membership" ("user_id");`);

    this.addSql(`create table "user_session" ("id" uuid not null, "hash" text not null, "user_id" uuid not null, "expires_at" timestamptz not null, "created_at" timestamptz not null default now(), constraint "user_session_pkey" primary key ("id"));`);
    this.addSql(`alter table "user_session" add constraint "user_session_hash_unique" unique ("hash");`);
    this.addSql(`create index "user_session_user_id_index" on "user_session" ("user_id");`);

    this.addSql(`alter table "app_user" add constraint "app_user_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "team_membership" add constraint "team_membership_team_id_foreign" foreign key ("team_id") references "team" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "team_membership" add constraint "team_membership_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "user_session" add constraint "user_session_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "team" add column "organization_id" uuid null;`);
    this.addSql(`alter table "team" add constraint "team_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete restrict;`);
    this.addSql(`create index "team_organization_id_index" on "team" ("organization_id");`);

    this.addSql(`alter table "virtual_key" add column "organization_id" uuid null, add column "owner_id" uuid null, add column "key_type" text check ("key_type" in ('llm_api', 'management', 'read_only')) not null default 'llm_api';`);
    this.addSql(`alter table "virtual_key" add constraint "virtual_key_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "virtual_key" add constraint "virtual_key_owner_id_foreign" foreign key ("owner_id") references "app_user" ("id") on update cascade on delete restrict;`);
    this.addSql(`create index "virtual_key_organization_id_index" on "virtual_key" ("organization_id");`);
    this.addSql(`create index "virtual_key_owner_id_index" on "virtual_key" ("owner_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "team" drop constraint "team_organization_id_foreign";`);

    this.addSql(`alter table "app_user" drop constraint "app_user_organization_id_foreign";`);

    this.addSql(`alter table "virtual_key" drop constraint "virtual_key_organization_id_foreign";`);

    this.addSql(`alter table "team_membership" drop constraint "team_membership_user_id_foreign";`);

    this.addSql(`alter table "user_session" drop constraint "user_session_user_id_foreign";`);

    this.addSql(`alter table "virtual_key" drop constraint "virtual_key_owner_id_foreign";`);

    this.addSql(`drop table if exists "audit_entry" cascade;`);

    this.addSql(`drop table if exists "organization" cascade;`);

    this.addSql(`drop table if exists "app_user" cascade;`);

    this.addSql(`drop table if exists "team_membership" cascade;`);

    this.addSql(`drop table if exists "user_session" cascade;`);

    this.addSql(`drop index "team_organization_id_index";`);
    this.addSql(`alter table "team" drop column "organization_id";`);

    this.addSql(`drop index "virtual_key_organization_id_index";`);
    this.addSql(`drop index "virtual_key_owner_id_index";`);
    this.addSql(`alter table "virtual_key" drop column "organization_id", drop column "owner_id", drop column "key_type";`);
  }

}

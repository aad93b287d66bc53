import { Migration } from '@mikro-orm/migrations';

/** Model groups (several live models per name) and the router settings. */
export class Migration20261125153509 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "router_settings" ("id" uuid not null default '00000000-0000-4000-8000-000000000001', "settings" jsonb not null default '{}', "managed_by" text null, "updated_at" timestamptz not null default now(), constraint "router_settings_pkey" primary key ("id"));`);

    this.addSql(`alter table "config_change" drop constraint if exists "config_change_entity_check";`);

    this.addSql(`alter table "config_change" add constraint "config_change_entity_check" check("entity" in ('model', 'team', 'key', 'org', 'user', 'end_user', 'tag', 'router'));`);

    // Names stop being unique; lookups by name keep an index.
    this.addSql(`drop index "model_name_live_unique";`);

    this.addSql(`alter table "model" add column "deployment" text null;`);
    this.addSql(`create index "model_name_live_index" on "model" ("name") where "deleted_at" is null;`);
    // A file-declared model was its name's only entry: the file's first deployment of that name from now on, so the
    // next apply of the same file finds it unchanged.
    this.addSql(`update "model" set "deployment" = '#1' where "managed_by" = 'file';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "router_settings" cascade;`);

    // The previous release reads only its own kinds of change rows.
    this.addSql(`delete from "config_change" where "entity" = 'router';`);
    this.addSql(`alter table "config_change" drop constraint if exists "config_change_entity_check";`);

    this.addSql(`alter table "config_change" add constraint "config_change_entity_check" check("entity" in ('model', 'team', 'key', 'org', 'user', 'end_user', 'tag'));`);

    this.addSql(`drop index "model_name_live_index";`);
    this.addSql(`alter table "model" drop column "deployment";`);

    // Fails, and so the whole revert rolls back, while a model group has several live deployments: the previous
    // release allows one per name. Delete deployments down to one per name first.
    this.addSql(`create unique index "model_name_live_unique" on "model" ("name") where "deleted_at" is null;`);
  }

}

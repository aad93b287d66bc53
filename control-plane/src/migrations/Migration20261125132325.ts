import { Migration } from '@mikro-orm/migrations';

export class Migration20261125132325 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "config_change" drop constraint if exists "config_change_entity_check";`);

    this.addSql(`alter table "config_change" add constraint "config_change_entity_check" check("entity" in ('model', 'team', 'key', 'org', 'user', 'end_user', 'tag'));`);

    this.addSql(`alter table "model" add column "reasoning_cost_per_million" numeric(24,12) null, add column "cost_per_request" numeric(24,12) null, add column "cost_per_image" numeric(24,12) null;`);
  }

  override async down(): Promise<void> {
    // The previous release reads only its own kinds of change rows.
    this.addSql(`delete from "config_change" where "entity" not in ('model', 'team', 'key');`);
    this.addSql(`alter table "config_change" drop constraint if exists "config_change_entity_check";`);

    this.addSql(`alter table "config_change" add constraint "config_change_entity_check" check("entity" in ('model', 'team', 'key'));`);

    this.addSql(`alter table "model" drop column "reasoning_cost_per_million", drop column "cost_per_request", drop column "cost_per_image";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261125110534 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index "virtual_key_created_at_index";`);
    this.addSql(`drop index "virtual_key_organization_id_index";`);
    this.addSql(`drop index "virtual_key_owner_id_index";`);
    this.addSql(`drop index "virtual_key_team_id_index";`);

    this.addSql(`create index "virtual_key_prefix_search_index" on "virtual_key" ("prefix" text_pattern_ops);`);
    this.addSql(`create index "virtual_key_alias_search_index" on "virtual_key" (lower("alias") text_pattern_ops);`);
    this.addSql(`create index "virtual_key_page_index" on "virtual_key" ("created_at", "id");`);
    this.addSql(`create index "virtual_key_organization_page_index" on "virtual_key" ("organization_id", "created_at", "id");`);
    this.addSql(`create index "virtual_key_owner_page_index" on "virtual_key" ("owner_id", "created_at", "id");`);
    this.addSql(`create index "virtual_key_team_page_index" on "virtual_key" ("team_id", "created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "virtual_key_prefix_search_index";`);
    this.addSql(`drop index "virtual_key_alias_search_index";`);
    this.addSql(`drop index "virtual_key_page_index";`);
    this.addSql(`drop index "virtual_key_organization_page_index";`);
    this.addSql(`drop index "virtual_key_owner_page_index";`);
    this.addSql(`drop index "virtual_key_team_page_index";`);

    this.addSql(`create index "virtual_key_created_at_index" on "virtual_key" ("created_at");`);
    this.addSql(`create index "virtual_key_organization_id_index" on "virtual_key" ("organization_id");`);
    this.addSql(`create index "virtual_key_owner_id_index" on "virtual_key" ("owner_id");`);
    this.addSql(`create index "virtual_key_team_id_index" on "virtual_key" ("team_id");`);
  }

}

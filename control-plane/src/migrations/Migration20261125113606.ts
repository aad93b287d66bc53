import { Migration } from '@mikro-orm/migrations';

export class Migration20261125113606 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "spend_log" add column "metadata" jsonb not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "spend_log" drop column "metadata";`);
  }

}

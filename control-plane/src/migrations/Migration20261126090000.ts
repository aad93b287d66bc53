import { Migration } from '@mikro-orm/migrations';

/** Model.extraHeaders: HTTP headers sent with every request to the deployment (values: references or plain text). */
export class Migration20261126090000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "model" add column "extra_headers" jsonb not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "model" drop column "extra_headers";`);
  }

}

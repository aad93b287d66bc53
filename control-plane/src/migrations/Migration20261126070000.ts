import { Migration } from '@mikro-orm/migrations';

/** Model.dropParams: request body fields taken out before a request goes to the deployment (strict servers). */
export class Migration20261126070000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "model" add column "drop_params" text[] not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "model" drop column "drop_params";`);
  }

}

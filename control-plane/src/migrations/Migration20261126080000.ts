import { Migration } from '@mikro-orm/migrations';

/** Model.defaultParams: request body fields a request to the deployment gets where it does not set them. */
export class Migration20261126080000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "model" add column "default_params" jsonb not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "model" drop column "default_params";`);
  }

}

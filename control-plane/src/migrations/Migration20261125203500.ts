import { Migration } from '@mikro-orm/migrations';

/** Model.responsesApi: an azure or openai_compatible deployment that serves the Responses API gets those requests as sent. */
export class Migration20261125203500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "model" add column "responses_api" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "model" drop column "responses_api";`);
  }

}

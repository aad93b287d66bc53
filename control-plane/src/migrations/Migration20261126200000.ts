import { Migration } from '@mikro-orm/migrations';

/** Roll-up rows of one dimension value by day: a report on one key, user or model reads its rows, not every value's. */
export class Migration20261126200000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "spend_rollup_value_index" on "spend_rollup" ("dimension", "value", "day");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "spend_rollup_value_index";`);
  }

}

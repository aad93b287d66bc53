import { Migration } from '@mikro-orm/migrations';

/**
 * BudgetAlert.budgetDuration and periodStart: the period an alert belongs to said whole (its start and length beside
 * its end, `period`), for the dashboard and the webhook. Expand only: nullable, and null for alerts filed before
 * (a control plane still on the previous migration inserts without them).
 */
export class Migration20261127021500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "budget_alert" add column "budget_duration" text null, add column "period_start" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "budget_alert" drop column "budget_duration", drop column "period_start";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * Model.azureAdManagedIdentity: an Azure deployment whose token comes from the host's managed identity. Expand only:
 * the default false is what a control plane still on the previous migration means when it inserts without the column.
 */
export class Migration20261127001301 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "model" add column "azure_ad_managed_identity" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "model" drop column "azure_ad_managed_identity";`);
  }

}

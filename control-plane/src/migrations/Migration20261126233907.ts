import { Migration } from '@mikro-orm/migrations';

/**
 * Model: Azure OpenAI through Microsoft Entra ID (azureAd*: a token reference, or client credentials and where to
 * use them). Expand only: nullable columns, so a control plane still on the previous migration keeps working.
 */
export class Migration20261126233907 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "model" add column "azure_ad_tenant_id" text null, add column "azure_ad_client_id" text null, add column "azure_ad_client_secret_ref" text null, add column "azure_ad_client_assertion_ref" text null, add column "azure_ad_token_ref" text null, add column "azure_ad_authority_host" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "model" drop column "azure_ad_tenant_id", drop column "azure_ad_client_id", drop column "azure_ad_client_secret_ref", drop column "azure_ad_client_assertion_ref", drop column "azure_ad_token_ref", drop column "azure_ad_authority_host";`);
  }

}

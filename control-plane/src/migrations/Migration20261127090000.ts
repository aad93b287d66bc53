import { Migration } from '@mikro-orm/migrations';

/**
 * A key's spend per model with a budget of its own, in the key's current period (see KeyModelSpend). Expand only: a
 * new table, which a control plane still on the previous migration neither reads nor writes. No backfill: the first
 * batch for a key's model counts its row from the ledger. A trigger drops a key's rows when its `model_limits` change.
 */
export class Migration20261127090000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "key_model_spend" ("key_id" uuid not null, "model" text not null, "period_end" timestamptz null, "spend" numeric(24,12) not null default 0, constraint "key_model_spend_pkey" primary key ("key_id", "model"));`);
    // A key's per-model limits changed, by whatever writes them (the API, the config file): its rows go, so a model
    // whose budget was taken away and given back is counted from the ledger, not from what was added while it had none.
    this.addSql(`create function "key_model_spend_forget"() returns trigger language plpgsql as $$
begin
  delete from "key_model_spend" where "key_id" = new."id";
  return null;
end $$;`);
    this.addSql(`create trigger "key_model_spend_forget" after update of "model_limits" on "virtual_key"
  for each row when (old."model_limits" is distinct from new."model_limits") execute function "key_model_spend_forget"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "key_model_spend_forget" on "virtual_key";`);
    this.addSql(`drop function if exists "key_model_spend_forget"();`);
    this.addSql(`drop table if exists "key_model_spend" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/** Active model health checks: the latest result per deployment and data plane (see ModelHealth). */
export class Migration20261125160327 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "model_health" ("model_id" uuid not null, "data_plane_id" text not null, "healthy" boolean not null, "latency_ms" int not null, "mode" text check ("mode" in ('chat', 'embedding')) not null, "error" text null, "checked_at" timestamptz not null, "request_id" uuid null, "reported_at" timestamptz not null default now(), constraint "model_health_pkey" primary key ("model_id", "data_plane_id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "model_health" cascade;`);
  }

}

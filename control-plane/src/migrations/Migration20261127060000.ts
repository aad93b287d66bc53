import { Migration } from '@mikro-orm/migrations';

/**
 * Team member budgets: a team's budget and limits for each of its members (`member_*` on the team), a member's own
 * hard budget over the team's, and what each member spent in the team's period (on the membership, which gets an id
 * of its own to be named by as a governed subject). Budget alerts may name a team member. Expand only: nullable
 * columns and defaults, so a control plane still on the previous migration keeps writing teams and memberships; the
 * spend of the period running now is counted back from the ledger.
 */
export class Migration20261127060000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "team" add column "member_max_budget" numeric(24,12) null, add column "member_soft_budget" numeric(24,12) null, add column "member_rpm_limit" int null, add column "member_tpm_limit" bigint null;`);
    this.addSql(`alter table "team_membership" add column "id" uuid not null default gen_random_uuid(), add column "max_budget" numeric(24,12) null, add column "spend" numeric(24,12) not null default 0;`);
    this.addSql(`alter table "team_membership" add constraint "team_membership_id_unique" unique ("id");`);
    this.addSql(`alter table "budget_alert" drop constraint if exists "budget_alert_subject_kind_check";`);
    this.addSql(`alter table "budget_alert" add constraint "budget_alert_subject_kind_check" check ("subject_kind" in ('org', 'team', 'user', 'key', 'end_user', 'tag', 'team_member'));`);
    // Each member's spend in their team's current period (everything, for a team whose budget never resets).
    this.addSql(`
update "team_membership" m set "spend" = coalesce((
  select sum(l."cost") from "spend_log" l
   where l."team_id" = m."team_id"::text and l."user_id" = m."user_id"::text
     and (t."budget_duration" is null or t."budget_reset_at" is null or l."started_at" >= ((t."budget_reset_at" at time zone 'UTC') - case t."budget_duration"
       when '1h' then interval '1 hour' when '1d' then interval '1 day' when '7d' then interval '7 days' when '30d' then interval '30 days'
       when '1mo' then interval '1 month' end) at time zone 'UTC')), 0)
  from "team" t where t."id" = m."team_id";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "budget_alert" drop constraint if exists "budget_alert_subject_kind_check";`);
    this.addSql(`alter table "budget_alert" add constraint "budget_alert_subject_kind_check" check ("subject_kind" in ('org', 'team', 'user', 'key', 'end_user', 'tag'));`);
    this.addSql(`alter table "team_membership" drop constraint "team_membership_id_unique";`);
    this.addSql(`alter table "team_membership" drop column "id", drop column "max_budget", drop column "spend";`);
    this.addSql(`alter table "team" drop column "member_max_budget", drop column "member_soft_budget", drop column "member_rpm_limit", drop column "member_tpm_limit";`);
  }

}

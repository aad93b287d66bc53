import { SYSTEM_ACTOR, type AdminWriter } from '../services/audit.js';
import { inPeriodSql, lockSubjectsSql, periodStartOfSql } from '../services/budget-period.js';
import { keyModelLimitedSql } from '../services/config-key-rows.js';
import type { Job } from './job.js';

const HOUR = 3_600_000;

/**
 * Team members' spend under member budgets, from the ledger: every member of a team that has member budgets, in the
 * team's current period (as `recountMembersSql`), set where it differs. Returns the teams of the members it changed.
 */
const RECOUNT_DRIFTED_MEMBERS = `
with "teams" as (
  select t.* from "team" t
   where t."member_max_budget" is not null or exists (select 1 from "team_membership" b where b."team_id" = t."id" and b."max_budget" is not null)),
"spent" as (
  select l."team_id", l."user_id", sum(l."cost") as "cost"
    from "teams" t join "spend_log" l on l."team_id" = t."id"::text
   where l."user_id" is not null and ${inPeriodSql('t', 'l."started_at"')}
   group by 1, 2),
"counted" as (
  select m."id", coalesce(s."cost", 0) as "cost" from "team_membership" m join "teams" t on t."id" = m."team_id"
    left join "spent" s on s."team_id" = m."team_id"::text and s."user_id" = m."user_id"::text)
update "team_membership" m set "spend" = c."cost" from "counted" c
 where m."id" = c."id" and m."spend" <> c."cost"
returning m."team_id"::text as "id"`;

/**
 * A key's per-model spend (`key_model_spend`), from the ledger as usage ingest counts a new row, for the rows of the
 * key's current period, set where it differs. Returns the keys it changed.
 */
const RECOUNT_DRIFTED_KEY_MODELS = `
with "counted" as (
  select x."key_id", x."model", coalesce((
           select sum(r."cost") from "spend_log" r left join "model" m on m."id"::text = r."model_id"
            where r."key_id" = x."key_id"::text and ${keyModelLimitedSql('k', 'r', 'm')} = x."model"
              and r."started_at" >= case when k."budget_duration" is null or k."budget_reset_at" is null then '-infinity'::timestamptz
                                         else ${periodStartOfSql('k')} end), 0) as "cost"
    from "key_model_spend" x join "virtual_key" k on k."id" = x."key_id"
   where x."period_end" is not distinct from k."budget_reset_at")
update "key_model_spend" x set "spend" = c."cost" from "counted" c
 where x."key_id" = c."key_id" and x."model" = c."model" and x."spend" <> c."cost"
returning x."key_id"::text as "id"`;

/**
 * Counters usage ingest adds to that a control plane of an earlier release does not have (team member spend, a key's
 * per-model spend), recounted from the ledger where they differ from it. Spend such a release takes in (a replica
 * still running during a rolling upgrade, or after a rollback) reaches the ledger and every older counter but not
 * these, so member and per-model budgets ran behind what was spent until their period reset. Runs hourly (the first
 * time when a release with this job first starts); the rows are locked first, in usage ingest's order (per-model rows, then teams), so no ingest in flight is
 * half-counted (see lockSubjectsSql). Changed teams and keys go to the data planes as config changes.
 */
export function spendRecount(writer: AdminWriter, intervalMs = HOUR): Job {
  return {
    name: 'spend-recount',
    intervalMs,
    async run({ logger }) {
      const changed = await writer.run(SYSTEM_ACTOR, async ({ em, record }) => {
        await em.execute(`select 1 from "key_model_spend" order by "key_id", "model" for update`);
        const keys = await em.execute<Array<{ id: string }>>(RECOUNT_DRIFTED_KEY_MODELS);
        await em.execute(lockSubjectsSql('team', 'true'));
        const teams = await em.execute<Array<{ id: string }>>(RECOUNT_DRIFTED_MEMBERS);
        const keyIds = [...new Set(keys.map((r) => r.id))];
        const teamIds = [...new Set(teams.map((r) => r.id))];
        for (const id of keyIds) record('key', id, 'upsert');
        for (const id of teamIds) record('team', id, 'upsert');
        return { keys: keyIds.length, members: teams.length, teams: teamIds.length };
      });
      if (changed.keys > 0 || changed.members > 0) logger.warn('spend counters recounted from the ledger (an older control plane took in usage without them)', changed);
    },
  };
}

import { randomUUID } from 'node:crypto';
import { ANY_END_USER, generateSecret } from '@tollgate/schema';
import { VirtualKey } from '../db/entities/index.js';
import { errorMessage } from '../logger.js';
import { SYSTEM_ACTOR, type AdminWriter } from '../services/audit.js';
import { recordSubjectAlerts } from '../services/budget-alerts.js';
import { BUDGET_SUBJECTS, lockSubjectsSql, PERIOD_SECONDS_SQL, periodSpendSql, RECOUNT_ANY_END_USER_FOLLOWERS, recountMembers, type BudgetSubjectKind } from '../services/budget-period.js';
import { rotate } from '../services/keys.js';
import { standardSignature, webhookRefusal } from './budget-alert-delivery.js';
import type { Job } from './job.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Subjects a `budget.reset` audit entry lists by id (it counts them all). */
const AUDITED_RESETS = 100;

/** Whole periods (`p.secs` long) since the last reset time. */
const PERIODS_PASSED = `floor(extract(epoch from now() - coalesce(t."budget_reset_at", now())) / p.secs)`;
/** The last reset time plus `periods` periods. */
const rollingFrom = (periods: string) => `coalesce(t."budget_reset_at", now()) + (${periods}) * p.secs * interval '1 second'`;

/**
 * The start of the period that is running now, in SQL, for a period of `duration` (a column) whose last one ended:
 * this calendar month for `1mo`; otherwise the old reset time plus the whole periods that have passed since, so
 * periods stay aligned even after downtime.
 */
const periodStartSql = (duration: string) => `case ${duration}
    when '1mo' then date_trunc('month', now() at time zone 'UTC') at time zone 'UTC'
    else ${rollingFrom(PERIODS_PASSED)}
  end`;

/** The end of the period that is running now (see `periodStartSql`); a month added in UTC, not the session's zone. */
const nextResetSql = (duration: string) => `case ${duration}
    when '1mo' then (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC'
    else ${rollingFrom(`${PERIODS_PASSED} + 1`)}
  end`;

/** Whose period ended; a subject that never had a reset time gets one (its spend is kept: no period had started). */
const DUE_SQL = `(t."budget_reset_at" is null or t."budget_reset_at" <= now())`;

/** The end user `*` when its period is due, locked (see RECOUNT_ANY_END_USER_FOLLOWERS). */
const ANY_END_USER_DUE = `select 1 from "end_user" t where t."external_id" = '${ANY_END_USER}' and t."budget_duration" is not null and ${DUE_SQL} for update`;

/**
 * A reset subject's spend: what the ledger already holds of the period that is running now. Not 0: this job runs
 * every minute, and spend ingested between the period's end and the run belongs to the new period.
 */
const resetSpendSql = (kind: BudgetSubjectKind, duration: string) =>
  `"spend" = case when t."budget_reset_at" is null then t."spend" else ${periodSpendSql(kind, periodStartSql(duration))} end`;

/** Subjects of `table` with a period of their own that ended. */
const resetOwnPeriods = (kind: BudgetSubjectKind, table: string) => `
  update "${table}" t set ${resetSpendSql(kind, 't."budget_duration"')}, "budget_reset_at" = ${nextResetSql('t."budget_duration"')}
    from ${PERIOD_SECONDS_SQL}
   where p.d = t."budget_duration" and ${DUE_SQL}
   returning t."id"`;

/** End users without a period of their own whose budget tier's period ended for them (see endUserConfig). */
const resetTierPeriods = () => `
  update "end_user" t set ${resetSpendSql('end_user', 'b."budget_duration"')}, "budget_reset_at" = ${nextResetSql('b."budget_duration"')}
    from "budget_tier" b, ${PERIOD_SECONDS_SQL}
   where t."budget_tier_id" = b."id" and t."budget_duration" is null and p.d = b."budget_duration" and ${DUE_SQL}
   returning t."id"`;

/**
 * Budget periods: every subject whose period ended gets its spend set back (to what the ledger already holds of the
 * new period: usually nothing) and its next reset time, in one statement per table (two for end users: their own
 * periods, and their budget tier's). Each reset subject is recorded as a config change, so data planes get its new
 * reset time and spend; one audit entry per table says how many were reset.
 */
export function budgetReset(writer: AdminWriter, intervalMs = MINUTE): Job {
  return {
    name: 'budget-reset',
    intervalMs,
    async run({ logger }) {
      for (const [kind, { table }] of Object.entries(BUDGET_SUBJECTS) as Array<[BudgetSubjectKind, { table: string }]>) {
        const ids = await writer.run(SYSTEM_ACTOR, async ({ em, record, audit }) => {
          // The end user `*` first, as usage ingest locks it (FOR SHARE) before the end users it adds to.
          const anyDue = kind === 'end_user' && (await em.execute(ANY_END_USER_DUE)).length > 0;
          // Locked before the reset reads the ledger (see lockSubjectsSql).
          const due = await em.execute<Array<{ id: string; spend: string }>>(lockSubjectsSql(kind, DUE_SQL));
          if (due.length === 0) return [];
          const rows = await em.execute<Array<{ id: string }>>(resetOwnPeriods(kind, table));
          if (kind === 'end_user') rows.push(...(await em.execute<Array<{ id: string }>>(resetTierPeriods())));
          if (rows.length === 0) return [];
          // A new period of `*` is one for every end user that follows it: their spend is recounted (not config
          // changes: they are not in the config; `*`'s own change carries their spend, see spendByEndUser).
          const followers = anyDue ? (await em.execute<Array<{ id: string }>>(RECOUNT_ANY_END_USER_FOLLOWERS)).map((r) => r.id) : [];
          // A team's new period is one for its members' budgets too: their spend is recounted (they go out with the
          // team's own change).
          const members = kind === 'team' ? await recountMembers(em, rows.map((r) => r.id)) : [];
          for (const row of rows) record(kind, row.id, 'upsert');
          // Which subjects, and what their ended period had spent (the first 100; the count is all of them).
          const spentBefore = new Map(due.map((d) => [d.id, Number(d.spend)]));
          const subjects = rows.slice(0, AUDITED_RESETS).map((r) => ({ id: r.id, spendBefore: spentBefore.get(r.id) ?? null }));
          audit({ action: 'budget.reset', entityType: table, entityId: '*', orgId: null, after: { reset: rows.length, subjects, ...(anyDue && { followersOfAnyEndUser: followers.length }) } });
          // The new period may already be past a budget (spend ingested between the period's end and this run, or a
          // budget below what the ledger holds of it): it alerts now, not with the subject's next request.
          await recordSubjectAlerts(em, { [kind]: [...rows.map((r) => r.id), ...followers], ...(members.length > 0 && { team_member: members }) });
          return rows.map((r) => r.id);
        });
        if (ids.length > 0) logger.info('budget periods reset', { table, count: ids.length });
      }
    },
  };
}

/**
 * Things on keys that lapse by time: a temporary budget raise past its end, and the old secret of a regenerated
 * key past its grace period. Data planes already stop honouring both at that moment; clearing them removes them
 * from the config and the API.
 */
export function keyLapses(writer: AdminWriter, intervalMs = MINUTE): Job {
  return {
    name: 'key-lapses',
    intervalMs,
    async run({ logger }) {
      const count = await writer.run(SYSTEM_ACTOR, async ({ em, record, audit }) => {
        const rows = await em.execute<Array<{ id: string; org: string | null }>>(
          `update "virtual_key" set
             "temp_budget_increase" = case when "temp_budget_expires_at" <= now() then null else "temp_budget_increase" end,
             "temp_budget_expires_at" = case when "temp_budget_expires_at" <= now() then null else "temp_budget_expires_at" end,
             "previous_hash" = case when "previous_hash_expires_at" <= now() then null else "previous_hash" end,
             "previous_hash_expires_at" = case when "previous_hash_expires_at" <= now() then null else "previous_hash_expires_at" end
           where "temp_budget_expires_at" <= now() or "previous_hash_expires_at" <= now()
           returning "id", "organization_id" as "org"`,
        );
        for (const row of rows) {
          record('key', row.id, 'upsert');
          audit({ action: 'key.lapse', entityType: 'key', entityId: row.id, orgId: row.org });
        }
        // A lapsed raise lowers the hard budget, maybe below what the key already spent: it alerts now.
        await recordSubjectAlerts(em, { key: rows.map((r) => r.id) });
        return rows.length;
      });
      if (count > 0) logger.info('lapsed key settings cleared', { count });
    },
  };
}

/** Audit entries older than the retention period are deleted, in batches so no transaction grows large. */
export function auditRetention(retentionDays: number, intervalMs = 60 * MINUTE): Job {
  return {
    name: 'audit-retention',
    intervalMs,
    async run({ em, logger, signal }) {
      let total = 0;
      for (;;) {
        if (signal.aborted) throw new Error('stopped');
        const rows = await em.execute<Array<{ n: number }>>(
          `with gone as (delete from "audit_entry" where "id" in (
              select "id" from "audit_entry" where "at" < now() - make_interval(days => ?) order by "id" limit 10000)
            returning 1)
           select count(*)::int as "n" from gone`,
          [retentionDays],
        );
        const deleted = rows[0]?.n ?? 0;
        total += deleted;
        if (deleted < 10_000) break;
      }
      if (total > 0) logger.info('old audit entries deleted', { deleted: total, retentionDays });
    },
  };
}

export interface KeyRotationOptions {
  /** Where each new secret is POSTed (`{ keyId, alias, prefix, key, previousKeyValidUntil }`); required. */
  webhookUrl: string;
  /** Signs each delivery (TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET): Standard Webhooks' `webhook-signature`. */
  secret?: string | undefined;
  /** How long the replaced secret keeps working. */
  graceMs?: number;
  intervalMs?: number;
}

/**
 * Keys with `autoRotateDays` get a new secret when that many days passed since the last one. A new secret nobody
 * receives would only break clients, so each is delivered to the rotation webhook first: the rotation commits only
 * after the webhook accepted it (2xx), and the old secret keeps working for the grace period (a day by default).
 */
export function keyAutoRotation(writer: AdminWriter, options: KeyRotationOptions): Job {
  const graceSeconds = Math.round((options.graceMs ?? DAY) / 1000);
  return {
    name: 'key-auto-rotation',
    intervalMs: options.intervalMs ?? 10 * MINUTE,
    async run({ logger, signal }) {
      const due = await writer.run(SYSTEM_ACTOR, ({ em }) =>
        em.execute<Array<{ id: string }>>(
          `select "id" from "virtual_key" where "deleted_at" is null and "auto_rotate_days" is not null and "managed_by" is null
             and coalesce("rotated_at", "created_at") + make_interval(days => "auto_rotate_days") <= now() limit 100`,
        ),
      );
      for (const { id } of due) {
        if (signal.aborted) throw new Error('stopped');
        try {
          await writer.run(SYSTEM_ACTOR, async ({ em, record, audit }) => {
            const key = await em.findOneOrFail(VirtualKey, { id }, { populate: ['hash'] });
            const plaintext = generateSecret();
            rotate(key, plaintext, graceSeconds);
            // Each attempt rotates to a new secret (a failed one rolls back), so each has an id of its own.
            await deliver(options, `rotation_${randomUUID()}`, {
              keyId: key.id,
              alias: key.alias,
              prefix: key.prefix,
              key: plaintext,
              previousKeyValidUntil: key.previousHashExpiresAt?.toISOString() ?? null,
            });
            record('key', key.id, 'upsert');
            audit({ action: 'key.auto_rotate', entityType: 'key', entityId: key.id, orgId: key.organization?.id ?? null, after: { prefix: key.prefix } });
          });
        } catch (err) {
          // The key stays as it was (the transaction rolled back); the next run tries again.
          logger.warn('key auto-rotation failed; will retry', { keyId: id, error: errorMessage(err) });
        }
      }
    },
  };
}

/** Without a rotation webhook, keys due for rotation are left alone; this says so in the log, daily. */
export function unrotatedKeysWarning(): Job {
  return {
    name: 'key-auto-rotation',
    intervalMs: DAY,
    async run({ em, logger }) {
      const [row] = await em.execute<Array<{ n: number }>>(
        `select count(*)::int as "n" from "virtual_key" where "deleted_at" is null and "auto_rotate_days" is not null
           and coalesce("rotated_at", "created_at") + make_interval(days => "auto_rotate_days") <= now()`,
      );
      if (row && row.n > 0) {
        logger.warn('keys are due for auto-rotation, but TOLLGATE_KEY_ROTATION_WEBHOOK is not set, so nothing would receive the new secrets', { due: row.n });
      }
    },
  };
}

/**
 * POSTs a rotated key to the webhook, with Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, and with a
 * secret `webhook-signature`), so the receiver can tell a delivery from Tollgate from anyone posting it a "new key".
 */
async function deliver(options: KeyRotationOptions, id: string, payload: unknown): Promise<void> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(options.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      ...(options.secret && { 'webhook-signature': standardSignature(options.secret, id, timestamp, body) }),
    },
    body,
    signal: AbortSignal.timeout(10_000),
    // Not followed: a 301/302 would become a GET without the new secret (and the key rotated all the same), a 307 would
    // send the secret wherever the receiver points.
    redirect: 'manual',
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(webhookRefusal('rotation webhook', res));
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { ANY_END_USER, SubjectSpendEntry, type SpendSubjectKind } from '@tollgate/schema';
import { z } from 'zod';
import { followsAnyEndUserSql } from './budget-period.js';

/**
 * Subject spend for data planes (see subject-spend.ts in the schema). Usage ingest's spend statements return the spend
 * they left on each subject with a budget (`returningSpend`, `RETURNING_KEY_MODEL_SPEND`, `RETURNING_MEMBER_SPEND`,
 * `RETURNING_END_USER_SPEND`), and the batch sends it with `NOTIFY tollgate_subject_spend`, which PostgreSQL delivers
 * to every replica only once the batch commits. Each replica's config publisher passes it on to the data planes subscribed to it. A notification lost
 * while a replica's LISTEN connection was down costs only freshness: the subject's next batch sends its spend again.
 */
export const SUBJECT_SPEND_CHANNEL = 'tollgate_subject_spend';

/** A spend statement's row: the subject, its spend now, its period's end (epoch ms), and whether it has a budget. */
export interface SpendRow {
  id: string;
  spend: number;
  reset: number | null;
  budgeted: boolean;
}

/** A time as epoch milliseconds, cut to the millisecond as data planes read it (a JS date of the config's ISO time). */
const epochMs = (column: string) => `floor(extract(epoch from ${column}) * 1000)::float8`;

/** What a spend UPDATE of table alias `a` returns: its subjects with their spend, period and whether they have a budget. */
export const returningSpend = (a: string) =>
  `returning ${a}."id"::text as "id", ${a}."spend"::float8 as "spend", ${epochMs(`${a}."budget_reset_at"`)} as "reset", ${a}."max_budget" is not null as "budgeted"`;

/** A key's per-model spend (KeyModelSpend): as `<key id>/<model>`, in the key's period; only models with a budget have rows. */
export const RETURNING_KEY_MODEL_SPEND = `
returning "key_id"::text || '/' || "model" as "id", "spend"::float8 as "spend", ${epochMs('"period_end"')} as "reset", true as "budgeted"`;

/** A team member's: by membership id, in the team's period, with a budget of their own or the team's per member. */
export const RETURNING_MEMBER_SPEND = `
returning m."id"::text as "id", m."spend"::float8 as "spend",
          (select ${epochMs('t."budget_reset_at"')} from "team" t where t."id" = m."team_id") as "reset",
          m."max_budget" is not null or exists (select 1 from "team" t where t."id" = m."team_id" and t."member_max_budget" is not null) as "budgeted"`;

/**
 * An end user's: by external id; one that follows the end user `*` is counted in the period of `*` and has a budget
 * when `*` has one.
 */
export const RETURNING_END_USER_SPEND = `
returning "end_user"."external_id" as "id", "end_user"."spend"::float8 as "spend",
          case when ${followsAnyEndUserSql('"end_user"')}
               then (select ${epochMs('d."budget_reset_at"')} from "end_user" d where d."external_id" = '${ANY_END_USER}')
               else ${epochMs('"end_user"."budget_reset_at"')} end as "reset",
          case when ${followsAnyEndUserSql('"end_user"')}
               then exists (select 1 from "end_user" d where d."external_id" = '${ANY_END_USER}' and d."max_budget" is not null)
               else "end_user"."max_budget" is not null or "end_user"."budget_tier_id" is not null end as "budgeted"`;

/** The entries of `rows` for subjects with a budget: data planes seed budget counters only. */
export function budgetedSpend(kind: SpendSubjectKind, rows: readonly SpendRow[], into: SubjectSpendEntry[]): void {
  for (const row of rows) if (row.budgeted) into.push([kind, row.id, Math.max(0, Number(row.spend)), row.reset === null ? null : Number(row.reset)]);
}

/**
 * PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more; entries go in notifications of at most this many bytes
 * (one entry is under 400: ids are uuids, end users' external ids and tags are at most 256 characters).
 */
const MAX_PAYLOAD_BYTES = 7_000;

/** Sends `entries` to every replica, delivered when (and if) the transaction commits. One statement, however many. */
export async function notifySubjectSpend(em: EntityManager, entries: readonly SubjectSpendEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const payloads: string[] = [];
  let part: string[] = [];
  let bytes = 2;
  for (const entry of entries) {
    const text = JSON.stringify(entry);
    const size = Buffer.byteLength(text) + 1;
    if (part.length > 0 && bytes + size > MAX_PAYLOAD_BYTES) {
      payloads.push(`[${part.join(',')}]`);
      part = [];
      bytes = 2;
    }
    part.push(text);
    bytes += size;
  }
  payloads.push(`[${part.join(',')}]`);
  await em.execute(`select pg_notify('${SUBJECT_SPEND_CHANNEL}', p) from json_array_elements_text(?::json) as p`, [JSON.stringify(payloads)]);
}

const Payload = z.array(SubjectSpendEntry);

/** A notification's entries; null for a payload this version cannot read (a newer replica's), which is skipped. */
export function parseSubjectSpend(payload: string): SubjectSpendEntry[] | null {
  try {
    const parsed = Payload.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

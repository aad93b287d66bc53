import { z } from 'zod';

/**
 * What the control plane has counted a governed subject as having spent in its current budget period, sent to data
 * planes as it changes. A data plane seeds a budget counter from a subject's spend whenever it makes the counter (the
 * first request of a period, and again after the counter was lost: Redis restarted without persistence, a failover
 * to a replica that had not yet received it, eviction, an outage counted in process) and raises a counter that is
 * behind it. The config snapshot carries the spend of the moment it was read, but usage ingest moves spend without
 * changing config, so without these messages a lost counter would start again from the spend of the subject's last
 * config change: a used-up budget granted again in full.
 *
 * Sent on the `gatewayConfig` subscription only to subscribers that listed the `subjectSpend` config feature. Like a
 * health-check request it is not config: no version, handled apart from the config store. Losing one costs only
 * freshness (the next batch that touches the subject sends its spend again), and applying one twice, or out of order,
 * changes nothing: within a period spend only grows, so a data plane keeps the highest figure per subject and period.
 */

/**
 * Subjects whose spend is sent: those whose ledger columns usage ingest adds to, and a key's spend on a model with a
 * budget of its own (`key_model`). A data plane skips entries of a kind it does not know (a newer control plane's),
 * and reads the rest of the message.
 */
export const SpendSubjectKind = z.enum(['key', 'user', 'team', 'team_member', 'org', 'end_user', 'tag', 'key_model']);
export type SpendSubjectKind = z.infer<typeof SpendSubjectKind>;

/**
 * `[kind, id, spend in USD, end of the period it belongs to (epoch ms) or null when the budget never resets]`. The id is
 * the one the config names the subject by (a team member by its membership's id; a key's model as `<key id>/<model>`,
 * in the key's period), except for end users: their external id, for an end user with settings of its own and one
 * that follows the end user `*` alike (the period is then `*`'s).
 */
export const SubjectSpendEntry = z.tuple([SpendSubjectKind, z.string().min(1), z.number().nonnegative(), z.number().nullable()]);
export type SubjectSpendEntry = z.infer<typeof SubjectSpendEntry>;

export const SubjectSpendMessage = z.object({
  kind: z.literal('subjectSpend'),
  spend: z.array(SubjectSpendEntry),
});

/** A message as a data plane reads it: entries one by one (`SubjectSpendEntry.safeParse`), so one it cannot read is skipped alone. */
export const SubjectSpendMessageIn = z.object({
  kind: z.literal('subjectSpend'),
  spend: z.array(z.unknown()),
});
export type SubjectSpendMessage = z.infer<typeof SubjectSpendMessage>;

/** Whether a stream message is a subject-spend message (to be parsed with `SubjectSpendMessage`), not config. */
export function isSubjectSpendMessage(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'subjectSpend';
}

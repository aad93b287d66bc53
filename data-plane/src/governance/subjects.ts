import type { GovernedConfig } from '@tollgate/schema';
import type { RuntimeEndUser, RuntimeTeam, RuntimeTeamMember } from '../config/runtime.js';
import { budgetPeriod, instantOf, isBudgetDuration } from '../limits/period.js';
import type { LimitSubject, SubjectKind } from '../limits/types.js';
import type { CountedSpend } from './counted-spend.js';

/** A governed subject's settings as the snapshot sends them (every field optional: absent is the default). */
export type GovernedSettings = Readonly<Partial<GovernedConfig>> & {
  readonly tempBudgetIncrease?: number | null;
  readonly tempBudgetExpiresAt?: string | null;
};

/** Per-model limits within a key (`modelLimits`): they share the key's budget period. */
export interface KeyModelLimit {
  readonly rpm?: number;
  readonly tpm?: number;
  readonly maxBudget?: number;
  /** What the control plane counted the key as having spent on the model in its current period. */
  readonly spend?: number;
}

const NANOS_PER_USD = 1_000_000_000;

/** USD (a config number) → nano-USD. Config budgets have at most a few decimals; rounding here loses nothing real. */
export function usdToNanos(usd: number): bigint {
  return BigInt(Math.round(usd * NANOS_PER_USD));
}

/**
 * The subjects of one request that have a limit or a budget, collected in the order refusals are reported (the
 * narrowest first: the key's per-model limits, the key, its user, team, organization, the end user, then tags).
 * Subjects with nothing to enforce are left out, and nothing is made for them (not even their label), so a request
 * that no limit applies to costs a few field reads and never reaches the limiter.
 */
/**
 * How refusals name the caller's own key and the key's owner: data planes hold no key alias or user email (the
 * snapshot leaves display fields out), and an id means nothing to the client; the request log names both.
 */
const OWN_LABELS: Partial<Record<SubjectKind, string>> = { key: 'this key', user: "the key's owner" };

export class SubjectList {
  readonly subjects: LimitSubject[] = [];

  constructor(
    private readonly nowMs: number,
    /** Spend the control plane counted since the config was sent; budgets then start from the higher figure. */
    private readonly counted?: CountedSpend,
  ) {}

  /**
   * Adds the subject if `settings` has a limit. Refusals name it as `<noun> '<name>'` ("team 'Research'"), or
   * `<noun> <id>` without a name; the caller's own key and its owner as such (`OWN_LABELS`).
   */
  add(kind: SubjectKind, id: string, settings: GovernedSettings, noun: string, name?: string): void {
    this.push(kind, id, settings, noun, name, undefined);
  }

  private push(kind: SubjectKind, id: string, s: GovernedSettings, noun: string, name: string | undefined, keyModel: string | undefined): void {
    const rpm = s.rpmLimit ?? null;
    const tpm = s.tpmLimit ?? null;
    const parallel = s.maxParallelRequests ?? null;
    const max = effectiveMaxBudget(s, this.nowMs);
    if (rpm === null && tpm === null && parallel === null && max === null) return;
    const label = keyModel !== undefined ? `model '${keyModel}' on this key` : (OWN_LABELS[kind] ?? (name === undefined ? `${noun} ${id}` : `${noun} '${name}'`));
    this.subjects.push({ kind, id, label, rpm, tpm, parallel, budget: max === null ? null : budgetRule(s, this.spendOf(kind, id, name, s), max, this.nowMs) });
  }

  /** The subject's spend: the config's, or what the control plane counted in the same period since, if more. */
  private spendOf(kind: SubjectKind, id: string, name: string | undefined, s: GovernedSettings): number {
    const own = s.spend ?? 0;
    if (this.counted === undefined) return own;
    const counted = this.counted.spentIn(kind, kind === 'end_user' ? name! : id, s.budgetResetAt ? instantOf(s.budgetResetAt) : null);
    return counted !== undefined && counted > own ? counted : own;
  }

  /**
   * An end user without settings of its own, under those of the end user `*` (`ANY_END_USER`): its limits and budget,
   * counted for this end user alone (`<id of *>/<external id>`). The budget's period is `*`'s (one reset time for all
   * of them), and its counter starts from what the control plane counted the end user as having spent in it.
   */
  addDefaultEndUser(any: RuntimeEndUser, externalId: string): void {
    const spend = any.maxBudget === null ? 0 : (any.spendByEndUser?.get(externalId) ?? 0);
    this.push('end_user', `${any.id}/${externalId}`, spend === any.spend ? any : { ...any, spend }, 'end user', externalId, undefined);
  }

  /**
   * A team member under the team's member budgets, for the team's keys they own: counted as the member alone (by the
   * membership's id), in the team's budget period, from what the control plane counted them as having spent in it.
   */
  addTeamMember(team: RuntimeTeam, userId: string, member: RuntimeTeamMember): void {
    const settings: GovernedSettings = {
      rpmLimit: member.rpmLimit,
      tpmLimit: member.tpmLimit,
      maxBudget: member.maxBudget,
      budgetDuration: team.budgetDuration,
      budgetResetAt: team.budgetResetAt,
      spend: member.spend,
    };
    // "member <user id> of team 'Research'"
    this.push('team_member', member.id, settings, `member ${userId} of team`, team.name, undefined);
  }

  /**
   * A key's limits for one model (`modelLimits`), as a subject of its own (`<keyId>/<model>`); they share the key's
   * budget period, and its counter starts from the spend the control plane counted for the model (`spend`).
   */
  addKeyModel(keyId: string, model: string, limit: KeyModelLimit | undefined, keySettings: GovernedSettings): void {
    if (limit === undefined) return;
    const settings: GovernedSettings = {
      rpmLimit: limit.rpm ?? null,
      tpmLimit: limit.tpm ?? null,
      maxBudget: limit.maxBudget ?? null,
      budgetDuration: keySettings.budgetDuration ?? null,
      budgetResetAt: keySettings.budgetResetAt ?? null,
      spend: limit.spend ?? 0,
    };
    this.push('key_model', `${keyId}/${model}`, settings, 'model', undefined, model);
  }
}

function budgetRule(s: GovernedSettings, spend: number, max: number, nowMs: number): NonNullable<LimitSubject['budget']> {
  // A duration this data plane does not know (a newer control plane's) counts as one that never resets.
  const duration = s.budgetDuration != null && isBudgetDuration(s.budgetDuration) ? s.budgetDuration : null;
  const period = budgetPeriod(duration, s.budgetResetAt ?? null, nowMs);
  return {
    maxNanos: usdToNanos(max),
    periodId: period.periodId,
    periodEndMs: period.periodEndMs,
    // The snapshot's spend belongs to the period the control plane last reset to; a period that has ended since
    // starts from zero.
    seedNanos: seedFor(s, spend, period.periodEndMs, nowMs),
  };
}

/** The hard budget now: max budget plus a temporary raise that has not lapsed. */
function effectiveMaxBudget(s: GovernedSettings, nowMs: number): number | null {
  const max = s.maxBudget ?? null;
  if (max === null) return null;
  const raise = s.tempBudgetIncrease ?? null;
  if (raise !== null && s.tempBudgetExpiresAt && instantOf(s.tempBudgetExpiresAt) > nowMs) return max + raise;
  return max;
}

function seedFor(s: GovernedSettings, spend: number, periodEndMs: number | null, nowMs: number): bigint {
  if (spend === 0) return 0n;
  const resetAt = s.budgetResetAt ? instantOf(s.budgetResetAt) : null;
  // The control plane's period ends at `budgetResetAt`; if that moment has passed, its spend is last period's.
  if (resetAt !== null && resetAt <= nowMs) return 0n;
  if (resetAt !== null && periodEndMs !== null && resetAt !== periodEndMs) return 0n;
  return usdToNanos(spend);
}

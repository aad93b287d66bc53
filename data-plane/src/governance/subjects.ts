import type { GovernedConfig } from '@tollgate/schema';
import { budgetPeriod, isBudgetDuration } from '../limits/period.js';
import type { LimitSubject, SubjectKind } from '../limits/types.js';

/** A governed subject's settings as the snapshot sends them (every field optional: absent is the default). */
export type GovernedSettings = Readonly<Partial<GovernedConfig>> & {
  readonly tempBudgetIncrease?: number | null;
  readonly tempBudgetExpiresAt?: string | null;
};

export interface SubjectSource {
  readonly kind: SubjectKind;
  readonly id: string;
  readonly label: string;
  readonly settings: GovernedSettings;
}

/** Per-model limits within a key (`modelLimits`): they share the key's budget period. */
export interface KeyModelLimit {
  readonly rpm?: number;
  readonly tpm?: number;
  readonly maxBudget?: number;
}

const NANOS_PER_USD = 1_000_000_000;

/** USD (a config number) → nano-USD. Config budgets have at most a few decimals; rounding here loses nothing real. */
export function usdToNanos(usd: number): bigint {
  return BigInt(Math.round(usd * NANOS_PER_USD));
}

/**
 * The subjects of a request that have a limit or a budget, in the order refusals are reported (the narrowest
 * first: the key's per-model limits, the key, its user, team, organization, the end user, then tags). Subjects with
 * nothing to enforce are left out, so a request that no limit applies to never reaches the limiter.
 */
export function limitSubjects(sources: readonly (SubjectSource | null)[], nowMs: number): LimitSubject[] {
  const subjects: LimitSubject[] = [];
  for (const source of sources) {
    if (source === null) continue;
    const subject = toSubject(source, nowMs);
    if (subject !== null) subjects.push(subject);
  }
  return subjects;
}

function toSubject(source: SubjectSource, nowMs: number): LimitSubject | null {
  const s = source.settings;
  const rpm = s.rpmLimit ?? null;
  const tpm = s.tpmLimit ?? null;
  const parallel = s.maxParallelRequests ?? null;
  const max = effectiveMaxBudget(s, nowMs);
  if (rpm === null && tpm === null && parallel === null && max === null) return null;
  let budget: LimitSubject['budget'] = null;
  if (max !== null) {
    // A duration this data plane does not know (a newer control plane's) counts as one that never resets.
    const duration = s.budgetDuration != null && isBudgetDuration(s.budgetDuration) ? s.budgetDuration : null;
    const period = budgetPeriod(duration, s.budgetResetAt ?? null, nowMs);
    budget = {
      maxNanos: usdToNanos(max),
      periodId: period.periodId,
      periodEndMs: period.periodEndMs,
      // The snapshot's spend belongs to the period the control plane last reset to; a period that has ended since
      // starts from zero.
      seedNanos: seedFor(s, period.periodEndMs, nowMs),
    };
  }
  return { kind: source.kind, id: source.id, label: source.label, rpm, tpm, parallel, budget };
}

/** The hard budget now: max budget plus a temporary raise that has not lapsed. */
function effectiveMaxBudget(s: GovernedSettings, nowMs: number): number | null {
  const max = s.maxBudget ?? null;
  if (max === null) return null;
  const raise = s.tempBudgetIncrease ?? null;
  if (raise !== null && s.tempBudgetExpiresAt && Date.parse(s.tempBudgetExpiresAt) > nowMs) return max + raise;
  return max;
}

function seedFor(s: GovernedSettings, periodEndMs: number | null, nowMs: number): bigint {
  const spend = s.spend ?? 0;
  if (spend === 0) return 0n;
  const resetAt = s.budgetResetAt ? Date.parse(s.budgetResetAt) : null;
  // The control plane's period ends at `budgetResetAt`; if that moment has passed, its spend is last period's.
  if (resetAt !== null && resetAt <= nowMs) return 0n;
  if (resetAt !== null && periodEndMs !== null && resetAt !== periodEndMs) return 0n;
  return usdToNanos(spend);
}

/** A key's limits for one model, as a subject of its own (`<keyId>/<model>`), or null when there are none. */
export function keyModelSource(keyId: string, keyLabel: string, model: string, limit: KeyModelLimit | undefined, keySettings: GovernedSettings): SubjectSource | null {
  if (limit === undefined) return null;
  return {
    kind: 'key_model',
    id: `${keyId}/${model}`,
    label: `model '${model}' on ${keyLabel}`,
    settings: {
      rpmLimit: limit.rpm ?? null,
      tpmLimit: limit.tpm ?? null,
      maxBudget: limit.maxBudget ?? null,
      budgetDuration: keySettings.budgetDuration ?? null,
      budgetResetAt: keySettings.budgetResetAt ?? null,
    },
  };
}

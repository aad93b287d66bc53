import { SubjectSpendEntry, SubjectSpendMessageIn, type SpendSubjectKind } from '@tollgate/schema';

/** Subjects remembered at most; past it the least recently updated go (their config spend is used again). */
const DEFAULT_CAPACITY = 200_000;

/**
 * The spend the control plane has counted per subject and period since the config was sent (`subjectSpend`
 * messages; see subject-spend.ts in the schema), for seeding budget counters: a counter made again after it was lost
 * (a Redis restart without persistence, an outage counted in process) starts from this rather than from the spend of
 * the subject's last config change, and a counter behind it is raised to it (`SubjectList`).
 *
 * Keeps the highest figure per subject and period: messages may come twice or out of order, and within a period spend
 * only grows. A figure for another period than the config's (the control plane reset it, or the config has not caught
 * up yet) is not used.
 */
export class CountedSpend {
  private readonly spend = new Map<string, { usd: number; resetMs: number | null }>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  get size(): number {
    return this.spend.size;
  }

  /**
   * Takes a `subjectSpend` message; false when it does not parse. An entry this version cannot read (a newer control
   * plane's subject kind) is skipped alone.
   */
  apply(raw: unknown): boolean {
    const parsed = SubjectSpendMessageIn.safeParse(raw);
    if (!parsed.success) return false;
    for (const item of parsed.data.spend) {
      const entry = SubjectSpendEntry.safeParse(item);
      if (!entry.success) continue;
      const [kind, id, usd, resetMs] = entry.data;
      const key = `${kind}\u0000${id}`;
      const had = this.spend.get(key);
      if (had !== undefined && had.resetMs === resetMs && had.usd >= usd) continue;
      // Deleted first so the entry moves to the end: the map's order is then least recently updated first.
      this.spend.delete(key);
      this.spend.set(key, { usd, resetMs });
    }
    for (const key of this.spend.keys()) {
      if (this.spend.size <= this.capacity) break;
      this.spend.delete(key);
    }
    return true;
  }

  /**
   * What the control plane counted `kind` `id` as having spent in the period ending at `resetMs` (null: one that never
   * ends), in USD; undefined when it has sent nothing for that period. End users go by external id.
   */
  spentIn(kind: SpendSubjectKind, id: string, resetMs: number | null): number | undefined {
    const had = this.spend.get(`${kind}\u0000${id}`);
    return had !== undefined && had.resetMs === resetMs ? had.usd : undefined;
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { SpendLog } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { visibility } from '../auth/policy.js';
import { forbidden } from '../errors.js';
import { parseInput } from '../validation.js';
import type { Actor } from './audit.js';
import { SpendLogsInput } from './inputs.js';

export interface SpendTotals {
  totalSpend: number;
  totalRequests: number;
  totalTokens: number;
}

export class SpendService {
  constructor(private readonly orm: Orm) {}

  /**
   * Ledger rows, newest first. Proxy admins and their viewers only for now: per-tenant spend reports (an org
   * admin's organization, a user's own keys) come with the spend reporting API.
   */
  async logs(actor: Actor, keyId: string | null | undefined, limit: number): Promise<SpendLog[]> {
    assertSeesAllSpend(actor);
    const input = parseInput(SpendLogsInput, { keyId, limit });
    return this.orm.em.fork().find(SpendLog, input.keyId !== null ? { keyId: input.keyId } : {}, {
      orderBy: { startedAt: 'desc', requestId: 'desc' },
      limit: input.limit,
    });
  }

  /** All-time totals, from the daily roll-up rather than the ledger. */
  summary(actor: Actor, em: EntityManager = this.orm.em.fork()): Promise<SpendTotals> {
    assertSeesAllSpend(actor);
    return spendTotals(em);
  }
}

export async function spendTotals(em: EntityManager): Promise<SpendTotals> {
  const rows = await em.execute<{ spend: number; requests: number; tokens: number }[]>(
    `select coalesce(sum("cost"), 0)::float8 as "spend",
            coalesce(sum("requests"), 0)::float8 as "requests",
            coalesce(sum("total_tokens"), 0)::float8 as "tokens"
       from "spend_daily"`,
  );
  const row = rows[0];
  return { totalSpend: row?.spend ?? 0, totalRequests: row?.requests ?? 0, totalTokens: row?.tokens ?? 0 };
}

export function assertSeesAllSpend(actor: Actor): void {
  if (visibility(actor.principal, 'spend').kind !== 'all') throw forbidden();
}

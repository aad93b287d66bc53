import type { FilterQuery } from '@mikro-orm/postgresql';
import { visibility } from '../auth/policy.js';
import { AuditEntry } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { badUserInput } from '../errors.js';
import { parseInput } from '../validation.js';
import type { Actor } from './audit.js';
import { AuditLogInput } from './inputs.js';

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * Reading the audit log: newest first (ids are drawn in commit-lock order, so id order is time order), filtered by
 * actor, entity, action and time, in keyset pages on the id, so page 1,000 costs what page 1 does. Proxy admins and their viewers read everything, org
 * admins their organization's entries, nobody else any.
 */
export class AuditLogService {
  constructor(private readonly orm: Orm) {}

  async list(actor: Actor, rawInput: unknown): Promise<AuditPage> {
    const input = parseInput(AuditLogInput, rawInput);
    const seen = visibility(actor.principal, 'audit');
    if (seen.kind === 'none' || seen.kind === 'own') return { entries: [], endCursor: null, hasNextPage: false };
    const conditions: FilterQuery<AuditEntry>[] = [];
    if (seen.kind === 'org') conditions.push({ orgId: seen.orgId });
    if (input.actorId !== null) conditions.push({ actorId: input.actorId });
    if (input.entityType !== null) conditions.push({ entityType: input.entityType });
    if (input.entityId !== null) conditions.push({ entityId: input.entityId });
    if (input.action !== null) conditions.push({ action: input.action });
    if (input.from !== null) conditions.push({ at: { $gte: input.from } });
    if (input.to !== null) conditions.push({ at: { $lt: input.to } });
    if (input.after !== null) {
      conditions.push({ id: { $lt: decodeCursor(input.after) } });
    }
    const rows = await this.orm.em.fork().find(AuditEntry, conditions.length > 0 ? { $and: conditions } : {}, {
      orderBy: { id: 'desc' },
      limit: input.first + 1,
    });
    const hasNextPage = rows.length > input.first;
    const entries = hasNextPage ? rows.slice(0, input.first) : rows;
    const last = entries.at(-1);
    return { entries, hasNextPage, endCursor: last && hasNextPage ? encodeCursor(last) : null };
  }
}

function encodeCursor(entry: AuditEntry): string {
  return Buffer.from(`audit:${entry.id}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^audit:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badUserInput({ after: ['is not a cursor this API returned'] });
  return Number(match[1]);
}

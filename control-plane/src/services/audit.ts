import { wrap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actorId, SYSTEM_PRINCIPAL, type Principal } from '../auth/roles.js';
import { AuditEntry } from '../db/entities/index.js';
import type { ConfigLog, RecordChange } from './config-log.js';

/** Where an admin request came from, for the audit log. */
export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
}

/** An authenticated admin caller and their request: what every service operation takes. */
export interface Actor {
  readonly principal: Principal;
  readonly meta: RequestMeta;
}

export const NO_REQUEST_META: RequestMeta = { ip: null, userAgent: null, requestId: null };

/** The control plane acting on its own (seeding, scheduled jobs). */
export const SYSTEM_ACTOR: Actor = { principal: SYSTEM_PRINCIPAL, meta: NO_REQUEST_META };

export interface AuditRecord {
  /** `key.create`, `user.update`, … (the policy's action names, plus verbs such as `key.regenerate`). */
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  /** The tenant of the entity, so org admins can read their organization's entries. */
  readonly orgId: string | null;
  readonly before?: object | null;
  readonly after?: object | null;
}

/** One admin write: the transaction's entity manager, the config-change recorder, and the audit recorder. */
export interface AdminTx {
  readonly em: EntityManager;
  readonly record: RecordChange;
  audit(entry: AuditRecord): void;
}

/** A field that holds a secret by its name (`keyHash`, `password`, `clientSecret`, `api_key` in a key's metadata). */
const SECRET_FIELD = /(hash|password|passwd|secret|token|api[-_]?key|private[-_]?key|credentials?)$/i;

/**
 * An entity as the audit log stores it: its serialised fields (MikroORM leaves out `hidden` ones, which is where
 * key hashes and password hashes are), references as ids, and any field whose name says it holds a secret replaced
 * by `[redacted]` as a second guard.
 */
export function auditView(entity: object | null | undefined): Record<string, unknown> | null {
  if (entity == null) return null;
  const wrapped = wrap(entity as never, true) as unknown as { toObject(): Record<string, unknown>; __meta: { relations: Array<{ name: string }> } };
  const plain = wrapped.toObject();
  // A relation loaded in this transaction serialises as the whole entity (a membership's team, its spend and
  // metadata and all): kept as its id, as an unloaded one is.
  for (const { name } of wrapped.__meta.relations) {
    const value = plain[name];
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { id?: unknown }).id === 'string') plain[name] = (value as { id: string }).id;
  }
  return redact(plain);
}

/** `value` with every field named like a secret replaced, at any depth (free-form metadata and settings included). */
function redact(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(value)) {
    out[field] = SECRET_FIELD.test(field) ? '[redacted]' : redactWithin(v, depth + 1);
  }
  return out;
}

function redactWithin(value: unknown, depth: number): unknown {
  if (depth > 16 || typeof value !== 'object' || value === null || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => redactWithin(item, depth + 1));
  return redact(value as Record<string, unknown>, depth);
}

/**
 * Runs admin writes: each in one transaction (under the config lock, see ConfigLog) that writes the change, the
 * config-change rows data planes follow, and the audit entries. Commit or rollback covers all three.
 */
export class AdminWriter {
  constructor(private readonly configLog: ConfigLog) {}

  run<T>(actor: Actor, work: (tx: AdminTx) => Promise<T>): Promise<T> {
    return this.configLog.change(async (em, record) =>
      work({
        em,
        record,
        audit: (entry) => {
          em.persist(
            em.create(AuditEntry, {
              actorId: actorId(actor.principal),
              actorRole: actor.principal.role,
              credential: actor.principal.credential,
              action: entry.action,
              entityType: entry.entityType,
              entityId: entry.entityId,
              orgId: entry.orgId,
              before: entry.before ? redact({ ...entry.before }) : null,
              after: entry.after ? redact({ ...entry.after }) : null,
              ip: actor.meta.ip,
              userAgent: actor.meta.userAgent,
              requestId: actor.meta.requestId,
            }),
          );
        },
      }),
    );
  }
}

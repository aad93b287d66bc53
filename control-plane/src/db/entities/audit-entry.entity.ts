import { BigIntType, Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One administrative change: who (actor, their role and credential), what (action, entity), the values before and
 * after (secrets never included), and where from (IP, user agent, request id). Written in the transaction of the
 * change itself, so a change without its entry (or the reverse) cannot exist. Append-only; purged by age.
 */
@Entity({ tableName: 'audit_entry' })
@Index({ properties: ['at'] })
@Index({ properties: ['actorId', 'at'] })
@Index({ properties: ['entityType', 'entityId', 'at'] })
export class AuditEntry {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  at: Opt<Date> = new Date();

  /** The user id, or `master` for the master key. */
  @Property({ type: 'text' })
  actorId!: string;

  @Property({ type: 'text' })
  actorRole!: string;

  /** master_key, session, management_key. */
  @Property({ type: 'text' })
  credential!: string;

  /** `key.create`, `user.update`, … */
  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  entityType!: string;

  @Property({ type: 'text' })
  entityId!: string;

  /** The organization the entity belongs to (null: none, or proxy-wide), for org admins' view of the log. */
  @Index()
  @Property({ type: 'uuid', nullable: true })
  orgId: string | null = null;

  @Property({ type: 'json', nullable: true })
  before: Record<string, unknown> | null = null;

  @Property({ type: 'json', nullable: true })
  after: Record<string, unknown> | null = null;

  @Property({ type: 'text', nullable: true })
  ip: string | null = null;

  @Property({ type: 'text', nullable: true })
  userAgent: string | null = null;

  @Property({ type: 'text', nullable: true })
  requestId: string | null = null;
}

import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import { USER_ROLES, type UserRole } from '../../auth/roles.js';
import { Governed } from './governed.js';
import { Organization } from './organization.entity.js';

/** A person who administers or uses the gateway. Proxy admins and viewers may belong to no organization. */
@Entity({ tableName: 'app_user' })
@Unique({
  name: 'app_user_email_live_unique',
  expression: 'create unique index "app_user_email_live_unique" on "app_user" (lower("email")) where "deleted_at" is null',
})
export class User extends Governed {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text', nullable: true })
  name: string | null = null;

  @Enum({ items: () => [...USER_ROLES] })
  role!: UserRole;

  @Index()
  @ManyToOne({ entity: () => Organization, nullable: true, ref: true, deleteRule: 'restrict' })
  organization: Ref<Organization> | null = null;

  /** scrypt hash (`scrypt$N$r$p$salt$hash`, see auth/passwords.ts); null until a password is set. Never serialised. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  passwordHash: string | null = null;

  /** Subject of the single-sign-on identity linked to this user (later). */
  @Property({ type: 'text', nullable: true })
  ssoSubject: string | null = null;

  @Property({ type: 'boolean', default: false })
  blocked: Opt<boolean> = false;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;
}

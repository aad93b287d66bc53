import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { KEY_TYPES, type KeyType } from '../../auth/roles.js';
import { money } from './columns.js';
import { Organization } from './organization.entity.js';
import { Team } from './team.entity.js';
import { User } from './user.entity.js';

@Entity({ tableName: 'virtual_key' })
export class VirtualKey {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /**
   * Lower-case hex sha-256 of the key; the key itself is never stored. Hidden from serialisation and lazy so a
   * list query or an accidental `JSON.stringify` cannot leak it; only the config snapshot asks for it.
   */
  @Property({ type: 'text', unique: true, hidden: true, lazy: true })
  hash!: string;

  /** Non-secret start of the key, shown in lists so people can tell keys apart. */
  @Property({ type: 'text' })
  prefix!: string;

  @Property({ type: 'text', nullable: true })
  alias: string | null = null;

  @Index()
  @ManyToOne({ entity: () => Team, nullable: true, ref: true, deleteRule: 'restrict' })
  team: Ref<Team> | null = null;

  /** The organization the key belongs to: its team's, or its owner's for a key without a team. */
  @Index()
  @ManyToOne({ entity: () => Organization, nullable: true, ref: true, deleteRule: 'restrict' })
  organization: Ref<Organization> | null = null;

  /** The user the key was made for; null for keys made with the master key for no one in particular. */
  @Index()
  @ManyToOne({ entity: () => User, nullable: true, ref: true, deleteRule: 'restrict' })
  owner: Ref<User> | null = null;

  /**
   * `llm_api` keys call models through the data plane; `management` keys call this API with their owner's role;
   * `read_only` keys call it with their owner's role limited to reads. Only `llm_api` keys reach data planes.
   */
  @Enum({ items: () => [...KEY_TYPES], default: 'llm_api' })
  keyType: Opt<KeyType> = 'llm_api';

  /** Model names this key may use; empty means whatever its team may use. */
  @Property({ type: ArrayType, default: '{}' })
  models: Opt<string[]> = [];

  @Property({ ...money(), nullable: true })
  maxBudget: number | null = null;

  @Property({ ...money(), default: 0 })
  spend: Opt<number> = 0;

  @Property({ type: 'boolean', default: false })
  blocked: Opt<boolean> = false;

  @Property({ type: 'datetime', nullable: true })
  expiresAt: Date | null = null;

  @Index()
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;
}

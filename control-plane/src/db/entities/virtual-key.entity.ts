import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { money } from './columns.js';
import { Team } from './team.entity.js';

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

import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/** Process-wide settings that must survive restarts, e.g. the master key's sha-256. */
@Entity({ tableName: 'setting' })
export class Setting {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'text' })
  value!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}

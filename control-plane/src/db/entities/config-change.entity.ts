import { BigIntType, Entity, Enum, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * What data planes follow. `org`, `user`, `end_user` and `tag` (governed subjects) go only to data planes that
 * listed the `governedSubjects` config feature; `router` (the router settings, one row) only to those that listed
 * `routing`.
 */
export const CONFIG_ENTITIES = ['model', 'team', 'key', 'org', 'user', 'end_user', 'tag', 'router'] as const;
export type ConfigEntity = (typeof CONFIG_ENTITIES)[number];
export const CONFIG_OPS = ['upsert', 'delete'] as const;
export type ConfigOp = (typeof CONFIG_OPS)[number];

/**
 * One row per config mutation. `version` (bigserial) is the config version data planes track. Rows are written
 * under a transaction-scoped advisory lock, so a version is only visible once every lower one has committed or
 * rolled back: readers may see gaps (a rolled-back insert still consumed its number) but never a later version
 * before an earlier one.
 */
@Entity({ tableName: 'config_change' })
export class ConfigChange {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  version!: number;

  @Enum({ items: () => [...CONFIG_ENTITIES] })
  entity!: ConfigEntity;

  @Property({ type: 'uuid' })
  entityId!: string;

  @Enum({ items: () => [...CONFIG_OPS] })
  op!: ConfigOp;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  constructor(entity: ConfigEntity, entityId: string, op: ConfigOp) {
    this.entity = entity;
    this.entityId = entityId;
    this.op = op;
  }
}

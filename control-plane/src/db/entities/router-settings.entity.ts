import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The one row's id. A fixed uuid rather than a boolean key so the row has an id like every other config entity:
 * `config_change.entity_id` and the audit log's `entity_id` name it.
 */
export const ROUTER_SETTINGS_ID = '00000000-0000-4000-8000-000000000001';

/**
 * The gateway-wide routing and resilience settings (the schema's `RouterConfig`): one row, with the id above, made
 * by the first change (no row: every setting is at its default).
 *
 * A table of its own rather than a JSON value in `setting`: the row is a config entity data planes follow (it has
 * an id for `config_change` and the audit log) and the config file may own it (`managedBy`), like models and teams.
 */
@Entity({ tableName: 'router_settings' })
export class RouterSettings {
  @PrimaryKey({ type: 'uuid' })
  id: string = ROUTER_SETTINGS_ID;

  /**
   * Only the settings that were set, by name (`RouterConfig` fields); the others take the defaults of the release
   * that reads the row, so a release that improves a default improves it for every gateway that never chose.
   */
  @Property({ type: 'json', default: '{}' })
  settings: Opt<Record<string, unknown>> = {};

  /** `file` while the config file declares the settings (read-only through the API); null otherwise. */
  @Property({ type: 'text', nullable: true })
  managedBy: string | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}

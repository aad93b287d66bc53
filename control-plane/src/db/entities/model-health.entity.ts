import { Entity, Enum, type Opt, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { HealthCheckMode } from '@tollgate/schema';

/**
 * The latest active health check of each deployment by each data plane (admin-triggered or periodic), written by
 * `reportModelHealth` (`services/model-health.ts`, raw SQL upserts). Latest only, not a history: what an admin asks is
 * "is it up now, seen from where", and one row per deployment and data plane keeps the table as small as the config.
 * Per data plane, because each resolves the provider credentials from its own environment and reaches the provider
 * over its own network: one can fail where another succeeds. An older result never replaces a newer one.
 *
 * `modelId` is not a foreign key: reports are only stored for ids that name a model (the upsert joins `model`), and
 * models are soft-deleted, so rows of deleted models simply stop being listed. Rows of a data plane that has reported
 * nothing for `MODEL_HEALTH_RETENTION_DAYS` (data plane ids are `<hostname>-<pid>` by default, so each restart is a
 * new one) are deleted by the next report. No index besides the key: the table is as small as the config times the
 * data planes, and every statement on it but the key lookups reads it whole anyway.
 */
@Entity({ tableName: 'model_health' })
export class ModelHealth {
  [PrimaryKeyProp]?: ['modelId', 'dataPlaneId'];

  @PrimaryKey({ type: 'uuid' })
  modelId!: string;

  @PrimaryKey({ type: 'text' })
  dataPlaneId!: string;

  @Property({ type: 'boolean' })
  healthy!: boolean;

  @Property({ type: 'integer' })
  latencyMs!: number;

  @Enum({ items: () => [...HealthCheckMode.options] })
  mode!: HealthCheckMode;

  /** The mapped provider error (never a credential); null when healthy. */
  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  /** When the data plane checked (its clock). */
  @Property({ type: 'datetime' })
  checkedAt!: Date;

  /** The `checkModelHealth` request it answered; null for a periodic check. */
  @Property({ type: 'uuid', nullable: true })
  requestId: string | null = null;

  /** When the control plane stored it (database clock): what retention and waiting requests go by. */
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  reportedAt: Opt<Date> = new Date();
}

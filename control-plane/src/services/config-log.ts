import type { EntityManager } from '@mikro-orm/postgresql';
import { ConfigChange, type ConfigEntity, type ConfigOp } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';

/** Records that an entity changed; the row is written in the same transaction as the change itself. */
export type RecordChange = (entity: ConfigEntity, entityId: string, op: ConfigOp) => void;

/**
 * Serialises config writers. `pg_advisory_xact_lock` is taken before anything else in the transaction, so the
 * `config_change` version (a sequence value drawn at insert time) is drawn while holding the lock and committed
 * before the next writer can draw one: versions become visible in order. The lock is released by commit or
 * rollback, never held across transactions.
 */
const LOCK_SQL = `select pg_advisory_xact_lock(hashtext('tollgate.config_change'))`;

export class ConfigLog {
  constructor(
    private readonly orm: Orm,
    /** Runs after every committed config change; the publisher reacts by sending deltas. */
    private readonly onCommitted: () => void,
  ) {}

  /** Runs `work` in a transaction that holds the config lock and appends the changes it records. */
  async change<T>(work: (em: EntityManager, record: RecordChange) => Promise<T>): Promise<T> {
    let recorded = 0;
    const result = await this.orm.em.fork().transactional(async (em) => {
      await em.execute(LOCK_SQL);
      return work(em, (entity, entityId, op) => {
        recorded += 1;
        em.persist(new ConfigChange(entity, entityId, op));
      });
    });
    // With several control-plane replicas this is where a `pg_notify('tollgate_config', version)` (sent inside
    // the transaction above) would be received by every replica's LISTEN connection instead.
    if (recorded > 0) this.onCommitted();
    return result;
  }

  /** The highest committed config version (0 before the first change). */
  async currentVersion(em: EntityManager = this.orm.em.fork()): Promise<number> {
    const rows = await em.execute<{ version: string | null }[]>(
      'select max("version")::text as "version" from "config_change"',
    );
    return Number(rows[0]?.version ?? 0);
  }
}

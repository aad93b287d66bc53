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

/** The NOTIFY channel every control plane LISTENs on; the payload is the committed config version. */
export const CONFIG_CHANNEL = 'tollgate_config';

/**
 * Sent inside the config transaction: PostgreSQL delivers a notification only when (and if) the transaction
 * commits, so no replica hears of a change it cannot read yet. Still under the lock, the highest version is ours.
 */
const NOTIFY_SQL = `select pg_notify('${CONFIG_CHANNEL}', max("version")::text) from "config_change"`;

/** The `setting` row holding the highest purged change version. */
const PURGED_THROUGH_SETTING = 'config_change_purged_through';

export class ConfigLog {
  constructor(
    private readonly orm: Orm,
    /**
     * Runs after every config change this process commits, so its own subscribers hear at once. Other replicas
     * hear through the NOTIFY (see `PgListener`); the publisher coalesces the two.
     */
    private readonly onCommitted: () => void,
  ) {}

  /** Runs `work` in a transaction that holds the config lock and appends the changes it records. */
  async change<T>(work: (em: EntityManager, record: RecordChange) => Promise<T>): Promise<T> {
    let recorded = 0;
    const result = await this.orm.em.fork().transactional(async (em) => {
      await em.execute(LOCK_SQL);
      const value = await work(em, (entity, entityId, op) => {
        recorded += 1;
        em.persist(new ConfigChange(entity, entityId, op));
      });
      if (recorded > 0) {
        // Flushed here rather than at commit so the version exists for the notification.
        await em.flush();
        await em.execute(NOTIFY_SQL);
      }
      return value;
    });
    if (recorded > 0) this.onCommitted();
    return result;
  }

  /**
   * Deletes change rows that are both older than `olderThanMs` and not among the newest `keepRows` (never the
   * newest row: the config version is the highest row), and records the highest deleted version as
   * `purgedThrough` in the same transaction, so publishers know which versions they can no longer build deltas
   * from. Returns how many rows went.
   */
  async purge(em: EntityManager, { olderThanMs, keepRows }: { olderThanMs: number; keepRows: number }): Promise<number> {
    const keep = Math.max(1, Math.floor(keepRows));
    const [purged] = await em.execute<Array<{ deleted: number; through: string | null }>>(
      `with "doomed" as (
         delete from "config_change"
         where "version" <= (select max("version") from "config_change") - ?
           and "created_at" < now() - make_interval(secs => ?)
         returning "version"
       )
       select count(*)::int as "deleted", max("version")::text as "through" from "doomed"`,
      [keep, olderThanMs / 1000],
    );
    if (!purged?.through) return 0;
    await em.execute(
      `insert into "setting" ("key", "value") values (?, ?)
       on conflict ("key") do update set "value" = greatest("setting"."value"::bigint, excluded."value"::bigint)::text,
         "updated_at" = now()`,
      [PURGED_THROUGH_SETTING, purged.through],
    );
    return purged.deleted;
  }

  /** The highest change version deleted by `purge` (0 if none): nobody can get a delta starting below it. */
  async purgedThrough(em: EntityManager): Promise<number> {
    const rows = await em.execute<Array<{ value: string }>>('select "value" from "setting" where "key" = ?', [
      PURGED_THROUGH_SETTING,
    ]);
    return Number(rows[0]?.value ?? 0);
  }

  /** The highest committed config version (0 before the first change). */
  async currentVersion(em: EntityManager = this.orm.em.fork()): Promise<number> {
    const rows = await em.execute<{ version: string | null }[]>(
      'select max("version")::text as "version" from "config_change"',
    );
    return Number(rows[0]?.version ?? 0);
  }
}

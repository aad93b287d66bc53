import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Orm } from '../db/orm.js';
import { silentLogger } from '../logger.js';
import { SYSTEM_ACTOR } from '../services/audit.js';
import { createServices, type Services } from '../services/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { configChangeRetention } from './config-change-retention.js';
import { JobRunner } from './runner.js';

let db: TestDatabase;
let orm: Orm;
/** The replica making changes. */
let writer: Services;
/** Another replica, whose publisher is never notified of the writer's changes (as if every NOTIFY was lost). */
let reader: Services;
beforeAll(async () => {
  db = await createTestDatabase();
  orm = await openDatabase(db.url);
  writer = createServices({ orm, logger: silentLogger });
  reader = createServices({ orm, logger: silentLogger });
});
afterAll(async () => {
  await reader?.configPublisher.stop();
  await orm?.close(true);
  await db?.drop();
});

const versions = async () =>
  (await orm.em.fork().execute<Array<{ version: string }>>('select "version"::text as "version" from "config_change" order by "config_change"."version"')).map((r) =>
    Number(r.version),
  );
const age = (days: number, olderThan = Number.MAX_SAFE_INTEGER) =>
  orm.em.fork().execute(`update "config_change" set "created_at" = now() - make_interval(days => ?) where "version" <= ?`, [
    days,
    olderThan,
  ]);

describe('the config-change retention job', () => {
  it('should delete old rows beyond the newest ones, keep the config version, and make lagging publishers send snapshots', async () => {
    await reader.configPublisher.start();
    const stream = reader.configPublisher.subscribe();
    const first = (await stream.next()).value!;
    expect(first.message.kind).toBe('snapshot');

    const keys = [];
    for (let i = 0; i < 10; i++) keys.push(await writer.keys.create(SYSTEM_ACTOR, { alias: `k${i}` }));
    const all = await versions();
    const head = all.at(-1)!;
    await age(2, all[7]!); // all but the two newest are two days old

    const runner = new JobRunner(orm, silentLogger).register(
      configChangeRetention(writer.configLog, { keepRows: 4, olderThanMs: 24 * 60 * 60_000 }),
    );
    expect(await runner.runNow('config-change-retention')).toMatchObject({ outcome: 'succeeded' });
    // The four newest stay (two of them old enough to go), and the version is still the newest row's.
    expect(await versions()).toEqual(all.slice(-4));
    expect(await writer.configLog.currentVersion()).toBe(head);
    expect(await writer.configLog.purgedThrough(orm.em.fork())).toBe(all.at(-5));

    // The reader's publisher last read before the purged rows: a delta from there would miss six keys, so its
    // subscriber gets a full snapshot instead.
    reader.configPublisher.notify();
    const next = (await stream.next()).value!;
    expect(next.message).toMatchObject({ kind: 'snapshot', version: head });
    if (next.message.kind !== 'snapshot') return;
    expect(next.message.snapshot.keys.map((k) => k.alias)).toEqual(keys.map((k) => k.key.alias));

    // Nothing is young enough to keep but the newest rows: a second run deletes down to them, never below one.
    await age(2);
    expect(await runner.runNow('config-change-retention')).toMatchObject({ outcome: 'not-due' });
    const again = new JobRunner(orm, silentLogger, { intervalsMs: { 'config-change-retention': 1 } }).register(
      configChangeRetention(writer.configLog, { keepRows: 0 }),
    );
    expect(await again.runNow('config-change-retention')).toMatchObject({ outcome: 'succeeded' });
    expect(await versions()).toEqual([head]);
    expect(await writer.configLog.purgedThrough(orm.em.fork())).toBe(all.at(-2));
    await stream.return?.();
  });
});

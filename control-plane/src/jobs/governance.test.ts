import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashKey } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry, BudgetAlert, ConfigChange, Team, VirtualKey } from '../db/entities/index.js';
import { openDatabase, type Orm } from '../db/orm.js';
import { silentLogger } from '../logger.js';
import { SYSTEM_ACTOR } from '../services/audit.js';
import { createServices, type Services } from '../services/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { MemoryLogger } from '../testing/harness.js';
import { usageEvent } from '../testing/usage-event.js';
import { auditRetention, budgetReset, keyAutoRotation, keyLapses, unrotatedKeysWarning } from './governance.js';
import { JobRunner } from './runner.js';

let db: TestDatabase;
let orm: Orm;
let services: Services;
beforeAll(async () => {
  db = await createTestDatabase();
  orm = await openDatabase(db.url);
  services = createServices({ orm, logger: silentLogger });
});
afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

const sql = (query: string, params: unknown[] = []) => orm.em.fork().execute(query, params);
const key = (id: string) => orm.em.fork().findOneOrFail(VirtualKey, { id }, { populate: ['hash', 'previousHash'] });
const changesFor = async (id: string) => (await orm.em.fork().find(ConfigChange, { entityId: id })).length;

/** Runs one job once, the way the scheduler would. */
async function runOnce(job: ReturnType<typeof budgetReset>, logger = silentLogger) {
  const runner = new JobRunner(orm, logger).register(job);
  const attempt = await runner.runNow(job.name);
  await runner.stop();
  return attempt;
}

describe('budget-reset', () => {
  it('zeroes spend of subjects whose period ended, moves their reset time on in whole periods, and tells data planes about keys and teams', async () => {
    const daily = (await services.keys.create(SYSTEM_ACTOR, { alias: 'daily', maxBudget: 5, budgetDuration: '1d' })).key.id;
    const monthly = (await services.keys.create(SYSTEM_ACTOR, { alias: 'monthly', maxBudget: 5, budgetDuration: '1mo' })).key.id;
    const running = (await services.keys.create(SYSTEM_ACTOR, { alias: 'running', maxBudget: 5, budgetDuration: '7d' })).key.id;
    const team = (await services.teams.create(SYSTEM_ACTOR, { name: 'reset-team' })).team.id;
    // Periods that ended: 2.5 days ago for the daily key (downtime: three periods missed), a month ago for the
    // monthly one; the weekly one is mid-period. The team has a duration set but never had a reset time.
    await sql(`update "virtual_key" set "spend" = 4, "budget_reset_at" = now() - interval '60 hours' where "id" = ?`, [daily]);
    await sql(`update "virtual_key" set "spend" = 3, "budget_reset_at" = now() - interval '31 days' where "id" = ?`, [monthly]);
    await sql(`update "virtual_key" set "spend" = 2 where "id" = ?`, [running]);
    await sql(`update "team" set "spend" = 1, "budget_duration" = '1h' where "id" = ?`, [team]);
    const before = { daily: await changesFor(daily), team: await changesFor(team), running: await changesFor(running) };
    const dailyBefore = (await key(daily)).budgetResetAt!;

    expect((await runOnce(budgetReset(services.writer))).outcome).toBe('succeeded');

    const d = await key(daily);
    expect(d.spend).toBe(0);
    // Aligned to the old period: 3 whole days after the old reset time, i.e. 12 hours from now.
    expect(d.budgetResetAt!.getTime() - dailyBefore.getTime()).toBe(3 * 86_400_000);
    const m = await key(monthly);
    expect(m.spend).toBe(0);
    expect(m.budgetResetAt!.getUTCDate()).toBe(1);
    expect(m.budgetResetAt!.getUTCHours()).toBe(0);
    expect(m.budgetResetAt!.getTime()).toBeGreaterThan(Date.now());
    expect((await key(running)).spend).toBe(2);
    const t = await orm.em.fork().findOneOrFail(Team, { id: team });
    expect(t.spend).toBe(1); // no period had started: only its reset time is set now
    expect(t.budgetResetAt!.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    expect(await changesFor(daily)).toBe(before.daily + 1);
    expect(await changesFor(team)).toBe(before.team + 1);
    expect(await changesFor(running)).toBe(before.running);
    const entries = await orm.em.fork().find(AuditEntry, { action: 'budget.reset' });
    const keyReset = entries.find((e) => e.entityType === 'virtual_key')!.after as { reset: number; subjects: Array<{ id: string; spendBefore: number }> };
    expect(keyReset.reset).toBe(2);
    expect(keyReset.subjects).toEqual(expect.arrayContaining([{ id: daily, spendBefore: 4 }, { id: monthly, spendBefore: 3 }]));
    expect(entries.find((e) => e.entityType === 'team')!.after).toEqual({ reset: 1, subjects: [{ id: team, spendBefore: 1 }] });
    expect(entries.every((e) => e.actorId === 'system')).toBe(true);

    // Spend made in the new period before the job ran (it runs every minute) stays the new period's.
    const hourly = (await services.keys.create(SYSTEM_ACTOR, { alias: 'hourly', maxBudget: 5, budgetDuration: '1h' })).key.id;
    await sql(`update "virtual_key" set "spend" = 4, "budget_reset_at" = now() - interval '30 seconds' where "id" = ?`, [hourly]);
    const ledger = (id: string, cost: string, startedAt: string) =>
      sql(
        `insert into "spend_log" ("request_id", "key_id", "model", "route", "stream", "status", "http_status", "prompt_tokens", "completion_tokens", "total_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "estimated", "cost", "started_at", "duration_ms", "data_plane_id", "tags", "metadata")
         values (gen_random_uuid()::text, ?, 'm', '/v1/chat/completions', false, 'success', 200, 1, 1, 2, 0, 0, 0, false, ?, ${startedAt}, 1, 'dp', '{}', '{}')`,
        [id, cost],
      );
    await ledger(hourly, '0.75', `now() - interval '10 seconds'`);
    await ledger(hourly, '3.25', `now() - interval '40 seconds'`);
    await runOnce(budgetReset(services.writer, 1));
    expect((await key(hourly)).spend).toBe(0.75);

    // A new period already past a budget (spent before the job ran) alerts at the reset, not with the next request.
    const overNow = (await services.keys.create(SYSTEM_ACTOR, { alias: 'over-at-reset', softBudget: 0.5, budgetDuration: '1h' })).key.id;
    await sql(`update "virtual_key" set "spend" = 9, "budget_reset_at" = now() - interval '30 seconds' where "id" = ?`, [overNow]);
    await ledger(overNow, '0.75', `now() - interval '10 seconds'`);
    await runOnce(budgetReset(services.writer, 1));
    expect(await orm.em.fork().find(BudgetAlert, { subjectId: overNow })).toMatchObject([{ threshold: 'soft_budget', spend: 0.75 }]);

    // Nothing is due now: a second run changes nothing.
    const again = await runOnce(budgetReset(services.writer, 1));
    expect(again.outcome).toBe('succeeded');
    expect((await key(daily)).budgetResetAt).toEqual(d.budgetResetAt);
  });

  it('loses nothing ingested while it runs: the new period keeps every request a concurrent ingest added', async () => {
    const event = (keyId: string) => usageEvent(keyId, 1, { promptTokens: 1, completionTokens: 1, totalTokens: 2, durationMs: 1 });
    for (let round = 0; round < 4; round++) {
      const id = (await services.keys.create(SYSTEM_ACTOR, { alias: `racing-${round}`, maxBudget: 1_000, budgetDuration: '1h' })).key.id;
      // The last period (spend 50) ended a moment ago; requests of the new one arrive in 30 batches as the reset runs.
      await sql(`update "virtual_key" set "spend" = 50, "budget_reset_at" = now() - interval '1 second' where "id" = ?`, [id]);
      const batches = Array.from({ length: 30 }, (_, i) => new Promise((resolve) => setTimeout(resolve, i * 3)).then(() => services.usage.ingest([event(id)])));
      await new Promise((resolve) => setTimeout(resolve, 40));
      await runOnce(budgetReset(services.writer, 1));
      await Promise.all(batches);
      const [ledger] = (await sql(`select count(*)::int as "n" from "spend_log" where "key_id" = ?`, [id])) as Array<{ n: number }>;
      expect(ledger!.n).toBe(30);
      expect((await key(id)).spend, `round ${round}`).toBe(30);
    }
  });
});

describe('key-lapses', () => {
  it('clears a lapsed budget raise and a regenerated key\'s expired old secret, and keeps live ones', async () => {
    const created = await services.keys.create(SYSTEM_ACTOR, { alias: 'lapsing', maxBudget: 1 });
    const id = created.key.id;
    await services.keys.update(SYSTEM_ACTOR, id, { tempBudgetIncrease: 10, tempBudgetExpiresAt: new Date(Date.now() + 3_600_000) });
    await services.keys.regenerate(SYSTEM_ACTOR, id, { gracePeriodSeconds: 3600 });
    expect((await key(id)).previousHash).toBe(hashKey(created.plaintext));
    await runOnce(keyLapses(services.writer));
    expect(await key(id)).toMatchObject({ tempBudgetIncrease: 10, previousHash: hashKey(created.plaintext) });

    // Spent 4 under the raise (budget 11): over the budget of 1 the lapse leaves.
    await sql(`update "virtual_key" set "spend" = 4, "temp_budget_expires_at" = now() - interval '1 second', "previous_hash_expires_at" = now() - interval '1 second' where "id" = ?`, [id]);
    const changes = await changesFor(id);
    await runOnce(keyLapses(services.writer, 1));
    expect(await key(id)).toMatchObject({ tempBudgetIncrease: null, tempBudgetExpiresAt: null, previousHash: null, previousHashExpiresAt: null, maxBudget: 1 });
    expect(await changesFor(id)).toBe(changes + 1);
    // Its hard-budget alert at once, not with a request its data planes now refuse anyway.
    expect(await orm.em.fork().find(BudgetAlert, { subjectId: id })).toMatchObject([{ threshold: 'max_budget', budget: 1, spend: 4 }]);
  });
});

describe('audit-retention', () => {
  it('deletes entries older than the retention period only', async () => {
    await services.teams.create(SYSTEM_ACTOR, { name: 'old-news' });
    await services.teams.create(SYSTEM_ACTOR, { name: 'recent-news' });
    await sql(`update "audit_entry" set "at" = now() - interval '40 days' where "after"->>'name' = 'old-news'`);
    await runOnce(auditRetention(30));
    const names = (await orm.em.fork().find(AuditEntry, { action: 'team.create' })).map((e) => e.after?.['name']);
    expect(names).toContain('recent-news');
    expect(names).not.toContain('old-news');
  });
});

describe('key-auto-rotation', () => {
  let webhook: Server;
  let url: string;
  let status = 200;
  const received: Array<Record<string, unknown>> = [];
  const headers: Array<{ id: string; timestamp: string; signature: string | undefined; body: string }> = [];
  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (status === 200 && req.method === 'POST') {
          received.push(JSON.parse(body) as Record<string, unknown>);
          headers.push({ id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), signature: req.headers['webhook-signature'] as string | undefined, body });
        }
        // A 302 to itself: a client that followed it would come back with a GET, without the secret, and get a 200.
        res.writeHead(req.method === 'GET' ? 200 : status, status === 302 ? { location: '/rotated' } : {}).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/rotated`;
  });
  afterAll(() => new Promise<void>((resolve) => webhook.close(() => resolve())));

  it('rotates due keys only after the webhook took the new secret; the old one keeps working for the grace period', async () => {
    const created = await services.keys.create(SYSTEM_ACTOR, { alias: 'rotating', autoRotateDays: 30 });
    const notDue = await services.keys.create(SYSTEM_ACTOR, { alias: 'fresh', autoRotateDays: 30 });
    const id = created.key.id;
    await sql(`update "virtual_key" set "created_at" = now() - interval '31 days' where "id" = ?`, [id]);

    status = 500;
    await runOnce(keyAutoRotation(services.writer, { webhookUrl: url }));
    expect((await key(id)).hash).toBe(hashKey(created.plaintext)); // not delivered, not rotated
    status = 302;
    await runOnce(keyAutoRotation(services.writer, { webhookUrl: url, intervalMs: 1 }));
    expect((await key(id)).hash).toBe(hashKey(created.plaintext)); // a redirect is not a delivery

    status = 200;
    const secret = `whsec_${Buffer.from('rotation-secret!').toString('base64')}`;
    await runOnce(keyAutoRotation(services.writer, { webhookUrl: url, intervalMs: 1, secret }));
    expect(received).toHaveLength(1);
    // Signed as Standard Webhooks signs, so the receiver can tell Tollgate from anyone posting it a "new key".
    const [sent] = headers;
    expect(sent!.id).toMatch(/^rotation_[0-9a-f-]{36}$/);
    expect(sent!.signature).toBe(`v1,${createHmac('sha256', Buffer.from('rotation-secret!')).update(`${sent!.id}.${sent!.timestamp}.${sent!.body}`).digest('base64')}`);
    const delivered = received[0]!;
    expect(delivered).toMatchObject({ keyId: id, alias: 'rotating', key: expect.stringMatching(/^sk-tg-/) });
    const rotated = await key(id);
    expect(rotated.hash).toBe(hashKey(delivered['key'] as string));
    expect(rotated.previousHash).toBe(hashKey(created.plaintext));
    expect(rotated.previousHashExpiresAt!.getTime() - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect((await key(notDue.key.id)).rotatedAt).toBeNull();
  });

  it('without a webhook leaves due keys alone and says so in the log', async () => {
    const due = await services.keys.create(SYSTEM_ACTOR, { alias: 'due-nowhere', autoRotateDays: 1 });
    await sql(`update "virtual_key" set "created_at" = now() - interval '2 days' where "id" = ?`, [due.key.id]);
    await sql(`delete from "job_run" where "name" = 'key-auto-rotation'`); // the same job name ran just above
    const logger = new MemoryLogger();
    expect((await runOnce(unrotatedKeysWarning(), logger)).outcome).toBe('succeeded');
    expect((await key(due.key.id)).hash).toBe(hashKey(due.plaintext));
    expect(logger.lines.join('\n')).toMatch(/TOLLGATE_KEY_ROTATION_WEBHOOK is not set/);
  });
});

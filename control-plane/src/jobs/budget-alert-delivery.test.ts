import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UsageEventInput } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetAlert } from '../db/entities/index.js';
import { openDatabase, type Orm } from '../db/orm.js';
import { silentLogger, type Logger } from '../logger.js';
import { SYSTEM_ACTOR } from '../services/audit.js';
import { createServices, type Services } from '../services/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { MemoryLogger, startTestControlPlane } from '../testing/harness.js';
import { budgetAlertDelivery, signature, standardSignature, type AlertWebhookOptions } from './budget-alert-delivery.js';
import { controlPlaneJobs } from './index.js';
import { JobRunner } from './runner.js';

let db: TestDatabase;
let orm: Orm;
let services: Services;

/** A real HTTP receiver: answers `status`, keeps every request it got. */
let webhook: Server;
let url: string;
let status = 200;
const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await openDatabase(db.url);
  services = createServices({ orm, logger: silentLogger });
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status, status >= 300 && status < 400 ? { location: '/elsewhere' } : {}).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => webhook?.close(() => resolve()));
  await orm?.close(true);
  await db?.drop();
});

const SECRET = 'alert-webhook-secret';

/** Runs the delivery job once, as the scheduler would (any interval has passed). */
async function deliverOnce(options: Partial<AlertWebhookOptions> = {}, logger: Logger = silentLogger) {
  await orm.em.fork().execute(`delete from "job_run" where "name" = 'budget-alert-delivery'`);
  const runner = new JobRunner(orm, logger).register(budgetAlertDelivery(services.budgetAlerts, { webhookUrl: url, secret: SECRET, ...options }));
  const attempt = await runner.runNow('budget-alert-delivery');
  await runner.stop();
  return attempt;
}

function usage(keyId: string, cost: number): UsageEventInput {
  return {
    requestId: randomUUID(), keyId, teamId: null, model: 'gpt-4o', modelId: null, provider: 'openai', route: '/v1/chat/completions',
    stream: false, status: 'success', httpStatus: 200, promptTokens: 1, completionTokens: 1, totalTokens: 2, cost,
    startedAt: new Date().toISOString(), durationMs: 1, dataPlaneId: 'dp-test',
  };
}

/** A key whose soft budget a batch has just reached: one alert, undelivered. */
async function alertFor(alias: string, settings: Record<string, unknown> = {}): Promise<BudgetAlert> {
  const { key } = await services.keys.create(SYSTEM_ACTOR, { alias, softBudget: 1, ...settings });
  await services.usage.ingest([usage(key.id, 2)]);
  return orm.em.fork().findOneOrFail(BudgetAlert, { subjectId: key.id });
}
const reload = (alert: BudgetAlert) => orm.em.fork().findOneOrFail(BudgetAlert, { id: alert.id });
const deliveriesOf = (alert: BudgetAlert) => received.filter((r) => r.headers['x-tollgate-alert-id'] === String(alert.id));

describe('budget-alert-delivery', () => {
  it('should say which period an alert belongs to: its start, its end and its length', async () => {
    const alert = await alertFor('webhook-monthly', { budgetDuration: '1mo' });
    status = 200;
    expect((await deliverOnce()).outcome).toBe('succeeded');
    const body = JSON.parse(deliveriesOf(alert)[0]!.body) as Record<string, unknown>;
    const now = new Date();
    expect(body).toMatchObject({
      period: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
      periodStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      budgetDuration: '1mo',
    });
  });

  it('should POST each alert once with a valid signature, and record the delivery', async () => {
    const alert = await alertFor('webhook-once');
    status = 200;
    expect((await deliverOnce()).outcome).toBe('succeeded');

    const [delivery, ...again] = deliveriesOf(alert);
    expect(again).toEqual([]);
    const body = JSON.parse(delivery!.body) as Record<string, unknown>;
    expect(body).toEqual({
      id: String(alert.id),
      type: 'budget_alert',
      threshold: 'soft_budget',
      subject: { kind: 'key', id: alert.subjectId, name: 'webhook-once' },
      organizationId: null,
      teamId: null,
      ownerId: null,
      period: 'none',
      periodStart: null,
      budgetDuration: null,
      budget: 1,
      spend: 2,
      createdAt: alert.createdAt.toISOString(),
    });
    const timestamp = delivery!.headers['x-tollgate-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['x-tollgate-signature']).toBe(signature(SECRET, timestamp, delivery!.body));
    expect(delivery!.headers['x-tollgate-signature']).not.toBe(signature('another secret', timestamp, delivery!.body));
    // And as Standard Webhooks verifies it: HMAC-SHA256 of `id.timestamp.body`, base64, with the secret's bytes.
    expect(delivery!.headers['webhook-id']).toBe(`alert_${alert.id}`);
    expect(delivery!.headers['webhook-timestamp']).toBe(timestamp);
    const expected = createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(`alert_${alert.id}.${timestamp}.${delivery!.body}`).digest('base64');
    expect(delivery!.headers['webhook-signature']).toBe(`v1,${expected}`);
    // A `whsec_` secret is used as those libraries use it: its base64 payload's bytes.
    const whsec = `whsec_${Buffer.from('sixteen byte key').toString('base64')}`;
    expect(standardSignature(whsec, 'msg_1', '1700000000', '{}')).toBe(`v1,${createHmac('sha256', Buffer.from('sixteen byte key')).update('msg_1.1700000000.{}').digest('base64')}`);
    expect(await reload(alert)).toMatchObject({ webhookDeliveredAt: expect.any(Date), webhookAttempts: 1, webhookLastError: null });

    await deliverOnce();
    expect(deliveriesOf(alert)).toHaveLength(1);
  });

  it('should retry after a failed delivery, not before its backoff, until the webhook accepts', async () => {
    const alert = await alertFor('webhook-retry');
    status = 500;
    await deliverOnce({ retryBaseMs: 60_000 });
    expect(deliveriesOf(alert)).toHaveLength(1);
    expect(await reload(alert)).toMatchObject({ webhookDeliveredAt: null, webhookAttempts: 1, webhookLastError: 'alert webhook answered 500' });
    const { webhookNextAttemptAt } = await reload(alert);
    expect(webhookNextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(50_000);

    status = 200;
    await deliverOnce();
    expect(deliveriesOf(alert)).toHaveLength(1); // still backing off

    await orm.em.fork().execute(`update "budget_alert" set "webhook_next_attempt_at" = now() where "id" = ?`, [alert.id]);
    await deliverOnce();
    expect(deliveriesOf(alert)).toHaveLength(2);
    expect(deliveriesOf(alert)[1]!.body).toBe(deliveriesOf(alert)[0]!.body);
    expect(await reload(alert)).toMatchObject({ webhookDeliveredAt: expect.any(Date), webhookAttempts: 2, webhookLastError: null });
  });

  it('should count a redirect as a failed delivery, not follow it to a GET that looks delivered', async () => {
    for (const redirect of [301, 307]) {
      const alert = await alertFor(`webhook-redirect-${redirect}`);
      status = redirect;
      await deliverOnce();
      expect(deliveriesOf(alert)).toHaveLength(1);
      expect(await reload(alert)).toMatchObject({
        webhookDeliveredAt: null,
        webhookAttempts: 1,
        webhookLastError: `alert webhook answered ${redirect}, a redirect to /elsewhere: redirects are not followed; set the webhook URL to where it leads`,
      });
    }
    // Nothing reached the redirect's target.
    expect(received.filter((r) => r.headers['x-tollgate-alert-id'] === undefined)).toHaveLength(0);
    status = 200;
  });

  it('should double the backoff with each failure, up to the maximum', async () => {
    const alert = await alertFor('webhook-backoff');
    status = 503;
    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      await orm.em.fork().execute(`update "budget_alert" set "webhook_next_attempt_at" = null where "id" = ?`, [alert.id]);
      await deliverOnce({ retryBaseMs: 10_000, retryMaxMs: 50_000 });
      waits.push(Math.round(((await reload(alert)).webhookNextAttemptAt!.getTime() - Date.now()) / 10_000));
    }
    expect(waits).toEqual([1, 2, 4, 5]);
    expect(deliveriesOf(alert)).toHaveLength(4);
  });

  it('should give up on alerts older than a day', async () => {
    const alert = await alertFor('webhook-stale');
    await orm.em.fork().execute(`update "budget_alert" set "created_at" = now() - interval '25 hours' where "id" = ?`, [alert.id]);
    status = 200;
    const logger = new MemoryLogger();
    await deliverOnce({}, logger);
    expect(deliveriesOf(alert)).toEqual([]);
    // Said once, in the log and on the alert, not left to fade.
    expect(logger.lines.filter((l) => l.includes('budget alerts not delivered within their last day')).length).toBe(1);
    expect(await reload(alert)).toMatchObject({ webhookDeliveredAt: null, webhookLastError: 'not delivered within 24 hours: given up' });
    const again = new MemoryLogger();
    await deliverOnce({}, again);
    expect(again.lines.join('\n')).not.toMatch(/not delivered within/);
  });

  it('should be scheduled only with a webhook configured; alerts are recorded either way', async () => {
    expect(controlPlaneJobs(services).map((job) => job.name)).not.toContain('budget-alert-delivery');
    expect(controlPlaneJobs(services, { alertWebhook: url }).map((job) => job.name)).toContain('budget-alert-delivery');
    expect((await alertFor('no-webhook')).webhookDeliveredAt).toBeNull();
  });

  it('should warn at start when alerts go to the webhook unsigned', async () => {
    for (const secret of [undefined, 'an-alert-webhook-secret-of-32-bytes']) {
      const cp = await startTestControlPlane({ databaseUrl: db.url, jobs: {}, jobSettings: { alertWebhook: url, alertWebhookSecret: secret } });
      await cp.close();
      expect(cp.logger.lines.some((l) => l.includes('budget alerts go to the webhook unsigned'))).toBe(secret === undefined);
    }
  });
});

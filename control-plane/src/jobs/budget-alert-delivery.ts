import { createHmac } from 'node:crypto';
import { errorMessage } from '../logger.js';
import type { BudgetAlertPayload, BudgetAlertService } from '../services/budget-alerts.js';
import type { Job } from './job.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export interface AlertWebhookOptions {
  /** Where each alert is POSTed as JSON (TOLLGATE_ALERT_WEBHOOK). */
  webhookUrl: string;
  /** Signs each delivery (TOLLGATE_ALERT_WEBHOOK_SECRET); see `signature`. */
  secret?: string;
  intervalMs?: number;
  /** First retry after a failed delivery; doubles per failure up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Alerts older than this are no longer delivered. */
  maxAgeMs?: number;
  timeoutMs?: number;
}

/** Alerts sent per run: a run holds the job's lock, so a webhook that hangs holds it for at most this many timeouts. */
const PER_RUN = 50;

/**
 * `X-Tollgate-Signature: sha256=<hex>`: HMAC-SHA256 with the secret over `<X-Tollgate-Timestamp>.<body>`, so a
 * receiver can check the sender and refuse replays of old deliveries.
 */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The outbox of budget alerts: the ingest records them in its transaction and this job, once across replicas,
 * POSTs each undelivered one to the alert webhook in order, recording every attempt as it goes. An alert counts as
 * delivered on a 2xx answer; anything else, or no answer within the timeout, is retried with exponential backoff
 * (30 s doubling to an hour) until the alert is a day old. At least once: a control plane that stops between a
 * delivery and its record sends that alert again, with the same id for the receiver to deduplicate by.
 */
export function budgetAlertDelivery(alerts: BudgetAlertService, options: AlertWebhookOptions): Job {
  const backoff = { retryBaseMs: options.retryBaseMs ?? 30 * SECOND, retryMaxMs: options.retryMaxMs ?? HOUR };
  return {
    name: 'budget-alert-delivery',
    intervalMs: options.intervalMs ?? 10 * SECOND,
    async run({ logger, signal }) {
      const maxAgeMs = options.maxAgeMs ?? 24 * HOUR;
      const abandoned = await alerts.abandonExpired(maxAgeMs);
      if (abandoned > 0) logger.warn('budget alerts not delivered within their last day; no more attempts', { count: abandoned });
      const due = await alerts.undelivered({ limit: PER_RUN, maxAgeMs });
      let failed = 0;
      let lastError: string | null = null;
      for (const alert of due) {
        if (signal.aborted) throw new Error('stopped');
        let error: string | null = null;
        try {
          await deliver(options, alert);
        } catch (err) {
          error = lastError = errorMessage(err);
          failed += 1;
        }
        await alerts.recordAttempt(alert.id, error, backoff);
      }
      if (due.length > failed) logger.info('budget alerts delivered to the webhook', { count: due.length - failed });
      if (failed > 0) logger.warn('budget alert webhook failed; will retry', { failed, error: lastError });
    },
  };
}

/** Why a webhook's answer is not an acceptance, for `webhookLastError` and the log. */
export function webhookRefusal(what: string, res: Response): string {
  if (res.status >= 300 && res.status < 400) {
    return `${what} answered ${res.status}, a redirect${res.headers.get('location') ? ` to ${res.headers.get('location')}` : ''}: redirects are not followed; set the webhook URL to where it leads`;
  }
  return `${what} answered ${res.status}`;
}

/**
 * The Standard Webhooks signature (`webhook-signature: v1,<base64>`): HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`
 * with the secret's bytes: a `whsec_` secret's base64 payload, as that spec's libraries (svix, standardwebhooks) take
 * it, or any other secret as its UTF-8 text. Sent with `webhook-id` (the alert id, stable across retries, for
 * deduplication) and `webhook-timestamp`, beside Tollgate's own headers, so a receiver can verify with either.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export function standardSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

async function deliver(options: AlertWebhookOptions, alert: BudgetAlertPayload): Promise<void> {
  const body = JSON.stringify(alert);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const id = `alert_${alert.id}`;
  const res = await fetch(options.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-tollgate-alert-id': alert.id,
      'x-tollgate-timestamp': timestamp,
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      ...(options.secret
        ? { 'x-tollgate-signature': signature(options.secret, timestamp, body), 'webhook-signature': standardSignature(options.secret, id, timestamp, body) }
        : {}),
    },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10 * SECOND),
    // A redirect is a failed delivery, not followed: fetch would follow a 301/302 with a GET without the body, whose
    // 200 would mark the alert delivered (and a 307 would send it to wherever the receiver points).
    redirect: 'manual',
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(webhookRefusal('alert webhook', res));
}

import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { budgetAlertDelivery } from './budget-alert-delivery.js';
import { configChangeRetention } from './config-change-retention.js';
import { auditRetention, budgetReset, keyAutoRotation, keyLapses, unrotatedKeysWarning } from './governance.js';
import type { Job } from './job.js';
import { spendRecount } from './spend-recount.js';
import { JobRunner, type JobRunnerOptions } from './runner.js';

/**
 * Settings of the governance jobs (environment: TOLLGATE_AUDIT_RETENTION_DAYS, TOLLGATE_KEY_ROTATION_WEBHOOK,
 * TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET, TOLLGATE_ALERT_WEBHOOK, TOLLGATE_ALERT_WEBHOOK_SECRET).
 */
export interface JobSettings {
  /** Audit entries are kept this many days (default 365). */
  auditRetentionDays?: number;
  /** Where auto-rotated keys are delivered; without it keys are not auto-rotated (a warning says so). */
  keyRotationWebhook?: string;
  /** Signs rotation deliveries (Standard Webhooks' `webhook-signature`). */
  keyRotationWebhookSecret?: string;
  /** Where budget alerts are POSTed; without it they are only recorded (the API and dashboard show them). */
  alertWebhook?: string;
  /** Signs alert deliveries (HMAC-SHA256). */
  alertWebhookSecret?: string;
}

/** Every scheduled job of the control plane. Adding one is one line here. */
export function controlPlaneJobs(services: Services, settings: JobSettings = {}): Job[] {
  return [
    configChangeRetention(services.configLog),
    budgetReset(services.writer),
    spendRecount(services.writer),
    keyLapses(services.writer),
    auditRetention(settings.auditRetentionDays ?? 365),
    settings.keyRotationWebhook ? keyAutoRotation(services.writer, { webhookUrl: settings.keyRotationWebhook, secret: settings.keyRotationWebhookSecret }) : unrotatedKeysWarning(),
    ...(settings.alertWebhook ? [budgetAlertDelivery(services.budgetAlerts, { webhookUrl: settings.alertWebhook, secret: settings.alertWebhookSecret })] : []),
  ];
}

/** A runner with every control-plane job registered; start() it once the services are up. */
export function createJobRunner(orm: Orm, logger: Logger, services: Services, options?: JobRunnerOptions, settings?: JobSettings): JobRunner {
  const runner = new JobRunner(orm, logger, options);
  for (const job of controlPlaneJobs(services, settings)) runner.register(job);
  return runner;
}

export type { Job, JobContext } from './job.js';
export { JobRunner, type JobAttempt, type JobRunnerOptions } from './runner.js';

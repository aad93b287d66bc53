import { DEFAULT_CONTROL_PLANE_PORT, logFormatFromEnv } from '@tollgate/schema';
import { z } from 'zod';
import type { ControlPlaneOptions } from '../start.js';

const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);

/** The fewest bytes a webhook signing secret may have: the Standard Webhooks spec's lower bound. */
export const MIN_WEBHOOK_SECRET_BYTES = 24;

/**
 * A webhook signing secret: a `whsec_` secret's base64 payload, or any other secret's UTF-8 text, as the signatures
 * key on them (`standardSignature`), of at least `MIN_WEBHOOK_SECRET_BYTES`: a short one can be guessed offline from
 * one signed delivery.
 */
const webhookSecret = z.preprocess(
  blankAsUnset,
  z
    .string()
    .refine(
      (secret) => (secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8')).length >= MIN_WEBHOOK_SECRET_BYTES,
      `must be at least ${MIN_WEBHOOK_SECRET_BYTES} bytes (a whsec_ secret: after base64 decoding); make one with: openssl rand -base64 32`,
    )
    .optional(),
);

/** Optional behaviour, the same wherever the control plane runs (its own process, or the launcher's). */
/** Whether `TOLLGATE_LOG_FORMAT` names a format (schema's `logFormatFromEnv` decides). */
function knownLogFormat(value: string | undefined): boolean {
  try {
    logFormatFromEnv({ TOLLGATE_LOG_FORMAT: value });
    return true;
  } catch {
    return false;
  }
}

const Settings = z
  .object({
    TOLLGATE_AUDIT_RETENTION_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).optional()),
    // Read by the logger itself (logger.ts); checked here so a misspelt format stops the start, naming the variable.
    TOLLGATE_LOG_FORMAT: z.string().optional().refine((value) => knownLogFormat(value), 'must be json or text'),
    TOLLGATE_KEY_ROTATION_WEBHOOK: z.preprocess(blankAsUnset, z.url({ protocol: /^https?$/ }).optional()),
    TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET: webhookSecret,
    TOLLGATE_ALERT_WEBHOOK: z.preprocess(blankAsUnset, z.url({ protocol: /^https?$/ }).optional()),
    TOLLGATE_ALERT_WEBHOOK_SECRET: webhookSecret,
    TOLLGATE_SPEND_THROTTLE_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(3_600_000).optional()),
  })
  // Rotation deliveries carry new keys in plain text: unsigned, a receiver cannot tell them from anyone's.
  .refine((e) => e.TOLLGATE_KEY_ROTATION_WEBHOOK === undefined || e.TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET !== undefined, {
    path: ['TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET'],
    message:
      'is required with TOLLGATE_KEY_ROTATION_WEBHOOK: its deliveries carry new keys in plain text, and the signature is how the receiver tells them from anyone\'s (make one with: openssl rand -base64 32)',
  });

const Env = Settings.safeExtend({
  DATABASE_URL: z.preprocess(blankAsUnset, z.string({ error: 'is required (a PostgreSQL URL)' })),
  TOLLGATE_HOST: z.preprocess(blankAsUnset, z.string().default('127.0.0.1')),
  TOLLGATE_CONTROL_PORT: z.preprocess(
    blankAsUnset,
    z.coerce.number().int().min(0).max(65535).default(DEFAULT_CONTROL_PLANE_PORT),
  ),
  TOLLGATE_MASTER_KEY: z.preprocess(blankAsUnset, z.string().optional()),
  TOLLGATE_CONFIG: z.preprocess(blankAsUnset, z.string().optional()),
  TOLLGATE_DATA_PLANE_TOKEN: z.preprocess(
    blankAsUnset,
    z.string({ error: 'is required when the control plane runs on its own (the data planes present it)' }),
  ),
});

function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')} ${issue.message}`);
  throw new Error(`invalid environment:\n${problems.join('\n')}`);
}

/** The optional settings from the environment (jobs, webhooks, live spend); throws naming every bad variable. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Pick<ControlPlaneOptions, 'jobSettings' | 'spendThrottleMs'> {
  const e = parseEnv(Settings, env);
  return {
    jobSettings: {
      auditRetentionDays: e.TOLLGATE_AUDIT_RETENTION_DAYS,
      keyRotationWebhook: e.TOLLGATE_KEY_ROTATION_WEBHOOK,
      keyRotationWebhookSecret: e.TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET,
      alertWebhook: e.TOLLGATE_ALERT_WEBHOOK,
      alertWebhookSecret: e.TOLLGATE_ALERT_WEBHOOK_SECRET,
    },
    spendThrottleMs: e.TOLLGATE_SPEND_THROTTLE_MS,
  };
}

/** Control-plane options from the environment (see docs/api-contract.md); throws naming every bad variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): ControlPlaneOptions {
  const e = parseEnv(Env, env);
  return {
    databaseUrl: e.DATABASE_URL,
    host: e.TOLLGATE_HOST,
    port: e.TOLLGATE_CONTROL_PORT,
    masterKey: e.TOLLGATE_MASTER_KEY,
    configFile: e.TOLLGATE_CONFIG,
    dataPlaneToken: e.TOLLGATE_DATA_PLANE_TOKEN,
    ...settingsFromEnv(env),
  };
}

import { DEFAULT_CONTROL_PLANE_PORT } from '@tollgate/schema';
import { z } from 'zod';
import type { ControlPlaneOptions } from '../start.js';

const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);

const Env = z.object({
  DATABASE_URL: z.preprocess(blankAsUnset, z.string({ error: 'is required (a PostgreSQL URL)' })),
  TOLLGATE_HOST: z.preprocess(blankAsUnset, z.string().default('127.0.0.1')),
  TOLLGATE_CONTROL_PORT: z.preprocess(
    blankAsUnset,
    z.coerce.number().int().min(0).max(65535).default(DEFAULT_CONTROL_PLANE_PORT),
  ),
  TOLLGATE_MASTER_KEY: z.preprocess(blankAsUnset, z.string().optional()),
  TOLLGATE_CONFIG: z.preprocess(blankAsUnset, z.string().optional()),
  TOLLGATE_AUDIT_RETENTION_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).optional()),
  TOLLGATE_KEY_ROTATION_WEBHOOK: z.preprocess(blankAsUnset, z.url({ protocol: /^https?$/ }).optional()),
  TOLLGATE_DATA_PLANE_TOKEN: z.preprocess(
    blankAsUnset,
    z.string({ error: 'is required when the control plane runs on its own (the data planes present it)' }),
  ),
});

/** Control-plane options from the environment (see docs/api-contract.md); throws naming every bad variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): ControlPlaneOptions {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid environment:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    host: e.TOLLGATE_HOST,
    port: e.TOLLGATE_CONTROL_PORT,
    masterKey: e.TOLLGATE_MASTER_KEY,
    configFile: e.TOLLGATE_CONFIG,
    dataPlaneToken: e.TOLLGATE_DATA_PLANE_TOKEN,
    jobSettings: { auditRetentionDays: e.TOLLGATE_AUDIT_RETENTION_DAYS, keyRotationWebhook: e.TOLLGATE_KEY_ROTATION_WEBHOOK },
  };
}

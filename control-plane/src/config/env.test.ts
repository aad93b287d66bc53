import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from './env.js';

const WEBHOOK = 'https://hooks.example.com/tollgate';
const SECRET = 'a-webhook-secret-of-32-characters';

describe('settings from the environment', () => {
  it('should take webhooks with secrets of 24 bytes or more, whsec_ secrets by their decoded bytes', () => {
    const whsec = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    expect(settingsFromEnv({ TOLLGATE_KEY_ROTATION_WEBHOOK: WEBHOOK, TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET: whsec, TOLLGATE_ALERT_WEBHOOK: WEBHOOK, TOLLGATE_ALERT_WEBHOOK_SECRET: SECRET }).jobSettings).toEqual({
      auditRetentionDays: undefined,
      keyRotationWebhook: WEBHOOK,
      keyRotationWebhookSecret: whsec,
      alertWebhook: WEBHOOK,
      alertWebhookSecret: SECRET,
    });
    // An alert webhook may go unsigned (the start-up log warns); blank is unset.
    expect(settingsFromEnv({ TOLLGATE_ALERT_WEBHOOK: WEBHOOK, TOLLGATE_ALERT_WEBHOOK_SECRET: '' }).jobSettings?.alertWebhookSecret).toBeUndefined();
  });

  it('should refuse a secret that could be guessed, naming the variable and how to make a good one', () => {
    const short = () => settingsFromEnv({ TOLLGATE_ALERT_WEBHOOK: WEBHOOK, TOLLGATE_ALERT_WEBHOOK_SECRET: 'hunter2' });
    expect(short).toThrow(/TOLLGATE_ALERT_WEBHOOK_SECRET must be at least 24 bytes .*openssl rand -base64 32/);
    // 30 characters, but 16 bytes once decoded.
    const whsec = () => settingsFromEnv({ TOLLGATE_KEY_ROTATION_WEBHOOK: WEBHOOK, TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET: `whsec_${Buffer.alloc(16).toString('base64')}` });
    expect(whsec).toThrow(/TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET must be at least 24 bytes/);
  });

  it('should refuse a key-rotation webhook without a secret: its deliveries carry keys in plain text', () => {
    expect(() => settingsFromEnv({ TOLLGATE_KEY_ROTATION_WEBHOOK: WEBHOOK })).toThrow(/TOLLGATE_KEY_ROTATION_WEBHOOK_SECRET is required with TOLLGATE_KEY_ROTATION_WEBHOOK/);
    expect(settingsFromEnv({}).jobSettings).toMatchObject({ keyRotationWebhook: undefined, alertWebhook: undefined });
  });
});

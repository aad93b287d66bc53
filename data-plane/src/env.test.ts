import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPlaneOptionsFromEnv, EnvError } from './env.js';

describe('dataPlaneOptionsFromEnv', () => {
  it('applies the contract defaults', () => {
    expect(dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't' })).toEqual({
      host: '127.0.0.1',
      port: 4000,
      controlPlaneUrl: 'http://127.0.0.1:4001/graphql',
      dataPlaneToken: 't',
      maxBodyBytes: 33554432,
      usageFlushMs: 250,
      spoolDir: resolve('.tollgate/spool'),
      maxSpoolBytes: 1024 ** 3,
      limitsFailureMode: 'open',
      allowedIps: [],
      trustedProxies: [],
      enforcedParams: [],
      reserveOutputTokens: 1024,
      allowUwsFallback: false,
      healthCheckIntervalMs: 0,
      streamKeepAliveMs: 15_000,
      responseItemsTtlMs: 3_600_000,
      corsOrigins: [],
      shutdownGraceMs: 20_000,
    });
  });

  it('keeps the spool in the launcher data directory unless told otherwise', () => {
    expect(dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_DATA_DIR: '/var/lib/tollgate' }).spoolDir).toBe('/var/lib/tollgate/spool');
    expect(dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_DATA_DIR: '/var/lib/tollgate', TOLLGATE_SPOOL_DIR: 'spool-1' }).spoolDir).toBe(resolve('spool-1'));
  });

  it('reads every variable', () => {
    expect(dataPlaneOptionsFromEnv({
      TOLLGATE_DATA_PLANE_TOKEN: 't',
      TOLLGATE_HOST: '0.0.0.0',
      TOLLGATE_PORT: '0',
      TOLLGATE_CONTROL_PLANE_URL: 'https://cp.example.com/graphql',
      TOLLGATE_DATA_PLANE_ID: 'dp-1',
      TOLLGATE_MAX_BODY_BYTES: '1024',
      TOLLGATE_USAGE_FLUSH_MS: '100',
      TOLLGATE_SPOOL_DIR: '/data/spool',
      TOLLGATE_SPOOL_MAX_BYTES: '67108864',
      REDIS_URL: 'redis://r:6379',
      TOLLGATE_LIMITS_FAILURE_MODE: 'closed',
      TOLLGATE_ALLOWED_IPS: '10.0.0.0/8, 192.168.1.7,',
      TOLLGATE_TRUSTED_PROXIES: '10.1.0.0/16',
      TOLLGATE_ENFORCED_PARAMS: 'user,metadata.generation_name',
      TOLLGATE_RESERVE_OUTPUT_TOKENS: '256',
      TOLLGATE_ALLOW_UWS_FALLBACK: '1',
      TOLLGATE_HEALTH_CHECK_INTERVAL_S: '300',
      TOLLGATE_STREAM_KEEPALIVE_MS: '0',
      TOLLGATE_RESPONSE_ITEMS_TTL_S: '600',
      TOLLGATE_SHUTDOWN_GRACE_S: '45',
    })).toEqual({
      host: '0.0.0.0',
      port: 0,
      controlPlaneUrl: 'https://cp.example.com/graphql',
      dataPlaneToken: 't',
      dataPlaneId: 'dp-1',
      maxBodyBytes: 1024,
      usageFlushMs: 100,
      spoolDir: '/data/spool',
      maxSpoolBytes: 67108864,
      redisUrl: 'redis://r:6379',
      limitsFailureMode: 'closed',
      allowedIps: ['10.0.0.0/8', '192.168.1.7'],
      trustedProxies: ['10.1.0.0/16'],
      enforcedParams: ['user', 'metadata.generation_name'],
      reserveOutputTokens: 256,
      allowUwsFallback: true,
      healthCheckIntervalMs: 300_000,
      streamKeepAliveMs: 0,
      responseItemsTtlMs: 600_000,
      corsOrigins: [],
      shutdownGraceMs: 45_000,
    });
  });

  it('refuses a missing token and malformed values with a clear message', () => {
    expect(() => dataPlaneOptionsFromEnv({})).toThrow(EnvError);
    expect(() => dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_PORT: 'http' })).toThrow(/TOLLGATE_PORT must be an integer/);
    expect(() => dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_CONTROL_PLANE_URL: 'nope' })).toThrow(/TOLLGATE_CONTROL_PLANE_URL/);
    expect(() => dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_LIMITS_FAILURE_MODE: 'maybe' })).toThrow(/TOLLGATE_LIMITS_FAILURE_MODE must be 'open' or 'closed', got 'maybe'/);
    expect(() => dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_SPOOL_MAX_BYTES: '1000' })).toThrow(/TOLLGATE_SPOOL_MAX_BYTES must be an integer between 1048576/);
    expect(() => dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_HEALTH_CHECK_INTERVAL_S: '1.5' })).toThrow(/TOLLGATE_HEALTH_CHECK_INTERVAL_S must be an integer between 0 and 86400/);
    expect(() => dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_CORS_ORIGINS: 'https://app.example.com/chat' })).toThrow(
      /TOLLGATE_CORS_ORIGINS: "https:\/\/app.example.com\/chat" is not an origin/,
    );
  });

  it('takes a metrics token long enough not to be guessed', () => {
    expect(dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_METRICS_TOKEN: 'prometheus-scrape-0123' }).metricsToken).toBe('prometheus-scrape-0123');
    expect(() => dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_METRICS_TOKEN: 'short' })).toThrow(/TOLLGATE_METRICS_TOKEN must be at least 16 characters/);
  });

  it('refuses an IP list entry that is no address or range, which read leniently would match every address', () => {
    for (const name of ['TOLLGATE_ALLOWED_IPS', 'TOLLGATE_TRUSTED_PROXIES']) {
      for (const entry of ['10.9.9.9/', '10.0.0.0/99', '10.0.0.0/8;192.168.0.0/16', 'localhost', '2001:db8::/129']) {
        expect(() => dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', [name]: `127.0.0.1, ${entry}` }), `${name}=${entry}`).toThrow(
          new EnvError(`${name} must be comma-separated IP addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32); not one: '${entry}'`),
        );
      }
      expect(dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', [name]: '2001:db8::/32, ::1' })).toMatchObject({ [name === 'TOLLGATE_ALLOWED_IPS' ? 'allowedIps' : 'trustedProxies']: ['2001:db8::/32', '::1'] });
    }
  });

  it('reads the origins browsers may call from', () => {
    expect(dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(dataPlaneOptionsFromEnv({ TOLLGATE_DATA_PLANE_TOKEN: 't', TOLLGATE_CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });
});

import { hashKey, KeyConfig, ModelConfig, OrgConfig, TeamConfig, UserConfig, RouterConfig, type ConfigSnapshot } from '@tollgate/schema';

/** Plaintext keys of the fixture snapshot; only their hashes go into the config, as in production. */
export const KEYS = {
  /** Team `platform` (all models), no own list. */
  full: 'sk-tg-full-0000000000000000000000000000000000',
  /** Own list: mock-gpt only. */
  mockOnly: 'sk-tg-mockonly-000000000000000000000000000000',
  /** Team `restricted` (other-model only), no own list. */
  restrictedTeam: 'sk-tg-restricted-0000000000000000000000000000',
  blocked: 'sk-tg-blocked-00000000000000000000000000000000',
  expired: 'sk-tg-expired-00000000000000000000000000000000',
  /** Owned by a blocked user. */
  blockedOwner: 'sk-tg-blockedowner-000000000000000000000000000',
  /** Of a blocked organization. */
  blockedOrg: 'sk-tg-blockedorg-00000000000000000000000000000',
  /** Added later by deltas in config tests. */
  later: 'sk-tg-later-000000000000000000000000000000000',
} as const;

export function model(overrides: Partial<ModelConfig> & { id: string; name: string }): ModelConfig {
  return ModelConfig.parse({ provider: 'mock', providerModel: overrides.name, inputCostPerMillion: 1, outputCostPerMillion: 2, ...overrides });
}

export function team(overrides: Partial<TeamConfig> & { id: string; name: string }): TeamConfig {
  return TeamConfig.parse(overrides);
}

export function key(plaintext: string, overrides: Partial<KeyConfig> & { id: string }): KeyConfig {
  return KeyConfig.parse({ hash: hashKey(plaintext), prefix: plaintext.slice(0, 10), ...overrides });
}

export function fixtureSnapshot(version = 1): ConfigSnapshot {
  return {
    version,
    generatedAt: '2025-01-01T00:00:00.000Z',
    models: [
      model({ id: 'm1', name: 'mock-gpt' }),
      model({ id: 'm2', name: 'other-model', inputCostPerMillion: 10, outputCostPerMillion: 20 }),
      model({ id: 'm3', name: 'openai-model', provider: 'openai', providerModel: 'gpt-4o-mini' }),
    ],
    teams: [team({ id: 't1', name: 'platform' }), team({ id: 't2', name: 'restricted', models: ['other-model'] })],
    keys: [
      key(KEYS.full, { id: 'k-full', teamId: 't1' }),
      key(KEYS.mockOnly, { id: 'k-mock', teamId: 't1', models: ['mock-gpt'] }),
      key(KEYS.restrictedTeam, { id: 'k-restricted', teamId: 't2' }),
      key(KEYS.blocked, { id: 'k-blocked', teamId: 't1', blocked: true }),
      key(KEYS.expired, { id: 'k-expired', teamId: 't1', expiresAt: '2020-01-01T00:00:00.000Z' }),
      key(KEYS.blockedOwner, { id: 'k-blocked-owner', teamId: 't1', userId: 'u-blocked' }),
      key(KEYS.blockedOrg, { id: 'k-blocked-org', orgId: 'o-blocked' }),
    ],
    orgs: [OrgConfig.parse({ id: 'o-blocked', name: 'suspended', blocked: true })],
    users: [UserConfig.parse({ id: 'u-blocked', blocked: true })],
    endUsers: [],
    tags: [],
    router: ONE_ATTEMPT,
  };
}

/**
 * Router settings of fixture snapshots: no retries, so tests of what one upstream answer becomes see exactly that
 * answer; the router's own tests (routing/) set what they test.
 */
export const ONE_ATTEMPT: RouterConfig = RouterConfig.parse({ numRetries: 0 });

/** A snapshot of just the given entities (version 1; every list not given is empty). */
export function snapshotOf(parts: Partial<ConfigSnapshot>): ConfigSnapshot {
  return { version: 1, generatedAt: '2026-01-01T00:00:00.000Z', models: [], teams: [], keys: [], orgs: [], users: [], endUsers: [], tags: [], router: ONE_ATTEMPT, ...parts };
}

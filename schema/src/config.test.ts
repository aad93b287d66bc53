import { describe, expect, it } from 'vitest';
import { applyConfigChanges, ConfigMessage, ConfigSnapshot, EndUserConfig, KeyConfig, OrgConfig, TagConfig, UserConfig } from './config.js';
import { displayPrefix, generateSecret, hashKey } from './keys.js';

const key = (id: string): KeyConfig =>
  KeyConfig.parse({ id, hash: hashKey(id), prefix: id.slice(0, 4), models: [] });

const base: ConfigSnapshot = ConfigSnapshot.parse({
  version: 3,
  generatedAt: '2026-11-25T08:00:00.000Z',
  models: [{ id: 'm1', name: 'mock-gpt', provider: 'mock', providerModel: 'mock-gpt', inputCostPerMillion: 1, outputCostPerMillion: 2 }],
  teams: [{ id: 't1', name: 'platform' }],
  keys: [key('k1'), key('k2')],
});

describe('config contract', () => {
  it('applies upserts and deletes without mutating the base snapshot', () => {
    const next = applyConfigChanges(base, 5, [
      { op: 'deleteKey', id: 'k1' },
      { op: 'upsertKey', value: { ...key('k2'), alias: 'renamed' } },
      { op: 'upsertKey', value: key('k3') },
      { op: 'deleteTeam', id: 't1' },
    ]);
    expect(next.version).toBe(5);
    expect(next.keys.map((k) => [k.id, k.alias])).toEqual([['k2', 'renamed'], ['k3', null]]);
    expect(next.teams).toEqual([]);
    expect(base.keys.map((k) => k.id)).toEqual(['k1', 'k2']);
    expect(base.teams).toHaveLength(1);
  });

  it('applies upserts and deletes of organizations, users, end users and tags, without mutating the base snapshot', () => {
    const withSubjects = ConfigSnapshot.parse({
      ...base,
      orgs: [{ id: 'o1', name: 'acme' }],
      users: [{ id: 'u1' }, { id: 'u2' }],
      endUsers: [{ id: 'e1', externalId: 'customer-1', blocked: true }],
      tags: [{ id: 'g1', name: 'batch', rpmLimit: 5 }],
    });
    const next = applyConfigChanges(withSubjects, 4, [
      { op: 'upsertOrg', value: OrgConfig.parse({ id: 'o1', name: 'acme', blocked: true, spend: 3 }) },
      { op: 'deleteUser', id: 'u1' },
      { op: 'upsertUser', value: UserConfig.parse({ id: 'u3', orgId: 'o1' }) },
      { op: 'deleteEndUser', id: 'e1' },
      { op: 'upsertEndUser', value: EndUserConfig.parse({ id: 'e2', externalId: 'customer-2', maxBudget: 1 }) },
      { op: 'deleteTag', id: 'g1' },
      { op: 'upsertTag', value: TagConfig.parse({ id: 'g2', name: 'interactive', tpmLimit: 100 }) },
    ]);
    expect(next.orgs).toEqual([expect.objectContaining({ id: 'o1', blocked: true, spend: 3 })]);
    expect(next.users.map((u) => u.id)).toEqual(['u2', 'u3']);
    expect(next.endUsers.map((e) => e.externalId)).toEqual(['customer-2']);
    expect(next.tags.map((t) => t.name)).toEqual(['interactive']);
    expect(withSubjects.orgs[0]!.blocked).toBe(false);
    expect(withSubjects.users).toHaveLength(2);
  });

  it('parses a snapshot of a control plane that predates governed subjects with none of them, and subjects with their defaults', () => {
    expect(ConfigSnapshot.parse({ ...base, orgs: undefined, users: undefined, endUsers: undefined, tags: undefined })).toMatchObject({ orgs: [], users: [], endUsers: [], tags: [] });
    const governed = { maxBudget: null, softBudget: null, budgetDuration: null, budgetResetAt: null, rpmLimit: null, tpmLimit: null, maxParallelRequests: null, spend: 0 };
    expect(OrgConfig.parse({ id: 'o1', name: 'acme' })).toEqual({ id: 'o1', name: 'acme', models: [], ...governed, blocked: false, tags: [] });
    expect(UserConfig.parse({ id: 'u1' })).toEqual({ id: 'u1', orgId: null, ...governed, blocked: false });
    expect(EndUserConfig.parse({ id: 'e1', externalId: 'c' })).toEqual({ id: 'e1', externalId: 'c', ...governed, blocked: false });
    expect(TagConfig.parse({ id: 'g1', name: 'batch' })).toEqual({ id: 'g1', name: 'batch', ...governed });
    expect(EndUserConfig.safeParse({ id: 'e1', externalId: '' }).success).toBe(false);
    expect(TagConfig.safeParse({ id: 'g1', name: 'batch', spend: -0.01 }).success).toBe(false);
  });

  it('fills defaults so an older control plane snapshot still parses, and strips unknown fields', () => {
    const parsed = ConfigSnapshot.parse({ ...base, keys: [{ id: 'k9', hash: hashKey('k9'), prefix: 'k9', futureField: 1 }] });
    expect(parsed.keys[0]).toEqual({
      id: 'k9',
      hash: hashKey('k9'),
      prefix: 'k9',
      alias: null,
      teamId: null,
      userId: null,
      orgId: null,
      models: [],
      maxBudget: null,
      softBudget: null,
      spend: 0,
      budgetDuration: null,
      budgetResetAt: null,
      rpmLimit: null,
      tpmLimit: null,
      maxParallelRequests: null,
      blocked: false,
      expiresAt: null,
      modelLimits: {},
      modelAliases: {},
      metadata: {},
      tags: [],
      guardrails: [],
      enforcedParams: [],
      allowedIps: [],
      allowedRoutes: [],
      tempBudgetIncrease: null,
      tempBudgetExpiresAt: null,
      previousHash: null,
      previousHashExpiresAt: null,
    });
    expect('futureField' in parsed.keys[0]!).toBe(false);
  });

  it('refuses a key hash that is not a sha-256 hex digest and a secret reference that holds a secret', () => {
    expect(KeyConfig.safeParse({ ...key('k1'), hash: 'sk-tg-plaintext' }).success).toBe(false);
    const model = { ...base.models[0]!, apiKeyRef: 'sk-live-123' };
    expect(ConfigSnapshot.safeParse({ ...base, models: [model] }).success).toBe(false);
    expect(ConfigSnapshot.safeParse({ ...base, models: [{ ...model, apiKeyRef: 'env:OPENAI_API_KEY' }] }).success).toBe(true);
  });

  // An earlier release stored such references (the API refuses them now): one model's must not cost every model its
  // config. Data planes refuse to resolve them (upstream/secrets.ts), so that model's requests fail, saying why.
  it("takes a stored reference no data plane resolves (the gateway's own secret, a relative file) rather than refusing the snapshot", () => {
    const model = base.models[0]!;
    for (const apiKeyRef of ['env:DATABASE_URL', 'file:secrets/llama', 'file:/proc/self/environ']) {
      expect(ConfigSnapshot.safeParse({ ...base, models: [{ ...model, apiKeyRef }] }).success, apiKeyRef).toBe(true);
    }
  });

  it('tells snapshots from deltas', () => {
    expect(ConfigMessage.parse({ kind: 'snapshot', version: 3, snapshot: base }).kind).toBe('snapshot');
    expect(ConfigMessage.safeParse({ kind: 'delta', fromVersion: 3, version: 4 }).success).toBe(false);
  });
});

describe('keys', () => {
  it('generates distinct high-entropy secrets with a display prefix and a stable hash', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^sk-tg-[A-Za-z0-9_-]{43}$/);
    expect(displayPrefix(a)).toBe(a.slice(0, 10));
    expect(hashKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(a)).toBe(hashKey(a));
  });
});

import { isDeepStrictEqual } from 'node:util';
import { applyConfigChanges, hashKey, KeyConfig, OrgConfig, UserConfig, type ConfigChange, type ConfigSnapshot } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { snapshotOf, team } from '../test-support/fixtures.js';
import { applyDelta, compileConfig } from './compile.js';
import { mayUseModel, type RuntimeConfig, type RuntimeKey } from './runtime.js';

/** A key as compared: its own fields, what its team, owner and organization are, and the spend in its settings. */
interface ComparedKey {
  id: string;
  teamId: string | null;
  team: { id: string; name: string; orgId: string | null; blocked: boolean; models: string[] | null } | null;
  teamMissing: boolean;
  userId: string | null;
  user: { id: string; blocked: boolean } | null;
  orgId: string | null;
  org: { id: string; blocked: boolean; models: string[] | null } | null;
  blocked: boolean;
  expiresAtMs: number | null;
  /** The restricting lists (own, team, organization), each sorted. */
  modelLists: string[][];
  spend: number;
}

const sorted = (models: Iterable<string> | null) => (models === null ? null : [...models].sort());

function compared(k: RuntimeKey): ComparedKey {
  return {
    id: k.id,
    teamId: k.teamId,
    team: k.team && { id: k.team.id, name: k.team.name, orgId: k.team.orgId, blocked: k.team.blocked, models: sorted(k.team.models) },
    teamMissing: k.teamMissing,
    userId: k.userId,
    user: k.user && { id: k.user.id, blocked: k.user.blocked },
    orgId: k.orgId,
    org: k.org && { id: k.org.id, blocked: k.org.blocked, models: sorted(k.org.models) },
    blocked: k.blocked,
    expiresAtMs: k.expiresAtMs,
    modelLists: k.modelLists.map((l) => [...l].sort()),
    spend: k.settings.spend ?? 0,
  };
}

/**
 * The key index against the plain semantics it replaces: a map from hash to key, built from the whole snapshot in
 * order (a later entry with the same hash wins), a key's previous hash accepted until its grace period ends, teams,
 * owners and organizations resolved and each key's restricting model lists kept (own, team, organization). Snapshots are changed with the contract's
 * own `applyConfigChanges`.
 */
function expectedKeys(snapshot: ConfigSnapshot): Map<string, ComparedKey> {
  const teams = new Map(snapshot.teams.map((t) => [t.id, t]));
  const orgs = new Map(snapshot.orgs.map((o) => [o.id, o]));
  const users = new Map(snapshot.users.map((u) => [u.id, u]));
  const list = (models: string[]) => (models.length > 0 ? [...models].sort() : null);
  const byHash = new Map<string, ComparedKey>();
  for (const k of snapshot.keys) {
    const t = k.teamId === null ? undefined : teams.get(k.teamId);
    const orgId = k.orgId ?? t?.orgId ?? null;
    const o = orgId === null ? undefined : orgs.get(orgId);
    const u = k.userId === null ? undefined : users.get(k.userId);
    // Every list that is not empty restricts; none: every model.
    const modelLists = [list(k.models), t ? list(t.models) : null, o ? list(o.models) : null].filter((l) => l !== null);
    const expiresAtMs = k.expiresAt === null ? null : Date.parse(k.expiresAt);
    const key: ComparedKey = {
      id: k.id,
      teamId: k.teamId,
      team: t ? { id: t.id, name: t.name, orgId: t.orgId, blocked: t.blocked, models: list(t.models) } : null,
      teamMissing: k.teamId !== null && !t,
      userId: k.userId,
      user: u ? { id: u.id, blocked: u.blocked } : null,
      orgId: k.orgId,
      org: o ? { id: o.id, blocked: o.blocked, models: list(o.models) } : null,
      blocked: k.blocked,
      expiresAtMs,
      modelLists,
      spend: k.spend,
    };
    byHash.set(k.hash, key);
    if (k.previousHash !== null && k.previousHashExpiresAt !== null) {
      const graceEnds = Date.parse(k.previousHashExpiresAt);
      byHash.set(k.previousHash, { ...key, expiresAtMs: expiresAtMs === null ? graceEnds : Math.min(expiresAtMs, graceEnds) });
    }
  }
  return byHash;
}

function expectSame(config: RuntimeConfig, snapshot: ConfigSnapshot, hashes: Iterable<string>): void {
  const expected = expectedKeys(snapshot);
  expect(config.keysByHash.size).toBe(expected.size);
  for (const hash of hashes) {
    const key = config.keysByHash.get(hash);
    const actual = key && compared(key);
    const want = expected.get(hash);
    // expect() only where they differ, for its message: a quarter of a million expects would take many seconds.
    if (!isDeepStrictEqual(actual, want)) expect(actual, hash).toEqual(want);
    if (config.keysByHash.has(hash) !== (want !== undefined)) expect(config.keysByHash.has(hash), hash).toBe(want !== undefined);
  }
}

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]! };
}

const MODELS = ['a', 'b', 'c', 'd'];
const TEAMS = [team({ id: 't1', name: 'one' }), team({ id: 't2', name: 'two', models: ['a', 'b'], orgId: 'org-1' }), team({ id: 't3', name: 'three', models: ['c'] })];

function randomOrg(rnd: ReturnType<typeof random>, n: number): OrgConfig {
  return OrgConfig.parse({ id: `org-${n}`, name: `org ${n}`, models: rnd.next() < 0.5 ? MODELS.filter(() => rnd.next() < 0.6) : [], blocked: rnd.next() < 0.2 });
}

function randomUser(rnd: ReturnType<typeof random>, n: number): UserConfig {
  return UserConfig.parse({ id: `user-${n}`, blocked: rnd.next() < 0.1, spend: rnd.next() < 0.5 ? rnd.int(1000) / 100 : 0 });
}

/** A snapshot of these keys with the fixed teams and random organizations (org-0 … org-2) and users (user-0 … user-19). */
function randomSnapshot(rnd: ReturnType<typeof random>, keys: KeyConfig[]): ConfigSnapshot {
  return snapshotOf({
    teams: TEAMS,
    keys,
    // org-2 and user-19 are named by keys but not in the config (as with a control plane that sends no subjects).
    orgs: [0, 1].map((n) => randomOrg(rnd, n)),
    users: Array.from({ length: 19 }, (_, n) => randomUser(rnd, n)),
  });
}

function randomKey(rnd: ReturnType<typeof random>, n: number): KeyConfig {
  const previous = rnd.next() < 0.1;
  return KeyConfig.parse({
    id: `key-${n}`,
    hash: hashKey(`secret-${n}-${rnd.int(1e9)}`),
    prefix: `sk-tg-${n}`,
    teamId: rnd.next() < 0.7 ? rnd.pick([...TEAMS.map((t) => t.id), 'gone']) : null,
    userId: rnd.next() < 0.5 ? `user-${rnd.int(20)}` : null,
    orgId: rnd.next() < 0.5 ? `org-${rnd.int(3)}` : null,
    models: rnd.next() < 0.3 ? MODELS.filter(() => rnd.next() < 0.5) : [],
    blocked: rnd.next() < 0.1,
    expiresAt: rnd.next() < 0.2 ? new Date(Date.UTC(2030, 0, 1) + rnd.int(1e9)).toISOString() : null,
    maxBudget: rnd.next() < 0.2 ? rnd.int(100) : null,
    spend: rnd.next() < 0.3 ? rnd.int(10_000) / 100 : 0,
    metadata: rnd.next() < 0.2 ? { env: rnd.pick(['prod', 'dev']) } : {},
    previousHash: previous ? hashKey(`old-${n}-${rnd.int(1e9)}`) : null,
    previousHashExpiresAt: previous ? new Date(Date.UTC(2029, 0, 1) + rnd.int(1e9)).toISOString() : null,
  });
}

describe('key index', () => {
  it('finds every key of a snapshot, with the same answer as a map built from the snapshot', () => {
    const rnd = random(1);
    const snapshot = randomSnapshot(rnd, Array.from({ length: 1500 }, (_, n) => randomKey(rnd, n)));
    const { config } = compileConfig(snapshot);
    const hashes = snapshot.keys.flatMap((k) => [k.hash, ...(k.previousHash ? [k.previousHash] : [])]);
    expectSame(config, snapshot, [...hashes, hashKey('not-a-key')]);
  });

  it('applies deltas like rebuilding from the changed snapshot, leaving earlier versions untouched', () => {
    const rnd = random(7);
    let next = 0;
    let snapshot = randomSnapshot(rnd, Array.from({ length: 600 }, () => randomKey(rnd, next++)));
    let config = compileConfig(snapshot).config;
    const seen = new Set(snapshot.keys.flatMap((k) => [k.hash, k.previousHash ?? k.hash]));
    for (let version = 2; version < 120; version++) {
      const changes: ConfigChange[] = [];
      for (let c = 1 + rnd.int(4); c > 0; c--) {
        const roll = rnd.next();
        const existing = snapshot.keys.length > 0 ? rnd.pick(snapshot.keys) : undefined;
        if (roll < 0.3) changes.push({ op: 'upsertKey', value: randomKey(rnd, next++) });
        else if (roll < 0.5 && existing) changes.push({ op: 'deleteKey', id: existing.id });
        else if (roll < 0.75 && existing) changes.push({ op: 'upsertKey', value: { ...existing, blocked: !existing.blocked } });
        else if (roll < 0.85 && existing) {
          // Regenerated: new hash, the old one in its grace period.
          changes.push({ op: 'upsertKey', value: { ...existing, hash: hashKey(`regen-${next++}`), previousHash: existing.hash, previousHashExpiresAt: '2031-01-01T00:00:00.000Z' } });
        } else if (roll < 0.9) changes.push({ op: 'upsertTeam', value: team({ id: rnd.pick(['t2', 't3', 'gone']), name: `n${version}`, models: MODELS.filter(() => rnd.next() < 0.5), blocked: rnd.next() < 0.2, orgId: rnd.pick([null, 'org-0', 'org-1']) }) });
        else if (roll < 0.92) changes.push({ op: 'deleteTeam', id: rnd.pick(['t1', 't2', 'gone']) });
        else if (roll < 0.95) changes.push({ op: 'upsertOrg', value: randomOrg(rnd, rnd.int(3)) });
        else if (roll < 0.96) changes.push({ op: 'deleteOrg', id: `org-${rnd.int(3)}` });
        else if (roll < 0.99) changes.push({ op: 'upsertUser', value: randomUser(rnd, rnd.int(20)) });
        else changes.push({ op: 'deleteUser', id: `user-${rnd.int(20)}` });
      }
      const before = config;
      const beforeSnapshot = snapshot;
      snapshot = applyConfigChanges(snapshot, version, changes);
      config = applyDelta(config, version, changes).config;
      for (const k of snapshot.keys) {
        seen.add(k.hash);
        if (k.previousHash) seen.add(k.previousHash);
      }
      expect(config.version).toBe(version);
      expectSame(config, snapshot, seen);
      if (version % 5 === 0) expectSame(compileConfig(snapshot).config, snapshot, seen);
      if (version % 20 === 0) expectSame(before, beforeSnapshot, seen);
    }
  }, 20_000);

  it('keeps non-default settings on the key and shares equal ones; keeps no display fields', () => {
    const snapshot = snapshotOf({
      keys: [
        KeyConfig.parse({ id: 'k1', hash: hashKey('k1'), prefix: 'sk-tg-k1', alias: 'one', rpmLimit: 60, metadata: { env: 'prod' } }),
        KeyConfig.parse({ id: 'k2', hash: hashKey('k2'), prefix: 'sk-tg-k2', rpmLimit: 60, metadata: { env: 'prod' } }),
        KeyConfig.parse({ id: 'k3', hash: hashKey('k3'), prefix: 'sk-tg-k3' }),
      ],
    });
    const { config } = compileConfig(snapshot);
    const k1 = config.keysByHash.get(hashKey('k1'))!;
    expect(k1.settings).toEqual({ rpmLimit: 60, metadata: { env: 'prod' } });
    expect(config.keysByHash.get(hashKey('k2'))!.settings).toBe(k1.settings);
    expect(config.keysByHash.get(hashKey('k3'))!.settings).toEqual({});
    expect(Object.isFrozen(k1.settings) && Object.isFrozen(k1.settings.metadata)).toBe(true);
    expect(k1).not.toHaveProperty('alias');
    expect(k1).not.toHaveProperty('prefix');
  });

  it('answers nothing for anything that is not a lower-case sha-256 hex digest', () => {
    const { config } = compileConfig(snapshotOf({ keys: [KeyConfig.parse({ id: 'k1', hash: hashKey('k1'), prefix: 'p' })] }));
    for (const probe of ['', 'k1', hashKey('k1').slice(1), `${hashKey('k1')}00`, `zz${hashKey('k1').slice(2)}`]) {
      expect(config.keysByHash.get(probe)).toBeUndefined();
      expect(config.keysByHash.has(probe)).toBe(false);
    }
  });

  it('resolves teams per config version: a team added later makes its keys valid, a deleted one refuses them', () => {
    const key = KeyConfig.parse({ id: 'k1', hash: hashKey('k1'), prefix: 'p', teamId: 't9', models: ['a', 'b'] });
    const v1 = compileConfig(snapshotOf({ keys: [key] }));
    expect(v1.warnings).toHaveLength(1);
    expect(v1.config.keysByHash.get(hashKey('k1'))).toMatchObject({ teamMissing: true, team: null });
    const v2 = applyDelta(v1.config, 2, [{ op: 'upsertTeam', value: team({ id: 't9', name: 'late', models: ['b', 'c'] }) }]).config;
    expect(v2.keysByHash.get(hashKey('k1'))).toMatchObject({ teamMissing: false, team: { id: 't9' } });
    expect(['a', 'b', 'c'].filter((m) => mayUseModel(v2.keysByHash.get(hashKey('k1'))!, m))).toEqual(['b']);
    const v3 = applyDelta(v2, 3, [{ op: 'deleteTeam', id: 't9' }]).config;
    expect(v3.keysByHash.get(hashKey('k1'))?.teamMissing).toBe(true);
    expect(v2.keysByHash.get(hashKey('k1'))?.teamMissing).toBe(false);
  });

  it('handles the last change per key of a delta, in order', () => {
    const key = KeyConfig.parse({ id: 'k1', hash: hashKey('k1'), prefix: 'p' });
    const { config } = compileConfig(snapshotOf({}));
    const deletedLast = applyDelta(config, 2, [{ op: 'upsertKey', value: key }, { op: 'deleteKey', id: 'k1' }]).config;
    expect(deletedLast.keysByHash.has(hashKey('k1'))).toBe(false);
    const upsertedLast = applyDelta(deletedLast, 3, [{ op: 'deleteKey', id: 'k1' }, { op: 'upsertKey', value: key }]).config;
    expect(upsertedLast.keysByHash.get(hashKey('k1'))?.id).toBe('k1');
  });
});

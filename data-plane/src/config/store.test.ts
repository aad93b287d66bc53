import { compactKeyConfig, EndUserConfig, hashKey, OrgConfig, snapshotParts, TagConfig, UserConfig, type ConfigSnapshot } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { authenticate } from '../pipeline/authenticate.js';
import { fixtureSnapshot, key, KEYS, snapshotOf, team } from '../test-support/fixtures.js';
import { applyDelta, compileConfig } from './compile.js';
import { mayUseModel, type RuntimeKey } from './runtime.js';
import { ConfigStore } from './store.js';

/** Which of the models a–e the key may use; null when no list restricts it. */
function allowedOf(key: RuntimeKey): string[] | null {
  return key.modelLists.length === 0 ? null : ['a', 'b', 'c', 'd', 'e'].filter((m) => mayUseModel(key, m));
}

// Deliberately loose: the store receives raw, unvalidated payloads.
const snapshotMessage = (snapshot: ConfigSnapshot | Record<string, unknown>) => ({ kind: 'snapshot', version: snapshot.version, snapshot });

function store() {
  let resyncs = 0;
  const s = new ConfigStore(silentLogger, () => resyncs++);
  return { s, resyncs: () => resyncs };
}

describe('compileConfig', () => {
  it('indexes keys by hash and models by name, frozen', () => {
    const { config, warnings } = compileConfig(fixtureSnapshot());
    expect(warnings).toEqual([]);
    expect(config.keysByHash.get(hashKey(KEYS.full))?.id).toBe('k-full');
    expect(config.modelsByName.get('mock-gpt')?.id).toBe('m1');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.keysByHash.get(hashKey(KEYS.full)))).toBe(true);
  });

  it("computes a key's models as its own list (empty = team's) intersected with the team's (empty = all)", () => {
    const snapshot: ConfigSnapshot = {
      ...fixtureSnapshot(),
      teams: [team({ id: 'open', name: 'open' }), team({ id: 'narrow', name: 'narrow', models: ['a', 'b'] })],
      keys: [
        key('k1', { id: 'noteam-all' }),
        key('k2', { id: 'noteam-own', models: ['a'] }),
        key('k3', { id: 'open-all', teamId: 'open' }),
        key('k4', { id: 'narrow-inherit', teamId: 'narrow' }),
        key('k5', { id: 'narrow-own', teamId: 'narrow', models: ['b', 'c'] }),
      ],
    };
    const { config } = compileConfig(snapshot);
    const allowed = (plain: string) => allowedOf(config.keysByHash.get(hashKey(plain))!);
    expect(allowed('k1')).toBeNull();
    expect(allowed('k2')).toEqual(['a']);
    expect(allowed('k3')).toBeNull();
    expect(allowed('k4')).toEqual(['a', 'b']);
    // c is not allowed by the team, so the key cannot have it either.
    expect(allowed('k5')).toEqual(['b']);
    expect(mayUseModel(config.keysByHash.get(hashKey('k5'))!, 'c')).toBe(false);
  });

  it("accepts a regenerated key's old secret until its grace period ends, then says it was replaced (not that the key expired)", () => {
    const graceEnds = new Date(Date.now() + 60_000).toISOString();
    const snapshot = { ...fixtureSnapshot(), keys: [key('new-secret', { id: 'k-rotated', previousHash: hashKey('old-secret'), previousHashExpiresAt: graceEnds })] };
    const { config } = compileConfig(snapshot);
    expect(config.keysByHash.get(hashKey('new-secret'))).toMatchObject({ id: 'k-rotated', expiresAtMs: null });
    expect(config.keysByHash.get(hashKey('old-secret'))).toMatchObject({ id: 'k-rotated', expiresAtMs: Date.parse(graceEnds), replaced: true });
    expect(config.keysByHash.get(hashKey('new-secret'))!.replaced).toBeUndefined();
    const old = () => authenticate(config, 'old-secret', Date.parse(graceEnds) + 1);
    expect(old).toThrow(expect.objectContaining({ status: 401, code: 'invalid_api_key', message: expect.stringContaining('was regenerated and the grace period of its old secret has ended') }));
    expect(authenticate(config, 'old-secret', Date.parse(graceEnds) - 1).id).toBe('k-rotated');
    const noGrace = compileConfig({ ...fixtureSnapshot(), keys: [key('new-secret', { id: 'k-rotated' })] }).config;
    expect(noGrace.keysByHash.get(hashKey('old-secret'))).toBeUndefined();
  });

  it('warns about and fails closed on a key of an unknown team', () => {
    const snapshot = { ...fixtureSnapshot(), keys: [key('orphan', { id: 'k-orphan', teamId: 'gone' })] };
    const { config, warnings } = compileConfig(snapshot);
    expect(warnings).toHaveLength(1);
    expect(config.keysByHash.get(hashKey('orphan'))?.teamMissing).toBe(true);
  });
});

describe('governed subjects', () => {
  const BUDGET = { maxBudget: 10, budgetDuration: '1mo', budgetResetAt: '2026-02-01T00:00:00.000Z', spend: 2.5 };
  const governedSnapshot = (): ConfigSnapshot =>
    snapshotOf({
      teams: [team({ id: 't1', name: 'research', orgId: 'o1', models: ['a', 'b', 'c'], rpmLimit: 100, spend: 7, tags: ['r'], metadata: { cost: { centre: 42 } } })],
      orgs: [OrgConfig.parse({ id: 'o1', name: 'acme', models: ['b', 'c', 'd'], ...BUDGET }), OrgConfig.parse({ id: 'o2', name: 'open' })],
      users: [UserConfig.parse({ id: 'u1', orgId: 'o1', tpmLimit: 1000, spend: 1 })],
      endUsers: [EndUserConfig.parse({ id: 'e1', externalId: 'customer-1', ...BUDGET }), EndUserConfig.parse({ id: 'e2', externalId: 'customer-2', blocked: true })],
      tags: [TagConfig.parse({ id: 'g1', name: 'batch', maxParallelRequests: 4 })],
      keys: [
        key('in-team', { id: 'k1', teamId: 't1', userId: 'u1', orgId: 'o1', models: ['a', 'c', 'd'], spend: 0.75 }),
        key('org-only', { id: 'k2', orgId: 'o1' }),
        key('open-org', { id: 'k3', orgId: 'o2', spend: 0.75 }),
      ],
    });

  it('indexes organizations and users by id, end users by the id clients send and tags by name, frozen, with their settings and spend', () => {
    const { config, warnings } = compileConfig(governedSnapshot());
    expect(warnings).toEqual([]);
    expect(config.orgsById.get('o1')).toEqual({
      id: 'o1', name: 'acme', blocked: false, models: new Set(['b', 'c', 'd']), tags: [],
      maxBudget: 10, softBudget: null, budgetDuration: '1mo', budgetResetAt: '2026-02-01T00:00:00.000Z', rpmLimit: null, tpmLimit: null, maxParallelRequests: null, spend: 2.5,
    });
    expect(config.orgsById.get('o2')?.models).toBeNull();
    expect(config.usersById.get('u1')).toMatchObject({ id: 'u1', orgId: 'o1', blocked: false, tpmLimit: 1000, spend: 1 });
    expect(config.endUsersByExternalId.get('customer-1')).toMatchObject({ id: 'e1', externalId: 'customer-1', blocked: false, maxBudget: 10, spend: 2.5 });
    expect(config.endUsersByExternalId.get('customer-2')?.blocked).toBe(true);
    expect(config.endUsersByExternalId.has('e1')).toBe(false);
    expect(config.tagsByName.get('batch')).toMatchObject({ id: 'g1', maxParallelRequests: 4, spend: 0 });
    expect(config.teamsById.get('t1')).toMatchObject({ orgId: 'o1', rpmLimit: 100, spend: 7, tags: ['r'], metadata: { cost: { centre: 42 } } });
    for (const subject of [config.orgsById.get('o1'), config.usersById.get('u1'), config.endUsersByExternalId.get('customer-1'), config.tagsByName.get('batch')]) {
      expect(Object.isFrozen(subject)).toBe(true);
    }
    const t1 = config.teamsById.get('t1')!;
    expect(Object.isFrozen(t1) && Object.isFrozen(t1.tags) && Object.isFrozen(t1.metadata.cost)).toBe(true);
  });

  it("restricts a key to what its own, its team's and its organization's lists all allow, and resolves its owner and organization", () => {
    const { config } = compileConfig(governedSnapshot());
    const k1 = config.keysByHash.get(hashKey('in-team'))!;
    // Key a, c, d ∩ team a, b, c ∩ organization b, c, d.
    expect(allowedOf(k1)).toEqual(['c']);
    expect(mayUseModel(k1, 'c')).toBe(true);
    expect(mayUseModel(k1, 'a') || mayUseModel(k1, 'd')).toBe(false);
    expect(k1).toMatchObject({ user: { id: 'u1' }, org: { id: 'o1' } });
    expect(allowedOf(config.keysByHash.get(hashKey('org-only'))!)).toEqual(['b', 'c', 'd']);
    // An organization without a list restricts nothing.
    expect(allowedOf(config.keysByHash.get(hashKey('open-org'))!)).toBeNull();
  });

  it("keeps a key's period spend in its settings when it is not 0, without making equal settings records differ", () => {
    const { config } = compileConfig(snapshotOf({
      keys: [
        key('spent', { id: 'k1', rpmLimit: 5, spend: 1.25 }),
        key('also-spent', { id: 'k2', rpmLimit: 5, spend: 3 }),
        key('fresh', { id: 'k3', rpmLimit: 5 }),
        key('fresh-too', { id: 'k4', rpmLimit: 5 }),
      ],
    }));
    const get = (plain: string) => config.keysByHash.get(hashKey(plain))!.settings;
    expect(get('spent')).toEqual({ rpmLimit: 5, spend: 1.25 });
    expect(get('also-spent')).toEqual({ rpmLimit: 5, spend: 3 });
    expect(get('fresh')).toEqual({ rpmLimit: 5 });
    expect(get('fresh')).toBe(get('fresh-too'));
    expect(Object.isFrozen(get('spent'))).toBe(true);
  });

  it('applies subject deltas, re-indexing renamed end users and tags, and leaves the previous config as it was', () => {
    const v1 = compileConfig(governedSnapshot()).config;
    const { config: v2, warnings } = applyDelta(v1, 2, [
      { op: 'upsertOrg', value: OrgConfig.parse({ id: 'o1', name: 'acme', models: ['a', 'c'], blocked: true, spend: 0 }) },
      { op: 'deleteUser', id: 'u1' },
      { op: 'upsertUser', value: UserConfig.parse({ id: 'u2', blocked: true }) },
      { op: 'upsertEndUser', value: EndUserConfig.parse({ id: 'e1', externalId: 'customer-1-renamed', rpmLimit: 5 }) },
      { op: 'deleteEndUser', id: 'e2' },
      { op: 'upsertTag', value: TagConfig.parse({ id: 'g1', name: 'batch-jobs', maxParallelRequests: 2 }) },
      { op: 'upsertTag', value: TagConfig.parse({ id: 'g2', name: 'interactive', rpmLimit: 50 }) },
    ]);
    expect(warnings).toEqual([]);
    expect(v2.orgsById.get('o1')).toMatchObject({ blocked: true, models: new Set(['a', 'c']), spend: 0 });
    expect([...v2.usersById.keys()]).toEqual(['u2']);
    expect([...v2.endUsersByExternalId.entries()]).toEqual([['customer-1-renamed', expect.objectContaining({ id: 'e1', rpmLimit: 5, maxBudget: null })]]);
    expect([...v2.tagsByName.keys()].sort()).toEqual(['batch-jobs', 'interactive']);
    // Keys see the new organization and owner at once, without being rebuilt.
    const k1 = v2.keysByHash.get(hashKey('in-team'))!;
    expect(k1).toMatchObject({ org: { blocked: true }, user: null });
    expect(allowedOf(k1)).toEqual(['a', 'c']);

    expect(v1.orgsById.get('o1')).toMatchObject({ blocked: false, spend: 2.5 });
    expect([...v1.usersById.keys()]).toEqual(['u1']);
    expect([...v1.endUsersByExternalId.keys()]).toEqual(['customer-1', 'customer-2']);
    expect([...v1.tagsByName.keys()]).toEqual(['batch']);
    expect(v1.keysByHash.get(hashKey('in-team'))).toMatchObject({ org: { blocked: false }, user: { id: 'u1' } });

    // A delta of other kinds shares the subjects' maps with the config before it.
    const v3 = applyDelta(v2, 3, [{ op: 'deleteKey', id: 'k3' }]).config;
    expect(v3.orgsById).toBe(v2.orgsById);
    expect(v3.usersById).toBe(v2.usersById);
    expect(v3.endUsersByExternalId).toBe(v2.endUsersByExternalId);
    expect(v3.tagsByName).toBe(v2.tagsByName);
  });

  it('applies a snapshot in parts with its subjects (they travel in part 0)', () => {
    const { s } = store();
    const snapshot = { ...governedSnapshot(), version: 5 };
    const parts = [...snapshotParts(snapshot, 1)];
    expect(parts).toHaveLength(3);
    for (const part of parts) s.handle(part);
    expect(s.version).toBe(5);
    expect(s.current!.orgsById.get('o1')?.name).toBe('acme');
    expect(s.current!.endUsersByExternalId.get('customer-2')?.blocked).toBe(true);
    expect(s.current!.keysByHash.get(hashKey('in-team'))).toMatchObject({ org: { id: 'o1' }, user: { id: 'u1' } });
  });
});

describe('ConfigStore', () => {
  it('loads a snapshot, then applies a delta whose fromVersion is the current version', () => {
    const { s, resyncs } = store();
    expect(s.version).toBe(-1);
    expect(s.handle(snapshotMessage(fixtureSnapshot(3)))).toEqual({ kind: 'replaced', version: 3 });
    const before = s.current!;
    const outcome = s.handle({
      kind: 'delta',
      fromVersion: 3,
      version: 4,
      changes: [{ op: 'upsertKey', value: key(KEYS.later, { id: 'k-later' }) }, { op: 'deleteKey', id: 'k-full' }],
    });
    expect(outcome).toEqual({ kind: 'applied', version: 4 });
    expect(s.current!.keysByHash.has(hashKey(KEYS.later))).toBe(true);
    expect(s.current!.keysByHash.has(hashKey(KEYS.full))).toBe(false);
    // The previous runtime config is untouched: requests holding it see a consistent view.
    expect(before.keysByHash.has(hashKey(KEYS.full))).toBe(true);
    expect(before.version).toBe(3);
    expect(resyncs()).toBe(0);
  });

  it('asks for a resync on a version gap and keeps the current config', () => {
    const { s, resyncs } = store();
    s.handle(snapshotMessage(fixtureSnapshot(3)));
    const outcome = s.handle({ kind: 'delta', fromVersion: 4, version: 5, changes: [{ op: 'deleteKey', id: 'k-full' }] });
    expect(outcome.kind).toBe('resync');
    expect(resyncs()).toBe(1);
    expect(s.version).toBe(3);
    expect(s.current!.keysByHash.has(hashKey(KEYS.full))).toBe(true);
  });

  it('asks for a resync on a delta before any snapshot', () => {
    const { s, resyncs } = store();
    expect(s.handle({ kind: 'delta', fromVersion: 0, version: 1, changes: [] }).kind).toBe('resync');
    expect(resyncs()).toBe(1);
    expect(s.current).toBeNull();
  });

  it('keeps the previous config when a message fails validation', () => {
    const { s, resyncs } = store();
    s.handle(snapshotMessage(fixtureSnapshot(3)));
    const broken = { ...fixtureSnapshot(4), keys: [{ id: 'k', hash: 'not-a-hash' }] };
    expect(s.handle(snapshotMessage(broken)).kind).toBe('rejected');
    expect(s.handle({ kind: 'delta', fromVersion: 3, version: 4, changes: [{ op: 'explode' }] }).kind).toBe('rejected');
    expect(s.handle(undefined).kind).toBe('rejected');
    expect(s.version).toBe(3);
    expect(resyncs()).toBe(0);
  });

  it('accepts a snapshot with a lower version as authoritative', () => {
    const { s } = store();
    s.handle(snapshotMessage(fixtureSnapshot(9)));
    expect(s.handle(snapshotMessage(fixtureSnapshot(2)))).toEqual({ kind: 'replaced', version: 2 });
  });
});

describe('ConfigStore with snapshots in parts', () => {
  const bigSnapshot = (version: number): ConfigSnapshot => ({
    ...fixtureSnapshot(version),
    keys: [...fixtureSnapshot(version).keys, ...Array.from({ length: 40 }, (_, i) => key(`sk-tg-part-${i}`, { id: `k-part-${i}`, teamId: i % 2 ? 't1' : null }))],
  });
  const partsOf = (snapshot: ConfigSnapshot, keysPerPart = 10) => [...snapshotParts({ ...snapshot, keys: snapshot.keys.map(compactKeyConfig) }, keysPerPart)];

  it('applies a snapshot when its last part is in, the same as the snapshot in one message', () => {
    const { s, resyncs } = store();
    s.handle(snapshotMessage(fixtureSnapshot(1)));
    const parts = partsOf(bigSnapshot(5));
    expect(parts).toHaveLength(5);
    for (const part of parts.slice(0, -1)) {
      expect(s.handle(part)).toEqual({ kind: 'partial', version: 5, part: part.part });
      // Serving the previous config until then.
      expect(s.version).toBe(1);
    }
    expect(s.handle(parts.at(-1))).toEqual({ kind: 'replaced', version: 5 });
    const whole = compileConfig(bigSnapshot(5)).config;
    for (const k of bigSnapshot(5).keys) expect(s.current!.keysByHash.get(k.hash)).toEqual(whole.keysByHash.get(k.hash));
    expect([...s.current!.modelsByName.keys()]).toEqual([...whole.modelsByName.keys()]);
    expect(resyncs()).toBe(0);
    // Deltas follow the assembled snapshot.
    expect(s.handle({ kind: 'delta', fromVersion: 5, version: 6, changes: [{ op: 'deleteKey', id: 'k-part-3' }] })).toEqual({ kind: 'applied', version: 6 });
    expect(s.current!.keysByHash.has(hashKey('sk-tg-part-3'))).toBe(false);
  });

  it('asks for a fresh snapshot when a part is missing, keeping the current config; a new part 0 starts over', () => {
    const { s, resyncs } = store();
    s.handle(snapshotMessage(fixtureSnapshot(1)));
    const parts = partsOf(bigSnapshot(5));
    s.handle(parts[0]);
    expect(s.handle(parts[2]).kind).toBe('resync');
    expect(resyncs()).toBe(1);
    expect(s.version).toBe(1);
    // Parts of an abandoned snapshot cannot complete it.
    expect(s.handle(parts[3]).kind).toBe('resync');
    for (const part of parts) s.handle(part);
    expect(s.version).toBe(5);
  });

  it('ignores the rest of a snapshot after a part fails validation, without asking again and again', () => {
    const { s, resyncs } = store();
    s.handle(snapshotMessage(fixtureSnapshot(1)));
    const parts = partsOf(bigSnapshot(5));
    s.handle(parts[0]);
    const broken = { ...parts[1]!, snapshot: { ...parts[1]!.snapshot, keys: [{ id: 'x', hash: 'not-a-hash', prefix: '' }] } };
    expect(s.handle(broken).kind).toBe('rejected');
    for (const part of parts.slice(2)) expect(s.handle(part).kind).toBe('rejected');
    expect(resyncs()).toBe(0);
    expect(s.version).toBe(1);
    for (const part of partsOf(bigSnapshot(6))) s.handle(part);
    expect(s.version).toBe(6);
  });

  it('still takes a whole snapshot from a control plane that does not send parts, with keys in full or compact', () => {
    const { s } = store();
    expect(s.handle(snapshotMessage(bigSnapshot(3)))).toEqual({ kind: 'replaced', version: 3 });
    const compact = { ...bigSnapshot(4), keys: bigSnapshot(4).keys.map(compactKeyConfig) };
    expect(s.handle({ kind: 'snapshot', version: 4, snapshot: compact })).toEqual({ kind: 'replaced', version: 4 });
    expect(s.current!.keysByHash.get(hashKey(KEYS.full))?.id).toBe('k-full');
  });
});

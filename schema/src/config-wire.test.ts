import { describe, expect, it } from 'vitest';
import { ConfigSnapshot, ConfigStreamMessage, KeyConfig, type ConfigSnapshotInput } from './config.js';
import {
  compactKeyConfig,
  isValidKeyConfig,
  joinSnapshotParts,
  KEY_CONFIG_DEFAULTS,
  parseConfigMessage,
  parseConfigMessageLean,
  parseKeyConfig,
  snapshotParts,
} from './config-wire.js';
import { hashKey } from './keys.js';

const minimal = { id: 'k1', hash: hashKey('k1'), prefix: 'sk-tg-k1' };

/** A key with every field away from its default. */
const everything = KeyConfig.parse({
  ...minimal,
  alias: 'service',
  teamId: 't1',
  userId: 'u1',
  orgId: 'o1',
  models: ['a', 'b'],
  maxBudget: 10.5,
  softBudget: 8,
  spend: 1.25,
  budgetDuration: '30d',
  budgetResetAt: '2026-12-01T00:00:00.000Z',
  rpmLimit: 60,
  tpmLimit: 100_000,
  maxParallelRequests: 4,
  blocked: true,
  expiresAt: '2027-01-01T00:00:00.123Z',
  modelLimits: { a: { rpm: 5, tpm: 10, maxBudget: 1 } },
  modelAliases: { gpt: 'a' },
  metadata: { env: 'prod', nested: { n: 1, none: null } },
  tags: ['batch'],
  guardrails: ['pii'],
  enforcedParams: ['user'],
  allowedIps: ['10.0.0.0/8'],
  allowedRoutes: ['/v1/chat/completions'],
  tempBudgetIncrease: 5,
  tempBudgetExpiresAt: '2026-12-02T00:00:00.000Z',
  previousHash: hashKey('old'),
  previousHashExpiresAt: '2026-11-26T00:00:00.000Z',
});

/**
 * Inputs the fast key parse must treat exactly as zod does: valid ones in both shapes, and each kind of invalid
 * field, value and container.
 */
const keyCorpus: unknown[] = [
  minimal,
  everything,
  compactKeyConfig(everything),
  { ...minimal, futureField: { anything: true } },
  { ...minimal, alias: undefined, models: undefined },
  { ...minimal, alias: null, teamId: null, expiresAt: null, previousHash: null },
  { ...minimal, models: [] , metadata: {}, blocked: false },
  { ...minimal, id: '' },
  { ...minimal, id: 7 },
  { ...minimal, hash: hashKey('k1').toUpperCase() },
  { ...minimal, hash: `${hashKey('k1')}0` },
  { ...minimal, hash: undefined },
  { id: 'k1', hash: hashKey('k1') },
  { ...minimal, prefix: null },
  { ...minimal, alias: 5 },
  { ...minimal, models: ['a', 1] },
  { ...minimal, models: 'a' },
  { ...minimal, blocked: 'yes' },
  { ...minimal, blocked: null },
  { ...minimal, maxBudget: -1 },
  { ...minimal, maxBudget: Number.POSITIVE_INFINITY },
  { ...minimal, rpmLimit: 1.5 },
  { ...minimal, rpmLimit: 0 },
  { ...minimal, tpmLimit: 2 ** 60 },
  { ...minimal, expiresAt: 'tomorrow' },
  { ...minimal, expiresAt: '2026-12-01T00:00:00+02:00' },
  { ...minimal, modelLimits: { a: { rpm: -1 } } },
  { ...minimal, metadata: [] },
  { ...minimal, metadata: null },
  { ...minimal, previousHash: 'abc' },
  { ...minimal, tempBudgetIncrease: '5' },
  Object.assign(Object.create(null) as object, minimal),
  new (class Key { id = 'k1'; hash = hashKey('k1'); prefix = 'p'; })(),
  [minimal],
  null,
  undefined,
  'k1',
];

describe('compact keys', () => {
  it('takes its defaults from the schema', () => {
    const { id: _i, hash: _h, prefix: _p, ...defaults } = KeyConfig.parse(minimal);
    expect(KEY_CONFIG_DEFAULTS).toEqual(defaults);
    expect(Object.isFrozen(KEY_CONFIG_DEFAULTS.models)).toBe(true);
  });

  it('leaves out every field at its default, and parses back to the same key', () => {
    const plain = KeyConfig.parse(minimal);
    expect(compactKeyConfig(plain)).toEqual(minimal);
    expect(KeyConfig.parse(compactKeyConfig(plain))).toEqual(plain);
    expect(compactKeyConfig(everything)).toEqual(Object.fromEntries(Object.entries(everything)));
    expect(KeyConfig.parse(compactKeyConfig(everything))).toEqual(everything);
    const some = KeyConfig.parse({ ...minimal, teamId: 't', metadata: { a: 1 }, blocked: true });
    expect(compactKeyConfig(some)).toEqual({ ...minimal, teamId: 't', metadata: { a: 1 }, blocked: true });
    expect(KeyConfig.parse(compactKeyConfig(some))).toEqual(some);
  });
});

describe('parseKeyConfig and isValidKeyConfig', () => {
  it.each(keyCorpus.map((input, i) => [i, input] as const))('agree with KeyConfig.safeParse (input %i)', (_i, input) => {
    const zod = KeyConfig.safeParse(input);
    const fast = parseKeyConfig(input);
    expect(fast.success).toBe(zod.success);
    if (zod.success) expect(fast.data).toEqual(zod.data);
    else expect(fast.error?.issues).toEqual(zod.error.issues);
    expect(isValidKeyConfig(input)).toBe(zod.success);
  });

  it('strips fields the schema does not know, as zod does', () => {
    const parsed = parseKeyConfig({ ...minimal, futureField: 1 });
    expect(parsed.success && 'futureField' in parsed.data).toBe(false);
  });
});

const generatedAt = '2026-11-25T08:00:00.000Z';
const model = { id: 'm1', name: 'mock-gpt', provider: 'mock', providerModel: 'mock-gpt', inputCostPerMillion: 1, outputCostPerMillion: 2 };
const snapshotInput = (keys: unknown[]): ConfigSnapshotInput =>
  ({ version: 4, generatedAt, models: [model], teams: [{ id: 't1', name: 'platform' }], keys }) as ConfigSnapshotInput;
const keys = Array.from({ length: 11 }, (_, i) => compactKeyConfig(KeyConfig.parse({ ...minimal, id: `k${i}`, hash: hashKey(`k${i}`), alias: i % 2 ? `a${i}` : null })));
/** Governed subjects besides keys and teams, as a control plane sends them. */
const subjects = {
  orgs: [{ id: 'o1', name: 'acme', models: ['mock-gpt'], maxBudget: 100, spend: 12.5, blocked: true }],
  users: [{ id: 'u1', orgId: 'o1', rpmLimit: 10, spend: 0.5 }],
  endUsers: [{ id: 'e1', externalId: 'customer-1', maxBudget: 1, budgetDuration: '1d', budgetResetAt: '2026-11-26T00:00:00.000Z', blocked: false }],
  tags: [{ id: 'g1', name: 'batch', tpmLimit: 1000 }],
};
const withSubjects = (keyList: unknown[]): ConfigSnapshotInput => ({ ...snapshotInput(keyList), ...subjects }) as ConfigSnapshotInput;

/** Messages the fast message parse must treat exactly as ConfigStreamMessage.safeParse does. */
const messageCorpus: unknown[] = [
  { kind: 'snapshot', version: 4, snapshot: snapshotInput(keys) },
  { kind: 'snapshot', version: 4, snapshot: snapshotInput([everything]), futureEnvelopeField: 1 },
  { kind: 'snapshot', version: 4, snapshot: snapshotInput([...keys, { id: 'bad', hash: 'nope', prefix: '' }]) },
  { kind: 'snapshot', version: -1, snapshot: snapshotInput(keys) },
  { kind: 'snapshot', version: 4, snapshot: { ...snapshotInput(keys), models: [{ ...model, apiKeyRef: 'sk-live' }] } },
  { kind: 'snapshot', version: 4, snapshot: { ...snapshotInput(keys), keys: 'none' } },
  { kind: 'snapshot', version: 4, snapshot: withSubjects(keys) },
  { kind: 'snapshot', version: 4, snapshot: { ...withSubjects(keys), endUsers: [{ id: 'e2', externalId: '' }] } },
  { kind: 'snapshot', version: 4, snapshot: { ...withSubjects(keys), users: [{ id: 'u2', spend: -1 }] } },
  ...[...snapshotParts(withSubjects(keys), 5)],
  ...[...snapshotParts(snapshotInput(keys), 4)],
  { kind: 'snapshotPart', version: 4, part: 0, last: 'yes', snapshot: snapshotInput(keys) },
  { kind: 'snapshotPart', version: 4, part: 1, last: true, snapshot: snapshotInput([{ ...minimal, rpmLimit: 0 }]) },
  { kind: 'delta', fromVersion: 4, version: 5, changes: [{ op: 'upsertKey', value: keys[0] }, { op: 'deleteKey', id: 'k2' }] },
  { kind: 'delta', fromVersion: 4, version: 5, changes: [{ op: 'upsertKey', value: { id: 'x' } }] },
  {
    kind: 'delta',
    fromVersion: 4,
    version: 5,
    changes: [
      { op: 'upsertOrg', value: subjects.orgs[0] },
      { op: 'deleteOrg', id: 'o2' },
      { op: 'upsertUser', value: subjects.users[0] },
      { op: 'deleteUser', id: 'u2' },
      { op: 'upsertEndUser', value: subjects.endUsers[0] },
      { op: 'deleteEndUser', id: 'e2' },
      { op: 'upsertTag', value: subjects.tags[0] },
      { op: 'deleteTag', id: 'g2' },
    ],
  },
  { kind: 'delta', fromVersion: 4, version: 5, changes: [{ op: 'upsertTag', value: { id: 'g1', name: 'batch', maxBudget: -5 } }] },
  { kind: 'future', version: 5 },
  null,
];

describe('parseConfigMessage and parseConfigMessageLean', () => {
  it.each(messageCorpus.map((input, i) => [i, input] as const))('agree with ConfigStreamMessage.safeParse (message %i)', (_i, input) => {
    const zod = ConfigStreamMessage.safeParse(input);
    const fast = parseConfigMessage(input);
    const lean = parseConfigMessageLean(input);
    expect(fast.success).toBe(zod.success);
    expect(lean.success).toBe(zod.success);
    if (!zod.success) {
      expect(fast.error?.issues).toEqual(zod.error.issues);
      expect(lean.success || lean.error.issues).toEqual(zod.error.issues);
      return;
    }
    expect(fast.data).toEqual(zod.data);
    // The lean parse leaves keys as sent; parsed, they are zod's.
    if (lean.success && (lean.data.kind === 'snapshot' || lean.data.kind === 'snapshotPart') && (zod.data.kind === 'snapshot' || zod.data.kind === 'snapshotPart')) {
      expect(lean.data.snapshot.keys.map((k) => KeyConfig.parse(k))).toEqual(zod.data.snapshot.keys);
      expect({ ...lean.data, snapshot: { ...lean.data.snapshot, keys: [] } }).toEqual({ ...zod.data, snapshot: { ...zod.data.snapshot, keys: [] } });
    } else expect(lean.success && lean.data).toEqual(zod.data);
  });
});

describe('snapshot parts', () => {
  it('splits a snapshot into numbered parts, models and teams first, the last one marked, and joins back', () => {
    const parts = [...snapshotParts(snapshotInput(keys), 4)];
    expect(parts.map((p) => [p.part, p.last, p.snapshot.keys.length, p.snapshot.models.length, p.snapshot.teams.length])).toEqual([
      [0, false, 4, 1, 1],
      [1, false, 4, 0, 0],
      [2, true, 3, 0, 0],
    ]);
    expect(parts.every((p) => p.version === 4 && p.snapshot.version === 4 && p.snapshot.generatedAt === generatedAt)).toBe(true);
    const joined = joinSnapshotParts(parts.map((p) => ConfigSnapshot.parse(p.snapshot)));
    expect(joined).toEqual(ConfigSnapshot.parse(snapshotInput(keys)));
  });

  it('sends organizations, users, end users and tags in part 0 only, and joins them back', () => {
    const parts = [...snapshotParts(withSubjects(keys), 4)];
    expect(parts.map((p) => [p.snapshot.orgs?.length, p.snapshot.users?.length, p.snapshot.endUsers?.length, p.snapshot.tags?.length])).toEqual([
      [1, 1, 1, 1],
      [undefined, undefined, undefined, undefined],
      [undefined, undefined, undefined, undefined],
    ]);
    const joined = joinSnapshotParts(parts.map((p) => ConfigSnapshot.parse(p.snapshot)));
    expect(joined).toEqual(ConfigSnapshot.parse(withSubjects(keys)));
    expect(joined.orgs[0]).toMatchObject({ id: 'o1', blocked: true, spend: 12.5, rpmLimit: null, tags: [] });
  });

  it('sends a snapshot without keys as one part', () => {
    const parts = [...snapshotParts(snapshotInput([]), 4)];
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ part: 0, last: true, snapshot: { keys: [], models: [model] } });
  });
});

describe('rolling upgrades', () => {
  it('a snapshot with keys in full (an older control plane) and one with compact keys parse the same', () => {
    const full = ConfigSnapshot.parse(snapshotInput([everything, KeyConfig.parse(minimal)]));
    const compact = ConfigSnapshot.parse(snapshotInput([compactKeyConfig(everything), compactKeyConfig(KeyConfig.parse(minimal))]));
    expect(compact).toEqual(full);
  });

  it('fields a newer control plane adds are ignored, on the fast path as by zod', () => {
    const newer = { kind: 'snapshot', version: 4, snapshot: { ...snapshotInput([{ ...minimal, newSetting: 3 }]), newList: [] } };
    const parsed = parseConfigMessage(newer);
    expect(parsed).toEqual(ConfigStreamMessage.safeParse(newer));
    expect(parsed.success && parsed.data.kind === 'snapshot' && 'newSetting' in parsed.data.snapshot.keys[0]!).toBe(false);
  });
});

import { KEY_CONFIG_DEFAULTS, isDefaultValue, type KeyConfigInput } from '@tollgate/schema';
import type { KeySettings, RuntimeKey, RuntimeOrg, RuntimeTeam, RuntimeUser } from './runtime.js';

/**
 * The keys of a runtime config, stored for size and for cheap deltas: with 500,000 keys a data plane holds them
 * in about 200 bytes each (an object graph per key, as parsed, costs several times that), and a delta replaces
 * a few small shards instead of copying or recompiling the whole set.
 *
 * - Keys are split into shards by bits of their sha-256 hash (uniformly random, so shards are even).
 *   A shard is immutable and columnar: the 32 hash bytes of all its entries in one typed array, an open-addressing
 *   slot table over them (probed by other bits of the hash), and one array per field. Strings that repeat across keys
 *   (team, owner and organization ids) are shared. Settings at their default take no room: only keys with a model
 *   list or non-default settings have an extra record, and equal records are shared.
 * - A key has one entry, or two during a regeneration's grace period (the previous hash, with the grace period's
 *   end as its expiry). A delta finds the entries of the keys it changes or deletes by their id: each shard keeps a
 *   32-bit hash of every entry's id in a typed array, and the search is one pass over those arrays (about 0.3 ms for
 *   500,000 keys, at memory speed) with a string comparison only where the id hash matches. A map from id to entry
 *   would make that search O(1) but cost 30–40 bytes per key and about half a second of every snapshot's build.
 * - Teams, owners and organizations are not copied into keys: a lookup resolves them in the config it belongs to, so
 *   a change to one touches no key, and a key whose team arrives later becomes valid without being rebuilt.
 * - A key's period spend (which differs from key to key) is a column of its own rather than a setting, so keys with
 *   equal settings still share one record; a lookup puts it into the key's settings when it is not 0.
 * - `get` returns a fresh frozen `RuntimeKey` per lookup (one small object per request, which the young generation
 *   collects for free) instead of holding one per key for the process lifetime.
 *
 * Keys come in as valid `KeyConfigInput`s (checked against the schema, defaults not filled in: see
 * `parseConfigMessageLean`), so an absent field means its default.
 */

const HASH_BYTES = 32;
const HASH_WORDS = HASH_BYTES / 4;
/**
 * Entries per shard the shard count aims at (a delta rebuilds a shard: the smaller the cheaper); at most 4,096
 * shards (a snapshot is built in that many buckets), so larger configs get larger shards.
 */
const SHARD_TARGET_ENTRIES = 128;
const MAX_SHARD_BITS = 12;
const FLAG_BLOCKED = 1;
/** The entry is a previous hash (a regeneration's grace period). */
const FLAG_PREVIOUS = 2;
/** The entry has an extra record (a model list or non-default settings). */
const FLAG_EXTRA = 4;

/**
 * Fields of KeyConfig a data plane keeps outside the shared settings records, or does not keep (display fields:
 * prefix, alias). `spend` has its own column.
 */
const NOT_SETTINGS = new Set<string>(['id', 'hash', 'prefix', 'alias', 'teamId', 'userId', 'orgId', 'models', 'blocked', 'expiresAt', 'previousHash', 'previousHashExpiresAt', 'spend']);
const SETTINGS_DEFAULTS = new Map<string, unknown>(
  Object.entries(KEY_CONFIG_DEFAULTS).filter(([field]) => !NOT_SETTINGS.has(field)),
);

export const NO_SETTINGS: Readonly<Partial<KeySettings>> = Object.freeze({});

/** Where a lookup resolves a key's team, owner and organization: the maps of the config it belongs to. */
export interface KeyOwners {
  readonly teams: ReadonlyMap<string, RuntimeTeam>;
  readonly orgs: ReadonlyMap<string, RuntimeOrg>;
  readonly users: ReadonlyMap<string, RuntimeUser>;
}

/** What a key has beyond the common case; shared by its entries, and by keys with equal ones. */
interface KeyExtra {
  /** The key's own model list (before its team's list applies); null: the team's. */
  readonly models: ReadonlySet<string> | null;
  readonly settings: Readonly<Partial<KeySettings>>;
}

/** Entries in column form: a shard, or columns being filled. */
interface EntrySource {
  /** The hashes, 8 words per entry. */
  readonly words: ArrayLike<number>;
  readonly ids: readonly string[];
  readonly idHashes: ArrayLike<number>;
  readonly teamIds: readonly (string | null)[];
  readonly userIds: readonly (string | null)[];
  readonly orgIds: readonly (string | null)[];
  readonly expires: ArrayLike<number>;
  readonly spends: ArrayLike<number>;
  readonly flags: ArrayLike<number>;
  readonly extras: ReadonlyMap<number, KeyExtra>;
}

/**
 * Entries in column form while a shard is being built: plain arrays on the JavaScript heap, which the garbage
 * collector compacts. (Growing thousands of small typed arrays instead left the C heap fragmented, and the process
 * about 150 bytes per key larger than its live memory.)
 */
class Columns implements EntrySource {
  readonly words: number[] = [];
  readonly ids: string[] = [];
  readonly idHashes: number[] = [];
  readonly teamIds: (string | null)[] = [];
  readonly userIds: (string | null)[] = [];
  readonly orgIds: (string | null)[] = [];
  readonly expires: number[] = [];
  readonly spends: number[] = [];
  readonly flags: number[] = [];
  readonly extras = new Map<number, KeyExtra>();

  get length(): number {
    return this.ids.length;
  }

  private fields(entry: Entry, expires: number, flags: number): void {
    if (entry.extra) this.extras.set(this.ids.length, entry.extra);
    this.ids.push(entry.id);
    this.idHashes.push(entry.idHash);
    this.teamIds.push(entry.teamId);
    this.userIds.push(entry.userId);
    this.orgIds.push(entry.orgId);
    this.expires.push(expires);
    this.spends.push(entry.spend);
    this.flags.push(entry.extra ? flags | FLAG_EXTRA : flags & ~FLAG_EXTRA);
  }

  /** Appends an entry whose hash is in `query` (see decodeHash). */
  pushQuery(entry: Entry, expires: number, flags: number): void {
    for (let i = 0; i < HASH_WORDS; i++) this.words.push(query[i]!);
    this.fields(entry, expires, flags);
  }

  /** Appends entry `e` of `source`. */
  copyFrom(source: EntrySource, e: number): void {
    const s = source.words;
    for (let i = 0; i < HASH_WORDS; i++) this.words.push(s[e * HASH_WORDS + i]!);
    const flags = source.flags[e]!;
    const extra = (flags & FLAG_EXTRA) === 0 ? undefined : source.extras.get(e);
    const entry = { id: source.ids[e]!, idHash: source.idHashes[e]!, teamId: source.teamIds[e]!, userId: source.userIds[e]!, orgId: source.orgIds[e]!, spend: source.spends[e]!, extra };
    this.fields(entry, source.expires[e]!, flags);
  }
}

/** What a key's entries (one, or two in a regeneration's grace period) have in common. */
interface Entry {
  readonly id: string;
  readonly idHash: number;
  readonly teamId: string | null;
  readonly userId: string | null;
  readonly orgId: string | null;
  readonly spend: number;
  readonly extra: KeyExtra | undefined;
}

/**
 * Typed memory for many shards at once: a snapshot's shards take views of a few large arrays instead of allocating
 * six small ones each. (A shard a delta rebuilds gets its own; the slab's part it replaces stays allocated until the
 * next snapshot.)
 */
class Slab {
  private words: Int32Array;
  private idHashes: Int32Array;
  private expires: Float64Array;
  private spends: Float64Array;
  private flags: Uint8Array;
  private slots: Int32Array;
  private entry = 0;
  private slot = 0;

  constructor(entries: number, slots: number) {
    this.words = new Int32Array(entries * HASH_WORDS);
    this.idHashes = new Int32Array(entries);
    this.expires = new Float64Array(entries);
    this.spends = new Float64Array(entries);
    this.flags = new Uint8Array(entries);
    this.slots = new Int32Array(slots);
  }

  /** Room for `n` entries and `capacity` slots. */
  take(n: number, capacity: number) {
    const e = this.entry;
    const s = this.slot;
    this.entry += n;
    this.slot += capacity;
    return {
      words: this.words.subarray(e * HASH_WORDS, (e + n) * HASH_WORDS),
      idHashes: this.idHashes.subarray(e, e + n),
      expires: this.expires.subarray(e, e + n),
      spends: this.spends.subarray(e, e + n),
      flags: this.flags.subarray(e, e + n),
      slots: this.slots.subarray(s, s + capacity),
    };
  }
}

/** Open-addressing slots for `n` entries: a power of two, at least twice `n`. */
function slotCapacity(n: number): number {
  let capacity = 4;
  while (capacity < n * 2) capacity *= 2;
  return capacity;
}

/** An immutable shard: columns plus an open-addressing table from hash to entry. */
class KeyShard implements EntrySource {
  readonly words: Int32Array;
  readonly ids: readonly string[];
  readonly idHashes: Int32Array;
  readonly teamIds: readonly (string | null)[];
  readonly userIds: readonly (string | null)[];
  readonly orgIds: readonly (string | null)[];
  /** Epoch milliseconds; NaN: never. */
  readonly expires: Float64Array;
  /** USD spent in the current period, as the control plane sent it. */
  readonly spends: Float64Array;
  readonly flags: Uint8Array;
  readonly extras: ReadonlyMap<number, KeyExtra>;
  /** Entry index + 1 per slot, 0 for an empty slot; a power of two at least twice the entries. */
  private readonly slots: Int32Array;
  /** Distinct hashes (a later entry with the same hash replaces the earlier one, as a map would). */
  readonly size: number;

  constructor(columns: Columns, slab: Slab = new Slab(columns.length, slotCapacity(columns.length))) {
    const n = columns.length;
    const memory = slab.take(n, slotCapacity(n));
    memory.words.set(columns.words);
    memory.idHashes.set(columns.idHashes);
    memory.expires.set(columns.expires);
    memory.spends.set(columns.spends);
    memory.flags.set(columns.flags);
    this.words = memory.words;
    this.idHashes = memory.idHashes;
    this.expires = memory.expires;
    this.spends = memory.spends;
    this.flags = memory.flags;
    this.ids = columns.ids;
    this.teamIds = columns.teamIds;
    this.userIds = columns.userIds;
    this.orgIds = columns.orgIds;
    this.extras = columns.extras;
    const slots = memory.slots;
    const mask = slots.length - 1;
    let size = 0;
    const w = this.words;
    for (let e = 0; e < n; e++) {
      const o = e * HASH_WORDS;
      for (let i = w[o + 1]! & mask; ; i = (i + 1) & mask) {
        const slot = slots[i]!;
        if (slot === 0) {
          slots[i] = e + 1;
          size += 1;
          break;
        }
        if (sameHash(w, (slot - 1) * HASH_WORDS, w, o)) {
          slots[i] = e + 1;
          break;
        }
      }
    }
    this.slots = slots;
    this.size = size;
  }

  /** The entry with the hash in `query` (8 words), or -1. */
  find(query: Int32Array): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = query[1]! & mask; ; i = (i + 1) & mask) {
      const slot = slots[i]!;
      if (slot === 0) return -1;
      if (sameHash(this.words, (slot - 1) * HASH_WORDS, query, 0)) return slot - 1;
    }
  }

  get length(): number {
    return this.ids.length;
  }

  /** Whether any entry belongs to a key in `ids` (whose id hashes are `hashes`). */
  holdsAny(ids: ReadonlySet<string>, hashes: ReadonlySet<number>): boolean {
    const idHashes = this.idHashes;
    if (hashes.size === 1) {
      // The usual delta: one key. A plain integer comparison per entry.
      const [only] = hashes as Set<number>;
      for (let e = 0; e < idHashes.length; e++) if (idHashes[e] === only && ids.has(this.ids[e]!)) return true;
      return false;
    }
    for (let e = 0; e < idHashes.length; e++) if (hashes.has(idHashes[e]!) && ids.has(this.ids[e]!)) return true;
    return false;
  }
}

function sameHash(a: Int32Array, ao: number, b: Int32Array, bo: number): boolean {
  return (
    a[ao] === b[bo] && a[ao + 1] === b[bo + 1] && a[ao + 2] === b[bo + 2] && a[ao + 3] === b[bo + 3] &&
    a[ao + 4] === b[bo + 4] && a[ao + 5] === b[bo + 5] && a[ao + 6] === b[bo + 6] && a[ao + 7] === b[bo + 7]
  );
}

/** FNV-1a of a key id, as a signed 32-bit integer (what an Int32Array holds). */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** The shard of the entry whose hash starts at word `offset`: the top `bits` bits of its first word (random bits). */
type ShardOf = (words: Int32Array, offset: number) => number;
function shardFunction(bits: number): ShardOf {
  return bits === 0 ? () => 0 : (words, offset) => words[offset]! >>> (32 - bits);
}

const query = new Int32Array(HASH_WORDS);
const queryBytes = Buffer.from(query.buffer);

/** Decodes a lower-case hex sha-256 into `query`; false if it is not one. */
function decodeHash(hex: string): boolean {
  return hex.length === HASH_BYTES * 2 && queryBytes.write(hex, 'hex') === HASH_BYTES;
}

/** Shares equal values during one build: strings repeated across keys, and equal extra records. */
class Interner {
  private readonly strings = new Map<string, string>();
  private readonly extras = new Map<string, KeyExtra>();

  string(value: string | null | undefined): string | null {
    if (value === null || value === undefined) return null;
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  /** The key's model list and non-default settings as a shared frozen record; undefined when it has neither. */
  extra(k: KeyConfigInput): KeyExtra | undefined {
    let settings: Record<string, unknown> | null = null;
    for (const field in k) {
      if (!SETTINGS_DEFAULTS.has(field)) continue;
      const value = (k as Record<string, unknown>)[field];
      if (value !== undefined && !isDefaultValue(value, SETTINGS_DEFAULTS.get(field))) (settings ??= {})[field] = value;
    }
    const models = k.models !== undefined && k.models.length > 0 ? k.models : null;
    if (settings === null && models === null) return undefined;
    const signature = JSON.stringify([models, settings]);
    let extra = this.extras.get(signature);
    if (!extra) {
      extra = deepFreeze({ models: models && new Set(models), settings: (settings ?? NO_SETTINGS) as Partial<KeySettings> });
      this.extras.set(signature, extra);
    }
    return extra;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Set)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Appends a key's entries (its previous hash's right after its own); `columnsFor` picks the columns for the hash
 * that is in `query` when it is called.
 */
function pushKey(k: KeyConfigInput, intern: Interner, columnsFor: () => Columns): void {
  const entry: Entry = {
    id: k.id,
    idHash: idHash(k.id),
    teamId: intern.string(k.teamId),
    userId: intern.string(k.userId),
    orgId: intern.string(k.orgId),
    spend: k.spend ?? 0,
    extra: intern.extra(k),
  };
  const expires = k.expiresAt == null ? Number.NaN : Date.parse(k.expiresAt);
  const flags = k.blocked === true ? FLAG_BLOCKED : 0;
  decodeHash(k.hash);
  columnsFor().pushQuery(entry, expires, flags);
  // A regenerated key's old secret keeps working until its grace period ends, then answers that it was replaced.
  if (k.previousHash != null && k.previousHashExpiresAt != null) {
    const graceEnds = Date.parse(k.previousHashExpiresAt);
    const until = Number.isNaN(expires) ? graceEnds : Math.min(expires, graceEnds);
    decodeHash(k.previousHash);
    columnsFor().pushQuery(entry, until, flags | FLAG_PREVIOUS);
  }
}

/**
 * Collects a snapshot's keys (possibly over several snapshot parts) straight into 4,096 buckets by hash, the finest
 * sharding there is, then makes them the shards: as they are for a large config, merged into fewer shards for a
 * smaller one (whose size is only known at the end).
 */
export class KeyIndexBuilder {
  private readonly intern = new Interner();
  private readonly buckets: (Columns | undefined)[] = [];
  private entries = 0;
  private readonly bucketOf = shardFunction(MAX_SHARD_BITS);

  add(key: KeyConfigInput): void {
    pushKey(key, this.intern, () => {
      this.entries += 1;
      return (this.buckets[this.bucketOf(query, 0)] ??= new Columns());
    });
  }

  finish(): KeyIndex {
    let bits = 0;
    while (bits < MAX_SHARD_BITS && (1 << bits) * SHARD_TARGET_ENTRIES < this.entries) bits += 1;
    const merge = MAX_SHARD_BITS - bits;
    const columns: Columns[] = [];
    for (let s = 0; s < 1 << bits; s++) {
      if (merge === 0) {
        columns.push(this.buckets[s] ?? new Columns());
        continue;
      }
      // Buckets s·2^merge … (s+1)·2^merge − 1 hold the hashes whose top `bits` bits are s; their order is kept, so
      // a later entry with the same hash still wins.
      const merged = new Columns();
      for (let b = s << merge; b < (s + 1) << merge; b++) {
        const bucket = this.buckets[b];
        if (bucket) for (let e = 0; e < bucket.length; e++) merged.copyFrom(bucket, e);
      }
      columns.push(merged);
    }
    this.buckets.length = 0;
    const slab = new Slab(this.entries, columns.reduce((n, c) => n + slotCapacity(c.length), 0));
    const shards = columns.map((c) => new KeyShard(c, slab));
    return new KeyIndex(bits, shards);
  }
}

/** The keys of one config version. Immutable: `withChanges` returns a new index sharing every untouched shard. */
export class KeyIndex {
  readonly size: number;
  private readonly shardOf: ShardOf;

  constructor(
    private readonly bits: number,
    private readonly shards: readonly KeyShard[],
  ) {
    this.shardOf = shardFunction(bits);
    this.size = shards.reduce((n, s) => n + s.size, 0);
  }

  /** The key with this lower-case hex sha-256, its team, owner and organization resolved; undefined if there is none. */
  get(hash: string, owners: KeyOwners): RuntimeKey | undefined {
    if (!decodeHash(hash)) return undefined;
    const shard = this.shards[this.shardOf(query, 0)]!;
    const e = shard.find(query);
    return e < 0 ? undefined : runtimeKey(shard, e, owners);
  }

  has(hash: string): boolean {
    return decodeHash(hash) && this.shards[this.shardOf(query, 0)]!.find(query) >= 0;
  }

  /**
   * A new index in which each id of `changes` has the given key (replacing any key with that id) or, for null, no
   * key. Rebuilds only the shards that change (a few hundred entries each at most sizes).
   */
  withChanges(changes: ReadonlyMap<string, KeyConfigInput | null>): KeyIndex {
    const ids = new Set(changes.keys());
    const hashes = new Set([...ids].map(idHash));
    const rebuilt = new Map<number, Columns>();
    const columnsOf = (s: number): Columns => {
      let columns = rebuilt.get(s);
      if (!columns) {
        const shard = this.shards[s]!;
        columns = new Columns();
        for (let e = 0; e < shard.length; e++) {
          if (!(hashes.has(shard.idHashes[e]!) && ids.has(shard.ids[e]!))) columns.copyFrom(shard, e);
        }
        rebuilt.set(s, columns);
      }
      return columns;
    };
    // The entries of the changed keys go (upserts come back below).
    for (let s = 0; s < this.shards.length; s++) if (this.shards[s]!.holdsAny(ids, hashes)) columnsOf(s);
    const intern = new Interner();
    for (const key of changes.values()) {
      if (!key) continue;
      pushKey(key, intern, () => columnsOf(this.shardOf(query, 0)));
    }
    const shards = this.shards.slice();
    for (const [s, columns] of rebuilt) shards[s] = new KeyShard(columns);
    return new KeyIndex(this.bits, shards);
  }
}

function runtimeKey(shard: KeyShard, e: number, owners: KeyOwners): RuntimeKey {
  const teamId = shard.teamIds[e]!;
  const team = teamId === null ? null : (owners.teams.get(teamId) ?? null);
  const userId = shard.userIds[e]!;
  const orgId = shard.orgIds[e]!;
  // Keys made before organizations may have none of their own while their team has one.
  const keyOrTeamOrg = orgId ?? team?.orgId ?? null;
  const org = keyOrTeamOrg === null ? null : (owners.orgs.get(keyOrTeamOrg) ?? null);
  const flags = shard.flags[e]!;
  const extra = (flags & FLAG_EXTRA) === 0 ? undefined : shard.extras.get(e);
  const expires = shard.expires[e]!;
  const spend = shard.spends[e]!;
  const settings = extra?.settings ?? NO_SETTINGS;
  return Object.freeze({
    id: shard.ids[e]!,
    teamId,
    team,
    teamMissing: teamId !== null && team === null,
    userId,
    user: userId === null ? null : (owners.users.get(userId) ?? null),
    orgId,
    org,
    blocked: (flags & FLAG_BLOCKED) !== 0,
    expiresAtMs: Number.isNaN(expires) ? null : expires,
    ...((flags & FLAG_PREVIOUS) !== 0 && { replaced: true as const }),
    modelLists: modelLists(extra?.models ?? null, team?.models ?? null, org?.models ?? null),
    settings: spend === 0 ? settings : Object.freeze({ ...settings, spend }),
  });
}

const NO_LISTS: readonly ReadonlySet<string>[] = Object.freeze([]);

/** The lists that restrict (a null list restricts nothing), as they are: shared with the key's, team's, org's config. */
function modelLists(own: ReadonlySet<string> | null, team: ReadonlySet<string> | null, org: ReadonlySet<string> | null): readonly ReadonlySet<string>[] {
  if (own === null && team === null && org === null) return NO_LISTS;
  return [own, team, org].filter((list): list is ReadonlySet<string> => list !== null);
}


import { z } from 'zod';
import {
  ConfigSnapshot,
  ConfigStreamMessage,
  KeyConfig,
  type ConfigSnapshotInput,
  type KeyConfigInput,
} from './config.js';

/**
 * The config contract's encoding at scale: keys sent without their default fields, snapshots sent in parts, and a
 * validation of snapshots that gives exactly `ConfigStreamMessage.safeParse`'s result in a fraction of its time. The
 * schemas in config.ts stay the single definition of what is valid; everything here is derived from them.
 */

type KeyField = keyof KeyConfig;
const KEY_SHAPE = KeyConfig.shape as unknown as Record<KeyField, z.ZodType>;
const KEY_FIELDS = Object.keys(KEY_SHAPE) as KeyField[];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Every defaulted key field at its default, taken from the schema itself (frozen: shared by many keys). */
export const KEY_CONFIG_DEFAULTS: Readonly<Omit<KeyConfig, 'id' | 'hash' | 'prefix'>> = (() => {
  const { id: _id, hash: _hash, prefix: _prefix, ...defaults } = KeyConfig.parse({ id: '-', hash: '0'.repeat(64), prefix: '' });
  return deepFreeze(defaults);
})();

/** A value equal to a schema default: null, false, 0, an empty list or an empty object, or the same primitive. */
export function isDefaultValue(value: unknown, defaultValue: unknown): boolean {
  if (value === defaultValue) return true;
  if (Array.isArray(defaultValue)) return Array.isArray(value) && value.length === 0 && defaultValue.length === 0;
  if (defaultValue !== null && typeof defaultValue === 'object') {
    return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0 && Object.keys(defaultValue).length === 0;
  }
  return false;
}

/**
 * A key without the fields that hold their default: what a control plane sends. `KeyConfig.parse` of the result
 * gives the key back (tested), so any data plane, old or new, reads it; most keys shrink from ~650 to ~150 bytes.
 */
export function compactKeyConfig(key: KeyConfig): KeyConfigInput {
  const out: Record<string, unknown> = { id: key.id, hash: key.hash, prefix: key.prefix };
  const defaults = KEY_CONFIG_DEFAULTS as Record<string, unknown>;
  for (const field of KEY_FIELDS) {
    if (field === 'id' || field === 'hash' || field === 'prefix') continue;
    const value = key[field];
    if (!isDefaultValue(value, defaults[field])) out[field] = value;
  }
  return out as KeyConfigInput;
}

// How each key field can be checked without zod, read from its schema: only shapes whose zod check is a plain
// type test (no length, pattern or range checks) are checked here; every other present field goes to its own
// zod schema. So a field added to or tightened in KeyConfig is never checked more loosely than zod would.
type FieldCheck = 'string' | 'nullableString' | 'boolean' | 'stringArray' | 'zod' | { minLength: number } | { pattern: RegExp };

interface ZodInternals {
  _zod: { def: { type: string; innerType?: unknown; element?: unknown; checks?: ZodInternals[]; check?: string; minimum?: number; format?: string; pattern?: RegExp } };
}
const defOf = (schema: unknown) => (schema as ZodInternals)._zod.def;
const plain = (schema: unknown, type: string) => defOf(schema).type === type && !(defOf(schema).checks?.length);

function fieldCheck(schema: unknown): FieldCheck {
  if (plain(schema, 'string')) return 'string';
  const { type, checks } = defOf(schema);
  if (type === 'string' && checks?.length === 1) {
    // A string with one length or pattern check, which is checked here the way zod does.
    const check = defOf(checks[0]);
    if (check.check === 'min_length' && typeof check.minimum === 'number') return { minLength: check.minimum };
    if (check.check === 'string_format' && check.format === 'regex' && check.pattern instanceof RegExp && !check.pattern.global && !check.pattern.sticky) {
      return { pattern: check.pattern };
    }
  }
  if (defOf(schema).type !== 'default') return 'zod';
  const inner = defOf(schema).innerType;
  if (plain(inner, 'boolean')) return 'boolean';
  if (defOf(inner).type === 'nullable' && plain(defOf(inner).innerType, 'string')) return 'nullableString';
  if (plain(inner, 'array') && plain(defOf(inner).element, 'string')) return 'stringArray';
  return 'zod';
}

interface FieldRule {
  check: FieldCheck;
  schema: z.ZodType;
  /** Absent means the default (zod's `.default()` returns it for undefined without looking further). */
  defaulted: boolean;
}
const FIELD_RULES = new Map<string, FieldRule>(
  KEY_FIELDS.map((field) => [field, { check: fieldCheck(KEY_SHAPE[field]), schema: KEY_SHAPE[field], defaulted: defOf(KEY_SHAPE[field]).type === 'default' }]),
);
/**
 * The start of every parsed key, in the schema's field order as zod builds it. Not frozen itself, because V8 copies
 * a spread of an ordinary object's fields in one step and a frozen one's field by field (ten times slower); the
 * default lists and objects inside it are the frozen shared ones.
 */
const PARSED_KEY_TEMPLATE: Record<string, unknown> = { id: '', hash: '', prefix: '', ...KEY_CONFIG_DEFAULTS };
const REQUIRED_FIELDS = KEY_FIELDS.filter((field) => !FIELD_RULES.get(field)!.defaulted).length;

function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

function checkField(rule: FieldRule, value: unknown): { ok: boolean; value: unknown } {
  switch (rule.check) {
    case 'string': return { ok: typeof value === 'string', value };
    case 'nullableString': return { ok: value === null || typeof value === 'string', value };
    case 'boolean': return { ok: typeof value === 'boolean', value };
    case 'stringArray': return { ok: isStringArray(value), value };
    case 'zod': {
      const parsed = rule.schema.safeParse(value);
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, value };
    }
    default:
      if (typeof value !== 'string') return { ok: false, value };
      return { ok: 'minLength' in rule.check ? value.length >= rule.check.minLength : rule.check.pattern.test(value), value };
  }
}

const isPlainObject = (raw: unknown): raw is Record<string, unknown> =>
  raw !== null && typeof raw === 'object' && Object.getPrototypeOf(raw) === Object.prototype;

/**
 * Checks a key's fields the way `KeyConfig` does, looking only at the fields the key has: plain type tests where the
 * schema has nothing more to check, zod for the other fields. Copies the checked values into `out` when given.
 * True: valid. False: not shown valid here (zod's whole-object parse decides, and reports why).
 */
function checkKey(input: Record<string, unknown>, out: Record<string, unknown> | null): boolean {
  let required = 0;
  for (const field in input) {
    const rule = FIELD_RULES.get(field);
    if (rule === undefined) continue; // not in the schema: stripped, as zod does
    const value = input[field];
    if (value === undefined && rule.defaulted) continue;
    const checked = checkField(rule, value);
    if (!checked.ok) return false;
    if (out) out[field] = checked.value;
    if (!rule.defaulted) required += 1;
  }
  return required === REQUIRED_FIELDS;
}

/**
 * `KeyConfig.safeParse`, same result (the same data, or zod's own error), several times faster for the keys
 * snapshots are made of: it starts from the shared (frozen) defaults and checks only the fields the key has; zod's
 * whole-object parse runs only to report an invalid key, and for anything that is not a plain object.
 */
export function parseKeyConfig(raw: unknown): z.ZodSafeParseResult<KeyConfig> {
  if (!isPlainObject(raw)) return KeyConfig.safeParse(raw);
  const out: Record<string, unknown> = { ...PARSED_KEY_TEMPLATE };
  return checkKey(raw, out) ? { success: true, data: out as KeyConfig } : KeyConfig.safeParse(raw);
}

/**
 * Whether `KeyConfig.safeParse(raw)` would succeed, without building the parsed key: a valid input, in which an
 * absent (or undefined) field means its default and fields the schema does not know may remain (to be ignored).
 */
export function isValidKeyConfig(raw: unknown): raw is KeyConfigInput {
  return (isPlainObject(raw) && checkKey(raw, null)) || KeyConfig.safeParse(raw).success;
}

const snapshotEnvelope = ConfigSnapshot.extend({ keys: z.array(z.unknown()) });
const SnapshotEnvelope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot'), version: z.number().int().nonnegative(), snapshot: snapshotEnvelope }),
  z.object({
    kind: z.literal('snapshotPart'),
    version: z.number().int().nonnegative(),
    part: z.number().int().nonnegative(),
    last: z.boolean(),
    snapshot: snapshotEnvelope,
  }),
]);

/**
 * `ConfigStreamMessage.safeParse`, same result, with a snapshot's keys checked by `parseKeyConfig`. Deltas (a few
 * changes each) and anything invalid go through `ConfigStreamMessage.safeParse` itself, so errors read exactly as
 * zod's.
 */
export function parseConfigMessage(raw: unknown): z.ZodSafeParseResult<ConfigStreamMessage> {
  const lean = parseConfigMessageLean(raw);
  if (!lean.success || (lean.data.kind !== 'snapshot' && lean.data.kind !== 'snapshotPart')) return lean as z.ZodSafeParseResult<ConfigStreamMessage>;
  // Valid by now, so each key's parse succeeds (on its fast path, or zod's for what the fast path cannot tell).
  const keys = lean.data.snapshot.keys.map((key) => (parseKeyConfig(key) as z.ZodSafeParseSuccess<KeyConfig>).data);
  return { success: true, data: { ...lean.data, snapshot: { ...lean.data.snapshot, keys } } };
}

/** A snapshot whose keys were checked (`isValidKeyConfig`) but not parsed: defaults not filled in. */
export type LeanConfigSnapshot = Omit<ConfigSnapshot, 'keys'> & { keys: KeyConfigInput[] };
type SnapshotCarrier = Extract<ConfigStreamMessage, { kind: 'snapshot' | 'snapshotPart' }>;
export type LeanConfigMessage =
  | Exclude<ConfigStreamMessage, SnapshotCarrier>
  | (SnapshotCarrier extends infer M ? (M extends SnapshotCarrier ? Omit<M, 'snapshot'> & { snapshot: LeanConfigSnapshot } : never) : never);

/**
 * Accepts exactly what `ConfigStreamMessage.safeParse` accepts (and rejects with its error), but leaves a snapshot's
 * keys as they came once they are known to be valid: no parsed copy with every default per key. For a data plane
 * compiling keys into its own form, that is most of the parsing work and garbage of a large snapshot saved.
 */
export function parseConfigMessageLean(raw: unknown): { success: true; data: LeanConfigMessage } | { success: false; error: z.ZodError } {
  const kind = raw !== null && typeof raw === 'object' ? (raw as { kind?: unknown }).kind : undefined;
  if (kind !== 'snapshot' && kind !== 'snapshotPart') return ConfigStreamMessage.safeParse(raw);
  const envelope = SnapshotEnvelope.safeParse(raw);
  if (!envelope.success) return ConfigStreamMessage.safeParse(raw);
  const keys = envelope.data.snapshot.keys;
  for (let i = 0; i < keys.length; i++) {
    if (!isValidKeyConfig(keys[i])) return ConfigStreamMessage.safeParse(raw);
  }
  return { success: true, data: envelope.data as LeanConfigMessage };
}

/** A `snapshotPart` message as sent (keys may be compact). */
export interface SnapshotPartInput {
  kind: 'snapshotPart';
  version: number;
  part: number;
  last: boolean;
  snapshot: ConfigSnapshotInput;
}

/** Keys per `snapshotPart` message: about 1 MB of JSON with compact keys. */
export const DEFAULT_KEYS_PER_PART = 5_000;

/**
 * A snapshot as `snapshotPart` messages: models and teams in part 0, keys in runs of `keysPerPart`, at least one
 * part. Each part is built when taken, so a sender holds one part's message at a time.
 */
export function* snapshotParts(snapshot: ConfigSnapshotInput, keysPerPart: number = DEFAULT_KEYS_PER_PART): Generator<SnapshotPartInput, void, undefined> {
  const size = Math.max(1, Math.floor(keysPerPart));
  const count = Math.max(1, Math.ceil(snapshot.keys.length / size));
  for (let part = 0; part < count; part++) {
    yield {
      kind: 'snapshotPart',
      version: snapshot.version,
      part,
      last: part === count - 1,
      snapshot: {
        version: snapshot.version,
        generatedAt: snapshot.generatedAt,
        models: part === 0 ? snapshot.models : [],
        teams: part === 0 ? snapshot.teams : [],
        keys: snapshot.keys.slice(part * size, (part + 1) * size),
        // Orgs, users and tags are few; end users may be many but are sent only with settings: all in part 0.
        ...(part === 0 ? { orgs: snapshot.orgs, users: snapshot.users, endUsers: snapshot.endUsers, tags: snapshot.tags, router: snapshot.router } : {}),
      },
    };
  }
}

/** The snapshot a run of parts stands for (their union, with part 0's version and time). */
export function joinSnapshotParts(parts: readonly ConfigSnapshot[]): ConfigSnapshot {
  const [first] = parts;
  if (!first) throw new Error('a snapshot has at least one part');
  return {
    version: first.version,
    generatedAt: first.generatedAt,
    models: parts.flatMap((p) => p.models),
    teams: parts.flatMap((p) => p.teams),
    keys: parts.flatMap((p) => p.keys),
    orgs: parts.flatMap((p) => p.orgs),
    users: parts.flatMap((p) => p.users),
    endUsers: parts.flatMap((p) => p.endUsers),
    tags: parts.flatMap((p) => p.tags),
    router: first.router,
  };
}

import { hashKey, KEY_DISPLAY_PREFIX_LENGTH } from '@tollgate/schema';
import type { Declared, DesiredConfig, ResolvedConfig, ResolvedKey } from './desired.js';
import { joinPath, type ConfigProblem } from './problems.js';
import { readSecret } from './secrets.js';

/** Shorter secrets can be guessed; the same floor as the master key and the data-plane token. */
export const MIN_SECRET_LENGTH = 16;

/**
 * The non-secret start of a key shown in lists: at most a quarter of it, so a short hand-made key does not give
 * most of itself away (a generated key shows the usual 10 characters).
 */
export function visiblePrefix(secret: string): string {
  return secret.slice(0, Math.min(KEY_DISPLAY_PREFIX_LENGTH, Math.floor(secret.length / 4)));
}

export type ResolveResult = { ok: true; config: ResolvedConfig } | { ok: false; errors: ConfigProblem[] };

/**
 * Reads the secrets a config refers to (key secrets, the master key) and keeps only their sha-256. Every unreadable
 * or too short secret is reported at its path, naming the reference, never a value.
 */
export async function resolveSecrets(desired: DesiredConfig, env: NodeJS.ProcessEnv = process.env): Promise<ResolveResult> {
  const errors: ConfigProblem[] = [];
  const read = async (ref: string, path: string): Promise<string | null> => {
    const result = await readSecret(ref, env);
    if (!result.ok) {
      errors.push({ path, message: result.message });
      return null;
    }
    if (result.value.length < MIN_SECRET_LENGTH) {
      errors.push({ path, message: `the secret in ${ref} is shorter than ${MIN_SECRET_LENGTH} characters` });
      return null;
    }
    return result.value;
  };

  const keys: Array<Declared<ResolvedKey>> = [];
  const byHash = new Map<string, string>();
  for (const { path, value } of desired.keys) {
    const { secret, ...rest } = value;
    const field = 'ref' in secret ? 'key' : 'keyHash';
    let hash: string;
    let prefix: string;
    if ('ref' in secret) {
      const plaintext = await read(secret.ref, joinPath(path, 'key'));
      if (plaintext === null) continue;
      hash = hashKey(plaintext);
      prefix = visiblePrefix(plaintext);
    } else {
      hash = secret.hash;
      prefix = `sha256:${hash.slice(0, 8)}`;
    }
    const earlier = byHash.get(hash);
    if (earlier !== undefined) {
      errors.push({ path: joinPath(path, field), message: `is the same key as ${earlier}` });
      continue;
    }
    byHash.set(hash, path);
    keys.push({ path, value: { ...rest, hash, prefix } });
  }

  let masterKeyHash: string | null = null;
  if (desired.masterKey) {
    const plaintext = await read(desired.masterKey.value, desired.masterKey.path);
    if (plaintext !== null) masterKeyHash = hashKey(plaintext);
  }

  if (errors.length > 0) return { ok: false, errors };
  const { masterKey: _masterKey, keys: _keys, ...rest } = desired;
  return { ok: true, config: { ...rest, keys, masterKeyHash } };
}

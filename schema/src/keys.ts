import { createHash, randomBytes } from 'node:crypto';
import { KEY_DISPLAY_PREFIX_LENGTH, VIRTUAL_KEY_PREFIX } from './wire.js';

/** Lower-case hex sha-256, the only form in which keys are stored or shipped to data planes. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random secret with the given prefix: 32 random bytes, base64url. */
export function generateSecret(prefix: string = VIRTUAL_KEY_PREFIX): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The non-secret part of a key shown in lists, e.g. `sk-tg-AbCd`. */
export function displayPrefix(key: string): string {
  return key.slice(0, KEY_DISPLAY_PREFIX_LENGTH);
}

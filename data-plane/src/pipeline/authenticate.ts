import { hashKey } from '@tollgate/schema';
import type { RuntimeConfig, RuntimeKey } from '../config/runtime.js';
import { errors } from '../http/errors.js';

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or null. */
export function bearerToken(header: string): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** The key an OpenAI client sends: `Authorization: Bearer`, or Azure OpenAI's `api-key` header. */
export function openAiCredential(head: { authorization: string; apiKey: string }): string | null {
  return bearerToken(head.authorization) ?? (head.apiKey !== '' ? head.apiKey.trim() : null);
}

/**
 * Presented key → runtime key: sha-256 of the key looked up in the snapshot's hash map (the plaintext is never
 * stored anywhere). Throws a 401 `HttpError` for a missing, unknown, blocked or expired key, or a key of a blocked
 * or unknown team.
 */
export function authenticate(config: RuntimeConfig, token: string | null, now: number): RuntimeKey {
  if (token === null) throw errors.missingKey();
  const key = config.keysByHash.get(hashKey(token));
  if (key === undefined || key.teamMissing) throw errors.invalidKey();
  if (key.blocked) throw errors.keyBlocked();
  if (key.expiresAtMs !== null && key.expiresAtMs <= now) throw errors.keyExpired();
  if (key.team?.blocked) throw errors.teamBlocked();
  return key;
}

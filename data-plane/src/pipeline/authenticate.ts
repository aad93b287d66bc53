import * as crypto from 'node:crypto';
import type { RuntimeConfig, RuntimeKey } from '../config/runtime.js';
import { errors } from '../http/errors.js';

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or null. Same language as
 * `/^Bearer\s+(\S+)\s*$/i`, scanned by hand: it runs on every request and the regex allocates a match.
 */
export function bearerToken(header: string): string | null {
  if (header.length < 8 || !isSpace(header.charCodeAt(6))) return null;
  for (let i = 0; i < 6; i++) if ((header.charCodeAt(i) | 0x20) !== BEARER.charCodeAt(i)) return null;
  let start = 7;
  while (start < header.length && isSpace(header.charCodeAt(start))) start++;
  let end = start;
  while (end < header.length && !isSpace(header.charCodeAt(end))) end++;
  if (end === start) return null;
  for (let i = end; i < header.length; i++) if (!isSpace(header.charCodeAt(i))) return null;
  return header.slice(start, end);
}

const BEARER = 'bearer';

/** `\s` of a JavaScript regex. */
function isSpace(c: number): boolean {
  return (
    c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * The key an OpenAI client sends: `Authorization: Bearer`, or Azure OpenAI's `api-key` header; or Anthropic's
 * `x-api-key`, which an Anthropic SDK sends to the routes the two APIs share (`GET /v1/models`) and some tools send
 * everywhere.
 */
export function openAiCredential(head: { authorization: string; apiKey: string; xApiKey: string }): string | null {
  return bearerToken(head.authorization) ?? (head.apiKey !== '' ? head.apiKey.trim() : head.xApiKey !== '' ? head.xApiKey.trim() : null);
}

/**
 * `hashKey` of @tollgate/schema (sha-256, hex), as a one-shot call where the runtime has it (Node >= 20.12): no
 * Hash object per request.
 */
export const keyHash: (token: string) => string =
  typeof crypto.hash === 'function'
    ? (token) => crypto.hash('sha256', token, 'hex')
    : (token) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Presented key → runtime key: sha-256 of the key looked up in the snapshot's hash map (the plaintext is never
 * stored anywhere). Throws a 401 `HttpError` for a missing, unknown, blocked or expired key, a key of a blocked or
 * unknown team, or one whose owner or organization is blocked. The narrowest reason is given first: the key, then
 * its team, owner and organization.
 */
export function authenticate(config: RuntimeConfig, token: string | null, now: number): RuntimeKey {
  if (token === null) throw errors.missingKey();
  const key = config.keysByHash.get(keyHash(token));
  if (key === undefined || key.teamMissing) throw errors.invalidKey();
  if (key.blocked) throw errors.keyBlocked();
  if (key.expiresAtMs !== null && key.expiresAtMs <= now) throw key.replaced ? errors.keyReplaced() : errors.keyExpired();
  if (key.team?.blocked) throw errors.teamBlocked();
  if (key.user?.blocked) throw errors.userBlocked();
  if (key.org?.blocked) throw errors.organizationBlocked();
  return key;
}

import { timingSafeEqual } from 'node:crypto';
import { hashKey } from '@tollgate/schema';
import { DATA_PLANE_PRINCIPAL, MASTER_PRINCIPAL, type Principal } from './roles.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The secret in an `Authorization: Bearer <secret>` value, or null when there is none. */
export function bearerSecret(authorization: unknown): string | null {
  if (typeof authorization !== 'string') return null;
  return BEARER.exec(authorization)?.[1] ?? null;
}

function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Recognises the two credentials. Only their sha-256 digests are held, and presented secrets are hashed before a
 * constant-time comparison, so neither timing nor a heap dump reveals them.
 */
export class Credentials {
  private masterKeyHash: Buffer;
  private readonly dataPlaneTokenHash: Buffer;

  constructor(hashes: { masterKeyHash: string; dataPlaneTokenHash: string }) {
    this.masterKeyHash = Buffer.from(hashes.masterKeyHash, 'hex');
    this.dataPlaneTokenHash = Buffer.from(hashes.dataPlaneTokenHash, 'hex');
    if (sameHash(this.masterKeyHash, this.dataPlaneTokenHash)) {
      throw new Error('The data-plane token must differ from the master key.');
    }
  }

  /** Replaces the master key (the config file's changed); the old one stops working at once. */
  setMasterKeyHash(hash: string): void {
    const next = Buffer.from(hash, 'hex');
    if (sameHash(next, this.dataPlaneTokenHash)) throw new Error('The data-plane token must differ from the master key.');
    this.masterKeyHash = next;
  }

  /** Who presents this `Authorization` value; null for a missing, malformed or unknown credential alike. */
  authenticate(authorization: unknown): Principal | null {
    const secret = bearerSecret(authorization);
    if (secret === null) return null;
    const presented = Buffer.from(hashKey(secret), 'hex');
    // Compare against both so the time taken does not depend on which one (if any) matched.
    const isAdmin = sameHash(presented, this.masterKeyHash);
    const isDataPlane = sameHash(presented, this.dataPlaneTokenHash);
    if (isAdmin) return MASTER_PRINCIPAL;
    if (isDataPlane) return DATA_PLANE_PRINCIPAL;
    return null;
  }
}

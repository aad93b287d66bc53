import { hashKey } from '@tollgate/schema';
import { Session, TeamMembership, User, VirtualKey } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { bearerSecret, type Credentials } from './credentials.js';
import type { CredentialKind, Principal, TeamRole } from './roles.js';

/** Dashboard session tokens start with this, so they are told apart from keys at a glance (and in leaks). */
export const SESSION_TOKEN_PREFIX = 'tg-session-';

/**
 * Turns an `Authorization: Bearer …` value into the caller: the master key or the data-plane token (compared in
 * memory, constant time), a dashboard session, or a management / read-only virtual key (looked up by hash). Users
 * act with the role, organization and team memberships they have now, read per request, so a demotion or a block
 * takes effect on the next request. Null for anything unknown, expired, blocked or deleted, alike.
 */
export class Authenticator {
  constructor(
    private readonly credentials: Credentials,
    private readonly orm: Orm,
  ) {}

  async authenticate(authorization: unknown): Promise<Principal | null> {
    const fixed = this.credentials.authenticate(authorization);
    if (fixed) return fixed;
    const secret = bearerSecret(authorization);
    if (secret === null) return null;
    const hash = hashKey(secret);
    const em = this.orm.em.fork();
    if (secret.startsWith(SESSION_TOKEN_PREFIX)) {
      const session = await em.findOne(Session, { hash, expiresAt: { $gt: new Date() } }, { populate: ['user'] });
      return session ? this.principalOf(session.user.getEntity(), 'session', session.id) : null;
    }
    const now = new Date();
    const key = await em.findOne(
      VirtualKey,
      { $or: [{ hash }, { previousHash: hash, previousHashExpiresAt: { $gt: now } }], deletedAt: null, blocked: false, keyType: { $ne: 'llm_api' } },
      { populate: ['owner'] },
    );
    if (!key || !key.owner || (key.expiresAt !== null && key.expiresAt <= now)) return null;
    return this.principalOf(key.owner.getEntity(), key.keyType === 'read_only' ? 'read_only_key' : 'management_key');
  }

  private async principalOf(user: User, credential: CredentialKind, sessionId?: string): Promise<Principal | null> {
    if (user.blocked || user.deletedAt !== null) return null;
    const memberships = await this.orm.em.fork().find(TeamMembership, { user: user.id, team: { deletedAt: null } });
    return {
      role: user.role,
      credential,
      userId: user.id,
      orgId: user.organization?.id ?? null,
      teams: new Map<string, TeamRole>(memberships.map((m) => [m.team.id, m.role])),
      readOnly: credential === 'read_only_key',
      ...(sessionId !== undefined && { sessionId }),
    };
  }
}

import { Field, Float, ID, ObjectType } from 'type-graphql';
import type { AuditEntry, Organization, User } from '../../db/entities/index.js';
import type { AuditPage } from '../../services/audit-log.js';
import type { Member } from '../../services/teams.js';
import type { LoginResult } from '../../services/users.js';
import { GraphQLJSON } from '../scalars.js';
import { GovernedObject, governedFields } from './governed.type.js';

@ObjectType('Organization')
export class OrganizationObject extends GovernedObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String])
  models!: string[];

  @Field(() => Boolean)
  blocked!: boolean;

  @Field(() => String, { nullable: true, description: 'file when declared in the config file (read-only here).' })
  managedBy!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  static from(org: Organization): OrganizationObject {
    const { id, name, models, blocked, managedBy, createdAt } = org;
    return Object.assign(new OrganizationObject(), { id, name, models, ...governedFields(org), blocked, managedBy, createdAt });
  }
}

/** A user as admins see them: never a password hash. Budgets and limits count over all the user's keys. */
@ObjectType('User')
export class UserObject extends GovernedObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String)
  role!: string;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  @Field(() => Boolean)
  blocked!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  static from(user: User): UserObject {
    return Object.assign(new UserObject(), {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      organizationId: user.organization?.id ?? null,
      ...governedFields(user),
      blocked: user.blocked,
      createdAt: user.createdAt,
    });
  }
}

@ObjectType('TeamMember')
export class TeamMemberObject {
  @Field(() => UserObject)
  user!: UserObject;

  @Field(() => ID)
  teamId!: string;

  @Field(() => String, { description: 'admin or member.' })
  role!: string;

  @Field(() => Float, { nullable: true, description: "The member's own hard budget in the team (over the team's memberMaxBudget); null: the team's." })
  maxBudget!: number | null;

  @Field(() => Float, { description: "What the member spent through the team's keys they own, in the team's current budget period." })
  spend!: number;

  static from({ user, membership }: Member): TeamMemberObject {
    return Object.assign(new TeamMemberObject(), {
      user: UserObject.from(user),
      teamId: membership.team.id,
      role: membership.role,
      maxBudget: membership.maxBudget,
      spend: membership.spend,
    });
  }
}

@ObjectType('Session', { description: 'A dashboard sign-in.' })
export class SessionObject {
  @Field(() => String, { description: 'Send as `Authorization: Bearer <token>`. Shown only in this response.' })
  token!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => UserObject)
  user!: UserObject;

  static from(result: LoginResult): SessionObject {
    return Object.assign(new SessionObject(), { token: result.token, expiresAt: result.expiresAt, user: UserObject.from(result.user) });
  }
}

@ObjectType('AuditEntry')
export class AuditEntryObject {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { description: 'A user id, or master / system.' })
  actorId!: string;

  @Field(() => String)
  actorRole!: string;

  @Field(() => String, { description: 'master_key, session, management_key, read_only_key or system.' })
  credential!: string;

  @Field(() => String)
  action!: string;

  @Field(() => String)
  entityType!: string;

  @Field(() => String)
  entityId!: string;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The entity before the change; secrets never included.' })
  before!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The entity after the change; secrets never included.' })
  after!: unknown;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  static from(entry: AuditEntry): AuditEntryObject {
    return Object.assign(new AuditEntryObject(), {
      id: String(entry.id),
      at: entry.at,
      actorId: entry.actorId,
      actorRole: entry.actorRole,
      credential: entry.credential,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      organizationId: entry.orgId,
      before: entry.before,
      after: entry.after,
      ip: entry.ip,
      userAgent: entry.userAgent,
      requestId: entry.requestId,
    });
  }
}

@ObjectType('AuditPage')
export class AuditPageObject {
  @Field(() => [AuditEntryObject], { description: 'Newest first.' })
  entries!: AuditEntryObject[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;

  static from(page: AuditPage): AuditPageObject {
    return Object.assign(new AuditPageObject(), { entries: page.entries.map(AuditEntryObject.from), endCursor: page.endCursor, hasNextPage: page.hasNextPage });
  }
}

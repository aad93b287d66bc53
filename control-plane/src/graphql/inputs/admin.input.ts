import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { GraphQLJSON } from '../scalars.js';

/** Shapes only; the services validate content (zod) and report field errors. */

@InputType('CreateOrganizationInput')
export class CreateOrganizationInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { nullable: true })
  models?: string[] | null;

  @Field(() => Float, { nullable: true })
  maxBudget?: number | null;
}

@InputType('UpdateOrganizationInput', { description: 'Absent fields keep their value; null clears a nullable one.' })
export class UpdateOrganizationInput {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => [String], { nullable: true })
  models?: string[];

  @Field(() => Float, { nullable: true })
  maxBudget?: number | null;

  @Field(() => Boolean, { nullable: true })
  blocked?: boolean;
}

@InputType('CreateUserInput')
export class CreateUserInput {
  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { description: 'proxy_admin, proxy_admin_viewer, org_admin, internal_user or internal_viewer; never above your own.' })
  role!: string;

  @Field(() => ID, { nullable: true, description: "Required for organization roles; an org admin's own organization by default." })
  organizationId?: string | null;

  @Field(() => String, { nullable: true, description: 'Initial dashboard password (12+ characters); without one the user cannot sign in yet.' })
  password?: string | null;
}

@InputType('UpdateUserInput', { description: 'Absent fields keep their value.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  role?: string;

  @Field(() => Boolean, { nullable: true })
  blocked?: boolean;
}

@InputType('SetPasswordInput')
export class SetPasswordInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String, { nullable: true, description: 'Required when changing your own password.' })
  currentPassword?: string | null;
}

@InputType('TeamMemberInput')
export class TeamMemberInput {
  @Field(() => ID)
  teamId!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => String, { nullable: true, description: 'admin or member (the default).' })
  role?: string | null;
}

@InputType('UpdateKeyInput', { description: 'Absent fields keep their value; null clears a nullable one.' })
export class UpdateKeyInput {
  @Field(() => String, { nullable: true })
  alias?: string | null;

  @Field(() => [String], { nullable: true })
  models?: string[];

  @Field(() => Float, { nullable: true })
  maxBudget?: number | null;

  @Field(() => Boolean, { nullable: true })
  blocked?: boolean;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;

  @Field(() => Float, { nullable: true, description: 'Crossing it raises an alert once per budget period; nothing is refused.' })
  softBudget?: number | null;

  @Field(() => String, { nullable: true, description: '1h, 1d, 7d, 30d or 1mo (calendar month); none: the budget never resets.' })
  budgetDuration?: string | null;

  @Field(() => Int, { nullable: true })
  rpmLimit?: number | null;

  @Field(() => Float, { nullable: true, description: 'Tokens per minute (a Float, since limits can pass 2^31).' })
  tpmLimit?: number | null;

  @Field(() => Int, { nullable: true })
  maxParallelRequests?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Per model: { "<model>": { "rpm": n, "tpm": n, "maxBudget": usd } }.' })
  modelLimits?: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true, description: '{ "<alias>": "<model name>" }.' })
  modelAliases?: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Free-form, recorded with every request (at most 16 KB).' })
  metadata?: Record<string, unknown> | null;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Guardrail policy names.' })
  guardrails?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Parameters every request must carry, e.g. user or metadata.generation_name.' })
  enforcedParams?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Addresses or CIDR ranges; empty: any.' })
  allowedIps?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Routes such as /v1/chat/completions; empty: all.' })
  allowedRoutes?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Regenerate the key every this many days.' })
  autoRotateDays?: number | null;

  @Field(() => Float, { nullable: true, description: 'Raise the budget by this much until tempBudgetExpiresAt (both or neither; null clears).' })
  tempBudgetIncrease?: number | null;

  @Field(() => Date, { nullable: true })
  tempBudgetExpiresAt?: Date | null;
}

@InputType('RegenerateKeyInput')
export class RegenerateKeyInput {
  @Field(() => Int, { nullable: true, description: 'How long the old key keeps working, seconds (default 0: stops at once; at most 30 days).' })
  gracePeriodSeconds?: number | null;
}

@InputType('LoginInput')
export class LoginInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;
}

@InputType('AuditLogFilter')
export class AuditLogFilter {
  @Field(() => String, { nullable: true, description: 'A user id, or master / system.' })
  actorId?: string | null;

  @Field(() => String, { nullable: true })
  entityType?: string | null;

  @Field(() => String, { nullable: true })
  entityId?: string | null;

  @Field(() => String, { nullable: true })
  action?: string | null;

  @Field(() => Date, { nullable: true, description: 'Entries at or after.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Entries before.' })
  to?: Date | null;
}

@InputType('KeyFilter')
export class KeyFilter {
  @Field(() => ID, { nullable: true })
  teamId?: string | null;

  @Field(() => ID, { nullable: true })
  ownerId?: string | null;

  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => String, { nullable: true, description: 'llm_api, management or read_only.' })
  keyType?: string | null;

  @Field(() => Boolean, { nullable: true })
  blocked?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Start of the alias (any case) or of the key prefix (sk-tg-AbC).' })
  search?: string | null;
}

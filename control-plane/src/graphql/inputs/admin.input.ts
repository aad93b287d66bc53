import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { GraphQLJSON } from '../scalars.js';
import { BudgetFields, KeySettingsFields, TeamBudgetFields } from './shared-fields.input.js';

/** Shapes only; the services validate content (zod) and report field errors. */

@InputType('CreateOrganizationInput')
export class CreateOrganizationInput extends BudgetFields {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { nullable: true })
  models?: string[] | null;
}

@InputType('UpdateOrganizationInput', {
  description: 'Absent fields keep their value; null clears a nullable one. A new budgetDuration starts a new budget period.',
})
export class UpdateOrganizationInput extends BudgetFields {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => [String], { nullable: true })
  models?: string[];

  @Field(() => Boolean, { nullable: true })
  blocked?: boolean;
}

@InputType('UpdateTeamInput', {
  description: 'Absent fields keep their value; null clears a nullable one. A new budgetDuration starts a new budget period.',
})
export class UpdateTeamInput extends TeamBudgetFields {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => [String], { nullable: true, description: 'Model names the team may use; empty: every model.' })
  models?: string[];

  @Field(() => GraphQLJSON, { nullable: true, description: "Free-form, recorded with every request of the team's keys (at most 16 KB)." })
  metadata?: Record<string, unknown>;

  @Field(() => [String], { nullable: true, description: "Tags recorded with every request of the team's keys." })
  tags?: string[];

  @Field(() => Boolean, { nullable: true })
  blocked?: boolean;
}

@InputType('CreateUserInput')
export class CreateUserInput extends BudgetFields {
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

@InputType('UpdateUserInput', {
  description: 'Absent fields keep their value; null clears a nullable one. A new budgetDuration starts a new budget period.',
})
export class UpdateUserInput extends BudgetFields {
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

  @Field(() => String, { nullable: true, description: "admin or member; absent: member for a new member, an existing member's role is kept." })
  role?: string | null;

  @Field(() => Float, {
    nullable: true,
    description: "The member's own hard budget in the team, over the team's memberMaxBudget: absent keeps it, null clears it. Org admins and proxy admins only.",
  })
  maxBudget?: number | null;
}

@InputType('UpdateKeyInput', { description: 'Absent fields keep their value; null clears a nullable one.' })
export class UpdateKeyInput extends KeySettingsFields {
  @Field(() => Boolean, { nullable: true })
  blocked?: boolean;

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

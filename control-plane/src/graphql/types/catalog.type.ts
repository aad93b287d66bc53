import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { BudgetTier, EndUser, GuardrailPolicy, McpServer, McpToolPermission, Tag } from '../../db/entities/index.js';
import { GraphQLJSON } from '../scalars.js';
import { followsAnyEndUser } from '../../services/budget-period.js';
import { GovernedObject, governedFields as governed } from './governed.type.js';

@ObjectType('BudgetTier', { description: 'A reusable budget and limits that end users can be put on.' })
export class BudgetTierObject {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Float, { nullable: true }) maxBudget!: number | null;
  @Field(() => Float, { nullable: true }) softBudget!: number | null;
  @Field(() => String, { nullable: true }) budgetDuration!: string | null;
  @Field(() => Int, { nullable: true }) rpmLimit!: number | null;
  @Field(() => Float, { nullable: true }) tpmLimit!: number | null;
  @Field(() => Int, { nullable: true }) maxParallelRequests!: number | null;

  static from(tier: BudgetTier): BudgetTierObject {
    return Object.assign(new BudgetTierObject(), { id: tier.id, name: tier.name, ...governed(tier) });
  }
}

@ObjectType('Tag', { description: 'A tag requests carry; spend is reported and budgeted per tag.' })
export class TagObject extends GovernedObject {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;

  static from(tag: Tag): TagObject {
    return Object.assign(new TagObject(), { id: tag.id, name: tag.name, description: tag.description, ...governed(tag) });
  }
}

@ObjectType('GuardrailPolicy', {
  description: 'A guardrail policy, stored and sent to data planes. Not enforced yet: data planes do not run guardrails in this release (see the roadmap in docs/architecture.md), so requests are not checked against it.',
})
export class GuardrailPolicyObject {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'pii, secrets, prompt_injection, regex, webhook, …' }) kind!: string;
  @Field(() => String, { description: 'pre_call, during_call or post_call.' }) mode!: string;
  @Field(() => String, { description: 'block, mask or log.' }) action!: string;
  @Field(() => GraphQLJSON) settings!: unknown;
  @Field(() => Boolean, { description: 'Applied to every request, not only where named.' }) defaultOn!: boolean;
  @Field(() => String, { nullable: true }) managedBy!: string | null;

  static from(p: GuardrailPolicy): GuardrailPolicyObject {
    const { id, name, kind, mode, action, settings, defaultOn, managedBy } = p;
    return Object.assign(new GuardrailPolicyObject(), { id, name, kind, mode, action, settings, defaultOn, managedBy });
  }
}

@ObjectType('McpServer', {
  description: 'An MCP server and its tool permissions, stored. Not served yet: the MCP gateway is on the roadmap (docs/architecture.md), so no client reaches it through Tollgate in this release.',
})
export class McpServerObject {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) url!: string;
  @Field(() => String) transport!: string;
  @Field(() => String, { nullable: true, description: 'Where the bearer token is read from (env:/file:); never the token.' }) authRef!: string | null;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String, { nullable: true }) managedBy!: string | null;

  static from(s: McpServer): McpServerObject {
    const { id, name, url, transport, authRef, description, managedBy } = s;
    return Object.assign(new McpServerObject(), { id, name, url, transport, authRef, description, managedBy });
  }
}

@ObjectType('McpToolPermission')
export class McpToolPermissionObject {
  @Field(() => ID) id!: string;
  @Field(() => ID) serverId!: string;
  @Field(() => String, { description: 'org, team or key.' }) subjectType!: string;
  @Field(() => ID) subjectId!: string;
  @Field(() => [String], { description: 'Tool names; empty: every tool of the server.' }) tools!: string[];

  static from(p: McpToolPermission): McpToolPermissionObject {
    return Object.assign(new McpToolPermissionObject(), { id: p.id, serverId: p.server.id, subjectType: p.subjectType, subjectId: p.subjectId, tools: p.tools });
  }
}

@ObjectType('EndUser', { description: 'A customer of a customer: the `user` of requests.' })
export class EndUserObject extends GovernedObject {
  @Field(() => ID) id!: string;
  @Field(() => String) externalId!: string;
  @Field(() => String, { nullable: true }) alias!: string | null;
  @Field(() => Boolean) blocked!: boolean;
  @Field(() => ID, { nullable: true }) budgetTierId!: string | null;
  @Field(() => Date, { nullable: true, description: "When the current budget period ends (its own duration's, else its tier's)." })
  override budgetResetAt!: Date | null;
  @Field(() => Boolean, {
    description: 'No settings of its own: the limits and budget of the end user * apply to it, and its spend is what it spent in the budget period of *.',
  })
  followsAnyEndUser!: boolean;

  static from(u: EndUser): EndUserObject {
    return Object.assign(new EndUserObject(), {
      id: u.id,
      externalId: u.externalId,
      alias: u.alias,
      blocked: u.blocked,
      budgetTierId: u.budgetTier?.id ?? null,
      followsAnyEndUser: followsAnyEndUser(u),
      ...governed(u),
    });
  }
}

import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from '../scalars.js';
import type { CreatedKey, KeyPage, KeyWithTeam } from '../../services/keys.js';
import { TeamObject } from './team.type.js';

/** A virtual key as admins see it: never its hash, never the key. */
@ObjectType('VirtualKey')
export class VirtualKeyObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  prefix!: string;

  @Field(() => String, { nullable: true })
  alias!: string | null;

  @Field(() => ID, { nullable: true })
  teamId!: string | null;

  @Field(() => TeamObject, { nullable: true })
  team!: TeamObject | null;

  @Field(() => ID, { nullable: true })
  ownerId!: string | null;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  @Field(() => String, { description: 'llm_api, management or read_only.' })
  keyType!: string;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Float, { nullable: true })
  softBudget!: number | null;

  @Field(() => String, { nullable: true })
  budgetDuration!: string | null;

  @Field(() => Date, { nullable: true })
  budgetResetAt!: Date | null;

  @Field(() => Int, { nullable: true })
  rpmLimit!: number | null;

  @Field(() => Float, { nullable: true })
  tpmLimit!: number | null;

  @Field(() => Int, { nullable: true })
  maxParallelRequests!: number | null;

  @Field(() => GraphQLJSON)
  modelLimits!: unknown;

  @Field(() => GraphQLJSON)
  modelAliases!: unknown;

  @Field(() => GraphQLJSON)
  metadata!: unknown;

  @Field(() => [String])
  tags!: string[];

  @Field(() => [String])
  guardrails!: string[];

  @Field(() => [String])
  enforcedParams!: string[];

  @Field(() => [String])
  allowedIps!: string[];

  @Field(() => [String])
  allowedRoutes!: string[];

  @Field(() => Float, { nullable: true })
  tempBudgetIncrease!: number | null;

  @Field(() => Date, { nullable: true })
  tempBudgetExpiresAt!: Date | null;

  @Field(() => Int, { nullable: true })
  autoRotateDays!: number | null;

  @Field(() => Date, { nullable: true })
  rotatedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Until when the key replaced by the last regeneration still works.' })
  previousKeyValidUntil!: Date | null;

  @Field(() => String, { nullable: true, description: 'file when declared in tollgate.yaml (read-only here).' })
  managedBy!: string | null;

  @Field(() => [String])
  models!: string[];

  @Field(() => Float, { nullable: true })
  maxBudget!: number | null;

  @Field(() => Float)
  spend!: number;

  @Field(() => Boolean)
  blocked!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  static from({ key, team }: KeyWithTeam): VirtualKeyObject {
    return Object.assign(new VirtualKeyObject(), {
      id: key.id,
      prefix: key.prefix,
      alias: key.alias,
      teamId: key.team?.id ?? null,
      team: team ? TeamObject.from(team) : null,
      ownerId: key.owner?.id ?? null,
      organizationId: key.organization?.id ?? null,
      keyType: key.keyType,
      expiresAt: key.expiresAt,
      softBudget: key.softBudget,
      budgetDuration: key.budgetDuration,
      budgetResetAt: key.budgetResetAt,
      rpmLimit: key.rpmLimit,
      tpmLimit: key.tpmLimit,
      maxParallelRequests: key.maxParallelRequests,
      modelLimits: key.modelLimits,
      modelAliases: key.modelAliases,
      metadata: key.metadata,
      tags: key.tags,
      guardrails: key.guardrails,
      enforcedParams: key.enforcedParams,
      allowedIps: key.allowedIps,
      allowedRoutes: key.allowedRoutes,
      tempBudgetIncrease: key.tempBudgetIncrease,
      tempBudgetExpiresAt: key.tempBudgetExpiresAt,
      autoRotateDays: key.autoRotateDays,
      rotatedAt: key.rotatedAt,
      previousKeyValidUntil: key.previousHashExpiresAt,
      managedBy: key.managedBy,
      models: key.models,
      maxBudget: key.maxBudget,
      spend: key.spend,
      blocked: key.blocked,
      createdAt: key.createdAt,
    });
  }
}

@ObjectType('CreatedKey')
export class CreatedKeyObject {
  @Field(() => String, { description: 'The key itself. Shown only in this response; store it now.' })
  key!: string;

  @Field(() => VirtualKeyObject)
  virtualKey!: VirtualKeyObject;

  static from(created: CreatedKey): CreatedKeyObject {
    return Object.assign(new CreatedKeyObject(), { key: created.plaintext, virtualKey: VirtualKeyObject.from(created) });
  }
}

@ObjectType('KeyPage')
export class KeyPageObject {
  @Field(() => [VirtualKeyObject], { description: 'Newest first.' })
  keys!: VirtualKeyObject[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;

  static from(page: KeyPage): KeyPageObject {
    return Object.assign(new KeyPageObject(), { keys: page.keys.map(VirtualKeyObject.from), endCursor: page.endCursor, hasNextPage: page.hasNextPage });
  }
}

import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { TeamWithKeyCount } from '../../services/teams.js';
import { GraphQLJSON } from '../scalars.js';
import { GovernedObject, governedFields } from './governed.type.js';

@ObjectType('Team')
export class TeamObject extends GovernedObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  @Field(() => [String])
  models!: string[];

  @Field(() => Float, { nullable: true, description: "Each member's hard budget for their own use of the team's keys, in the team's budget period." })
  memberMaxBudget!: number | null;

  @Field(() => Float, { nullable: true, description: "Each member's soft budget in the team." })
  memberSoftBudget!: number | null;

  @Field(() => Int, { nullable: true })
  memberRpmLimit!: number | null;

  @Field(() => Float, { nullable: true })
  memberTpmLimit!: number | null;

  @Field(() => GraphQLJSON, { description: "Recorded with every request of the team's keys." })
  metadata!: Record<string, unknown>;

  @Field(() => [String], { description: "Recorded with every request of the team's keys." })
  tags!: string[];

  @Field(() => Boolean)
  blocked!: boolean;

  @Field(() => Int)
  keyCount!: number;

  @Field(() => String, { nullable: true, description: 'file when declared in the config file (read-only here).' })
  managedBy!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  static from({ team, keyCount }: TeamWithKeyCount): TeamObject {
    return Object.assign(new TeamObject(), {
      id: team.id,
      name: team.name,
      organizationId: team.organization?.id ?? null,
      models: team.models,
      ...governedFields(team),
      memberMaxBudget: team.memberMaxBudget,
      memberSoftBudget: team.memberSoftBudget,
      memberRpmLimit: team.memberRpmLimit,
      memberTpmLimit: team.memberTpmLimit,
      metadata: team.metadata,
      tags: team.tags,
      blocked: team.blocked,
      keyCount,
      managedBy: team.managedBy,
      createdAt: team.createdAt,
    });
  }
}

import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { TeamWithKeyCount } from '../../services/teams.js';
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
      blocked: team.blocked,
      keyCount,
      managedBy: team.managedBy,
      createdAt: team.createdAt,
    });
  }
}

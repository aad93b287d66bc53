import { Field, Float, ID, ObjectType } from 'type-graphql';
import type { CreatedKey, KeyWithTeam } from '../../services/keys.js';
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

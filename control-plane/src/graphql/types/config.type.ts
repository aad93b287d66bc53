import { Field, Int, ObjectType } from 'type-graphql';
import type { ConfigUpdate } from '../../services/index.js';
import { GraphQLJSON } from '../scalars.js';

@ObjectType('ConfigUpdate')
export class ConfigUpdateObject {
  @Field(() => Int)
  version!: number;

  @Field(() => GraphQLJSON, { description: 'A schema ConfigMessage: a snapshot first, then deltas.' })
  message!: unknown;

  static from(update: ConfigUpdate): ConfigUpdateObject {
    return Object.assign(new ConfigUpdateObject(), update);
  }
}

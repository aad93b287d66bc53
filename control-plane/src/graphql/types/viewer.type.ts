import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Viewer', { description: 'Who the current credential is.' })
export class ViewerObject {
  @Field(() => String)
  role!: string;

  @Field(() => String, { description: 'master_key, session, management_key or read_only_key.' })
  credential!: string;

  @Field(() => ID, { nullable: true, description: 'Null for the master key.' })
  userId!: string | null;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  @Field(() => Boolean)
  readOnly!: boolean;
}

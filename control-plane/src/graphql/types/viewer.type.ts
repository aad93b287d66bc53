import { Field, ObjectType } from 'type-graphql';

@ObjectType('Viewer', { description: 'Who the current credential is.' })
export class ViewerObject {
  @Field(() => String)
  role!: string;
}

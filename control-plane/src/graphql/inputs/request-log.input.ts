import { Field, ID, InputType } from 'type-graphql';

@InputType('RequestLogFilter', { description: 'Every field given narrows the log; all are exact matches.' })
export class RequestLogFilter {
  @Field(() => String, { nullable: true, description: 'success, error or aborted.' })
  status?: string | null;

  @Field(() => String, { nullable: true, description: 'The model name the client asked for.' })
  model?: string | null;

  @Field(() => ID, { nullable: true })
  keyId?: string | null;

  @Field(() => ID, { nullable: true })
  teamId?: string | null;

  @Field(() => ID, { nullable: true, description: "The key's owner when the request was made." })
  userId?: string | null;

  @Field(() => String, { nullable: true, description: 'The `user` the request named.' })
  endUser?: string | null;

  @Field(() => String, { nullable: true })
  requestId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Requests started at or after.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Requests started before.' })
  to?: Date | null;
}

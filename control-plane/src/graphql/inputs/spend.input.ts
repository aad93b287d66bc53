import { ArgsType, Field, ID, InputType } from 'type-graphql';

@ArgsType()
export class SpendUpdatedArgs {
  @Field(() => ID, { nullable: true, description: 'Only requests of this team.' })
  teamId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only requests made with this key.' })
  keyId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only requests for this model name.' })
  model?: string | null;
}

@InputType('BudgetAlertFilter')
export class BudgetAlertFilter {
  @Field(() => String, { nullable: true, description: 'org, team, user, key, end_user or tag.' })
  subjectKind?: string | null;

  @Field(() => ID, { nullable: true })
  subjectId?: string | null;

  @Field(() => String, { nullable: true, description: 'soft_budget or max_budget.' })
  threshold?: string | null;
}

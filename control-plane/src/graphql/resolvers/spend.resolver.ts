import { Arg, Authorized, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import type { SpendUpdate } from '../../services/index.js';
import type { GraphQLContext } from '../context.js';
import { Topic } from '../pubsub.js';
import { SpendLogObject, SpendSummaryObject, SpendUpdateObject } from '../types/spend.type.js';

@Resolver()
export class SpendResolver {
  @Authorized(Role.Admin)
  @Query(() => [SpendLogObject], { description: 'Newest first; limit 1..500.' })
  async spendLogs(
    @Arg('keyId', () => ID, { nullable: true }) keyId: string | null | undefined,
    @Arg('limit', () => Int, { defaultValue: 50 }) limit: number,
    @Ctx() { services }: GraphQLContext,
  ): Promise<SpendLogObject[]> {
    return (await services.spend.logs(keyId, limit)).map(SpendLogObject.from);
  }

  @Authorized(Role.Admin)
  @Query(() => SpendSummaryObject)
  async spendSummary(@Ctx() { services }: GraphQLContext): Promise<SpendSummaryObject> {
    return SpendSummaryObject.from(await services.spend.summary());
  }

  @Authorized(Role.Admin)
  @Subscription(() => SpendUpdateObject, {
    topics: Topic.SpendUpdated,
    description: 'One message per ingested batch that wrote new rows.',
  })
  spendUpdated(@Root() update: SpendUpdate): SpendUpdateObject {
    return SpendUpdateObject.from(update);
  }
}

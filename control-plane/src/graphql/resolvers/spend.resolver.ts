import { Arg, Authorized, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import type { SpendUpdate } from '../../services/index.js';
import { actorOf, type GraphQLContext } from '../context.js';
import { Topic } from '../pubsub.js';
import { SpendLogObject, SpendSummaryObject, SpendUpdateObject } from '../types/spend.type.js';

@Resolver()
export class SpendResolver {
  @Authorized()
  @Query(() => [SpendLogObject], { description: 'Newest first; limit 1..500.' })
  async spendLogs(
    @Arg('keyId', () => ID, { nullable: true }) keyId: string | null | undefined,
    @Arg('limit', () => Int, { defaultValue: 50 }) limit: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SpendLogObject[]> {
    return (await ctx.services.spend.logs(actorOf(ctx), keyId, limit)).map(SpendLogObject.from);
  }

  @Authorized()
  @Query(() => SpendSummaryObject)
  async spendSummary(@Ctx() ctx: GraphQLContext): Promise<SpendSummaryObject> {
    return SpendSummaryObject.from(await ctx.services.spend.summary(actorOf(ctx)));
  }

  @Authorized(Role.Admin, Role.ProxyAdminViewer)
  @Subscription(() => SpendUpdateObject, {
    topics: Topic.SpendUpdated,
    description: 'One message per ingested batch that wrote new rows.',
  })
  spendUpdated(@Root() update: SpendUpdate): SpendUpdateObject {
    return SpendUpdateObject.from(update);
  }
}

import { Arg, Authorized, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import type { SpendUpdate } from '../../services/index.js';
import { actorOf, type GraphQLContext } from '../context.js';
import { Topic } from '../pubsub.js';
import { SpendLogObject, SpendReportRowObject, SpendSummaryObject, SpendUpdateObject } from '../types/spend.type.js';

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
  @Query(() => [SpendReportRowObject], {
    description: 'Spend by key, user, team, org, end_user, model, provider, tag or a metadata field over a date range (UTC days), as totals or per day; highest cost first (per day: by day, then cost).',
  })
  async spendReport(
    @Arg('dimension', () => String, { description: 'key, user, team, org, end_user, model, provider, tag, or metadata (with metadataKey).' }) dimension: string,
    @Arg('metadataKey', () => String, { nullable: true, description: 'With dimension metadata: the field to group by; from and to are then required, at most 92 days apart.' })
    metadataKey: string | null | undefined,
    @Arg('from', () => Date, { nullable: true }) from: Date | null | undefined,
    @Arg('to', () => Date, { nullable: true }) to: Date | null | undefined,
    @Arg('byDay', () => Boolean, { defaultValue: false }) byDay: boolean,
    @Arg('value', () => String, { nullable: true, description: 'Only this key id, model, tag, …' }) value: string | null | undefined,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SpendReportRowObject[]> {
    return (await ctx.services.spend.report(actorOf(ctx), { dimension, metadataKey, from, to, byDay, value, first })).map(SpendReportRowObject.from);
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

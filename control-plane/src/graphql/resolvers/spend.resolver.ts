import { Arg, Args, Authorized, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SpendUpdate } from '../../services/index.js';
import { actorOf, type GraphQLContext } from '../context.js';
import { SpendUpdatedArgs } from '../inputs/spend.input.js';
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
    description: 'Spend by key, user, team, org, end_user, model (as asked for), deployment (the model config that answered), provider, tag or a metadata field over a date range (UTC days), as totals or per day; highest cost first (per day: by day, then cost).',
  })
  async spendReport(
    @Arg('dimension', () => String, { description: 'key, user, team, org, end_user, model, deployment, provider, tag, or metadata (with metadataKey).' }) dimension: string,
    @Arg('metadataKey', () => String, { nullable: true, description: 'With dimension metadata: the field to group by; from and to are then required, at most 92 days apart.' })
    metadataKey: string | null | undefined,
    @Arg('from', () => Date, { nullable: true, description: 'Inclusive; the daily roll-ups count from the UTC day it falls in.' }) from: Date | null | undefined,
    @Arg('to', () => Date, { nullable: true, description: 'Exclusive: a UTC day counts when it begins before it (the metadata report: requests started before it).' }) to: Date | null | undefined,
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

  @Authorized()
  @Subscription(() => SpendUpdateObject, {
    // Each subscriber has its own totals, filters and throttle (services/live-spend.ts).
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      return ctx.services.liveSpend.subscribe(actorOf(ctx).principal, args);
    },
    description:
      'The caller\'s spend (all of it for proxy admins and viewers, their organization\'s for org admins, their own keys\' and their administered teams\' for others), narrowed by the filters: a message when it changes, at most one per TOLLGATE_SPEND_THROTTLE_MS (1 s), from ingest on any control-plane replica.',
  })
  spendUpdated(@Args(() => SpendUpdatedArgs) _filter: SpendUpdatedArgs, @Root() update: SpendUpdate): SpendUpdateObject {
    return SpendUpdateObject.from(update);
  }
}

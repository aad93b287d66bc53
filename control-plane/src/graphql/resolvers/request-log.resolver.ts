import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { RequestLogFilter } from '../inputs/request-log.input.js';
import { RequestLogPageObject } from '../types/request-log.type.js';

@Resolver()
export class RequestLogResolver {
  @Authorized()
  @Query(() => RequestLogPageObject, {
    description: 'Requests newest first, as far as the caller may read spend; keyset-paginated (first 1..500, after = endCursor).',
  })
  async requestLog(
    @Arg('filter', () => RequestLogFilter, { nullable: true }) filter: RequestLogFilter | null | undefined,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RequestLogPageObject> {
    const page = RequestLogPageObject.from(await ctx.services.spend.requestLog(actorOf(ctx), { ...filter, first, after }));
    // Named in one read for the page: a dashboard knows only the keys it has listed (50 at a time).
    const labels = await ctx.services.keys.labels(page.entries.map((entry) => entry.keyId));
    for (const entry of page.entries) entry.keyLabel = labels.get(entry.keyId) ?? null;
    return page;
  }
}

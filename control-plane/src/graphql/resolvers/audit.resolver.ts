import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { AuditLogFilter } from '../inputs/admin.input.js';
import { AuditPageObject } from '../types/admin.type.js';

@Resolver()
export class AuditResolver {
  @Authorized()
  @Query(() => AuditPageObject, { description: 'Newest first, keyset-paginated (first 1..500, after = endCursor).' })
  async auditLog(
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | null | undefined,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuditPageObject> {
    return AuditPageObject.from(await ctx.services.audit.list(actorOf(ctx), { ...filter, first, after }));
  }
}

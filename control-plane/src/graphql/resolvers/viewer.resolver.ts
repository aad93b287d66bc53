import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { ViewerObject } from '../types/viewer.type.js';

@Resolver()
export class ViewerResolver {
  @Authorized()
  @Query(() => ViewerObject)
  viewer(@Ctx() ctx: GraphQLContext): ViewerObject {
    const { principal } = actorOf(ctx);
    return Object.assign(new ViewerObject(), {
      role: principal.role,
      credential: principal.credential,
      userId: principal.userId,
      organizationId: principal.orgId,
      readOnly: principal.readOnly,
    });
  }
}

import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { authorize } from '../../auth/authorize.js';
import { Role } from '../../auth/roles.js';
import type { GraphQLContext } from '../context.js';
import { ViewerObject } from '../types/viewer.type.js';

@Resolver()
export class ViewerResolver {
  @Authorized(Role.Admin)
  @Query(() => ViewerObject)
  viewer(@Ctx() { principal }: GraphQLContext): ViewerObject {
    return Object.assign(new ViewerObject(), { role: authorize(principal, [Role.Admin]).role });
  }
}

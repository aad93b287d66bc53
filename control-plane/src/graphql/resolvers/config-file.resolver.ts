import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { ConfigFileStatusObject } from '../types/config-file.type.js';

@Resolver()
export class ConfigFileResolver {
  @Authorized()
  @Query(() => ConfigFileStatusObject, {
    nullable: true,
    description: 'The declarative config file: what it applied, its errors and conflicts. Null without one. Proxy admins and viewers.',
  })
  configFile(@Ctx() ctx: GraphQLContext): ConfigFileStatusObject | null {
    const status = ctx.services.configFile.status(actorOf(ctx));
    return status ? ConfigFileStatusObject.from(status) : null;
  }
}
